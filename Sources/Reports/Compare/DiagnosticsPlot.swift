import Foundation
import Results

/// `kplab compare --plot FILE --diagnostics`: per run, four small charts of its
/// `diagnostics.csv` over epochs, one line per parameterised layer — activation std (log),
/// dead ReLU units (0–1), weight gradient norm (log) and bias share (0–1) — so initializers
/// can be compared the way Glorot and Bengio did: does the signal shrink layer by layer, do
/// units die, do gradients vanish, does the bias do all the work.
public struct DiagnosticsPlot: Sendable {
    public struct Run: Sendable {
        /// `run-id (status)`.
        public var title: String
        public var rows: [DiagnosticsLog.Row]
        /// Why there is nothing to draw (no diagnostics.csv), shown in place of the charts.
        public var problem: String?

        public init(title: String, rows: [DiagnosticsLog.Row], problem: String? = nil) {
            self.title = title
            self.rows = rows
            self.problem = problem
        }
    }

    /// One chart: a value per row, on a log axis or on [0, 1].
    struct Chart {
        var title: String
        var logarithmic: Bool
        var value: (DiagnosticsLog.Row) -> Double?
    }

    static let charts = [
        Chart(title: "activation std (log)", logarithmic: true) { $0.activationStandardDeviation },
        Chart(title: "dead ReLU units (fraction)", logarithmic: false) { $0.deadFraction },
        Chart(title: "weight gradient norm (log)", logarithmic: true) { $0.weight.gradientNorm },
        Chart(title: "bias share of the output", logarithmic: false) { $0.biasShare },
        Chart(title: "weight update / weight (log)", logarithmic: true) { $0.weight.updateRatio },
    ]

    public var runs: [Run]

    public init(runs: [Run]) { self.runs = runs }

    // Layout in SVG user units.
    private static let chartWidth = 220.0, chartHeight = 140.0, chartLeft = 56.0, chartGap = 24.0
    private static let runHeight = 230.0, legendWidth = 150.0

    public var width: Double {
        Self.chartLeft + Double(Self.charts.count) * (Self.chartWidth + Self.chartLeft + Self.chartGap) + Self.legendWidth
    }

    public var height: Double { 36 + Double(runs.count) * Self.runHeight }

    /// A standalone picture.
    public var svg: String {
        var out = ["<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(number(width))\" height=\"\(number(height))\" "
                   + "viewBox=\"0 0 \(number(width)) \(number(height))\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"11\">",
                   "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>"]
        out += elements(top: 0)
        out.append("</svg>")
        return out.joined(separator: "\n") + "\n"
    }

    /// The panels as SVG elements from `top` down, to place under another picture.
    func elements(top: Double) -> [String] {
        var out = ["<g class=\"diagnostics\" transform=\"translate(0 \(number(top)))\">",
                   "<text x=\"\(number(Self.chartLeft))\" y=\"24\" font-size=\"15\" font-weight=\"bold\">"
                   + "Diagnostics per layer (probe batch of validation faces)</text>"]
        for (index, run) in runs.enumerated() {
            out += panel(run, top: 36 + Double(index) * Self.runHeight)
        }
        out.append("</g>")
        return out
    }

    private func panel(_ run: Run, top: Double) -> [String] {
        var out = ["<g class=\"run-diagnostics\">",
                   "<text x=\"\(number(Self.chartLeft))\" y=\"\(number(top + 16))\" font-size=\"13\" font-weight=\"bold\">\(escaped(run.title))</text>"]
        if let problem = run.problem {
            out.append("<text x=\"\(number(Self.chartLeft))\" y=\"\(number(top + 60))\" fill=\"#777777\">\(escaped(problem))</text>")
            out.append("</g>")
            return out
        }
        var layers: [String] = []
        for row in run.rows where !layers.contains(row.layer) { layers.append(row.layer) }
        let lastEpoch = run.rows.map(\.epoch).max() ?? 1
        for (index, chart) in Self.charts.enumerated() {
            let left = Self.chartLeft + Double(index) * (Self.chartWidth + Self.chartLeft + Self.chartGap)
            out += draw(chart, rows: run.rows, layers: layers, lastEpoch: lastEpoch, left: left, top: top + 48)
        }
        // The layers' colours, beside the last chart.
        let legendLeft = Self.chartLeft + Double(Self.charts.count) * (Self.chartWidth + Self.chartLeft + Self.chartGap) - 12
        for (index, layer) in layers.enumerated() {
            let y = top + 48 + Double(index) * 16
            out.append("<line x1=\"\(number(legendLeft))\" x2=\"\(number(legendLeft + 20))\" y1=\"\(number(y))\" y2=\"\(number(y))\" "
                       + "stroke=\"\(Palette.colour(index))\" stroke-width=\"3\"/>")
            out.append("<text x=\"\(number(legendLeft + 26))\" y=\"\(number(y + 4))\">\(escaped(layer))</text>")
        }
        out.append("</g>")
        return out
    }

    private func draw(_ chart: Chart, rows: [DiagnosticsLog.Row], layers: [String], lastEpoch: Int,
                      left: Double, top: Double) -> [String] {
        let width = Self.chartWidth, height = Self.chartHeight
        let values = rows.compactMap(chart.value).filter { $0.isFinite && (!chart.logarithmic || $0 > 0) }
        let logAxis = AxisTicks.Logarithmic(enclosing: values.filter { $0 > 0 })
        let xAxis = AxisTicks.linear(upTo: Double(max(lastEpoch, 1)), target: 5)
        func x(_ epoch: Int) -> Double { left + Double(epoch) / xAxis.end * width }
        func y(_ value: Double) -> Double {
            top + (1 - (chart.logarithmic ? logAxis.fraction(value) : min(max(value, 0), 1))) * height
        }
        let ticks: [(value: Double, label: String)] = chart.logarithmic
            ? logAxis.major.map { ($0, AxisTicks.logLabel($0)) }
            : [0, 0.25, 0.5, 0.75, 1].map { ($0, String(format: "%g", $0)) }

        var out = ["<g class=\"chart\">",
                   "<text x=\"\(number(left))\" y=\"\(number(top - 8))\" font-size=\"12\">\(escaped(chart.title))</text>"]
        for tick in ticks {
            out.append("<line x1=\"\(number(left))\" x2=\"\(number(left + width))\" y1=\"\(number(y(tick.value)))\" "
                       + "y2=\"\(number(y(tick.value)))\" stroke=\"#e0e0e0\"/>")
            out.append("<text x=\"\(number(left - 4))\" y=\"\(number(y(tick.value) + 4))\" text-anchor=\"end\" fill=\"#333333\">\(tick.label)</text>")
        }
        for epoch in stride(from: 0.0, through: xAxis.end, by: xAxis.step) {
            out.append("<text x=\"\(number(x(Int(epoch))))\" y=\"\(number(top + height + 14))\" text-anchor=\"middle\" fill=\"#333333\">\(Int(epoch))</text>")
        }
        out.append("<rect x=\"\(number(left))\" y=\"\(number(top))\" width=\"\(number(width))\" height=\"\(number(height))\" fill=\"none\" stroke=\"#555555\"/>")
        if values.isEmpty {
            out.append("<text x=\"\(number(left + width / 2))\" y=\"\(number(top + height / 2))\" text-anchor=\"middle\" fill=\"#777777\">nothing to plot</text>")
        }
        for (index, layer) in layers.enumerated() {
            // A value the axis cannot show (NaN, or ≤ 0 on a log axis) breaks the line.
            var parts: [String] = []
            var drawing = false
            for row in rows where row.layer == layer {
                guard let value = chart.value(row), value.isFinite, !chart.logarithmic || value > 0 else {
                    drawing = false
                    continue
                }
                parts.append("\(drawing ? "L" : "M")\(number(x(row.epoch))) \(number(y(value)))")
                drawing = true
            }
            guard !parts.isEmpty else { continue }
            out.append("<path class=\"layer\" d=\"\(parts.joined(separator: " "))\" fill=\"none\" stroke=\"\(Palette.colour(index))\" "
                       + "stroke-width=\"1.6\"><title>\(escaped(layer))</title></path>")
        }
        out.append("</g>")
        return out
    }
}

extension Comparison {
    /// The diagnostics panels of the compared runs, in table order; a run without a readable
    /// `diagnostics.csv` gets a line saying how to make one.
    public var diagnostics: DiagnosticsPlot {
        DiagnosticsPlot(runs: runs.map { run in
            let title = "\(run.label) (\(run.statusText))"
            let path = RunFolder(path: run.folder).diagnostics
            guard FileManager.default.fileExists(atPath: path) else {
                return .init(title: title, rows: [], problem: "no diagnostics.csv: train it with --diagnostics (the run-id stays the same)")
            }
            do {
                return .init(title: title, rows: try DiagnosticsLog.read(path: path))
            } catch {
                return .init(title: title, rows: [], problem: "\(error)")
            }
        })
    }

    /// The curves with the diagnostics panels below them, as one SVG.
    public var curvesWithDiagnostics: String { curvesWithDiagnostics(measure: .pixels) }

    public func curvesWithDiagnostics(measure: CurvePlot.Measure) -> String {
        let curves = self.curves(measure: measure), panels = diagnostics
        let size = curves.size
        let width = max(size.width, panels.width), height = size.height + panels.height
        var out = ["<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(number(width))\" height=\"\(number(height))\" "
                   + "viewBox=\"0 0 \(number(width)) \(number(height))\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"11\">",
                   "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>"]
        // The curves keep their own picture (and font size), nested at the top.
        out.append(curves.svg.trimmingCharacters(in: .newlines))
        out += panels.elements(top: size.height)
        out.append("</svg>")
        return out.joined(separator: "\n") + "\n"
    }
}
