import Foundation
import Results

/// Per-epoch curves as a self-contained SVG: validation solid, training dashed, one colour per
/// series, log-scale y with decade ticks, the legend to the right of the plot area so that
/// twenty series never cover the curves. In pixels by default — RMSE, √loss · 48, with the
/// mean face's RMSE as a grey line, the bar every run must clear — or in normalised losses.
/// A group's mean curve carries a band of ± one standard deviation over its runs.
public struct CurvePlot: Sendable {
    public enum Measure: Sendable {
        /// RMSE in pixels: √(masked MSE) · 48.
        case pixels
        /// The masked MSE on normalised targets, as metrics.csv records it.
        case loss
    }

    public struct Point: Sendable, Equatable {
        public var epoch: Int
        public var loss: Double
    }

    public struct Series: Sendable {
        /// The full description (`weights=he, seed=1`), shown as the curve's tooltip.
        public var label: String
        /// One legend cell per `CurvePlot.legendColumns`.
        public var legendValues: [String]
        /// Non-finite losses (a diverged epoch) are kept: they break the line there.
        public var training: [Point]
        public var validation: [Point]
        /// For a group's mean curve: the validation loss ± one standard deviation over its
        /// runs at each epoch with two or more of them (low, high).
        public var validationBand: [(epoch: Int, low: Double, high: Double)] = []
        /// For a group's mean curve: each of its runs' validation curve, drawn thin in the
        /// group's colour behind the mean.
        public var members: [[Point]] = []

        public init(label: String, legendValues: [String], rows: [MetricsLog.Row]) {
            self.label = label
            self.legendValues = legendValues
            training = rows.map { Point(epoch: $0.epoch, loss: $0.trainLoss) }
            validation = rows.map { Point(epoch: $0.epoch, loss: $0.validationLoss) }
        }

        /// The mean curve of several runs: at each epoch, the mean over the runs that have a
        /// finite loss at that epoch (a run that diverged or stopped early drops out there).
        public init(label: String, legendValues: [String], meanOf runs: [[MetricsLog.Row]]) {
            self.label = label
            self.legendValues = legendValues
            func mean(_ loss: (MetricsLog.Row) -> Double) -> [Point] {
                var sums: [Int: (total: Double, count: Int)] = [:]
                for row in runs.joined() where loss(row).isFinite {
                    sums[row.epoch, default: (0, 0)].total += loss(row)
                    sums[row.epoch, default: (0, 0)].count += 1
                }
                return sums.keys.sorted().map { Point(epoch: $0, loss: sums[$0]!.total / Double(sums[$0]!.count)) }
            }
            training = mean(\.trainLoss)
            validation = mean(\.validationLoss)
            members = runs.count > 1 ? runs.map { $0.map { Point(epoch: $0.epoch, loss: $0.validationLoss) } } : []
            var values: [Int: [Double]] = [:]
            for row in runs.joined() where row.validationLoss.isFinite { values[row.epoch, default: []].append(row.validationLoss) }
            validationBand = values.keys.sorted().compactMap { epoch in
                let losses = values[epoch]!
                guard losses.count >= 2 else { return nil }
                let mean = losses.reduce(0, +) / Double(losses.count)
                let deviation = (losses.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(losses.count - 1)).squareRoot()
                return (epoch, mean - deviation, mean + deviation)
            }
        }
    }

    public var series: [Series]
    /// The legend's header: the parameters that tell the series apart.
    public var legendColumns: [String]
    public var measure: Measure
    /// The mean face's validation RMSE in pixels, drawn as a line; nil when the runs differ in it.
    public var meanFace: Double?

    public init(series: [Series], legendColumns: [String], measure: Measure = .pixels, meanFace: Double? = nil) {
        self.series = series
        self.legendColumns = legendColumns
        self.measure = measure
        self.meanFace = meanFace
    }

    /// A loss as plotted.
    private func plotted(_ loss: Double) -> Double {
        measure == .pixels ? loss.squareRoot() * Double(48) : loss
    }

    // Layout in SVG user units (pixels).
    private let left = 76.0, top = 44.0, plotWidth = 640.0, plotHeight = 400.0
    private let legendGap = 28.0

    /// The picture's width and height in SVG user units (the legend's size decides).
    public var size: (width: Double, height: Double) {
        let legend = PlotLegend(columns: legendColumns, values: series.map(\.legendValues))
        // Room under the axis for the bands' note.
        let note = series.contains { $0.validationBand.count >= 2 } ? 16.0 : 0
        return (left + plotWidth + legendGap + legend.width + 12, max(top + plotHeight + 56 + note, top + legend.height + 12))
    }

    /// The picture as SVG text (UTF-8, no external references).
    public var svg: String {
        let plottable = series.flatMap { $0.training + $0.validation }.map(\.loss).filter { $0.isFinite && $0 > 0 }.map(plotted)
        // A diverging run can reach 1e30 before it turns NaN; the axis stops at 10 × the
        // largest first-epoch value so the converging runs keep their detail (the rest is clipped).
        let firstValues = series.flatMap { [$0.training.first, $0.validation.first] }.compactMap { $0?.loss }
            .filter { $0.isFinite && $0 > 0 }.map(plotted)
        let ceiling = (firstValues.max() ?? .infinity) * 10
        let meanFaceValue = measure == .pixels ? meanFace : meanFace.map { pow($0 / 48, 2) }
        let yAxis = AxisTicks.Logarithmic(enclosing: plottable.map { min($0, ceiling) } + (meanFaceValue.map { [$0] } ?? []))
        let lastEpoch = series.flatMap { $0.training + $0.validation }.map(\.epoch).max() ?? 1
        // Epochs count from 1: the axis starts there, so a short run fills the width.
        let firstEpoch = lastEpoch > 1 ? 1.0 : 0.0
        let xAxis = AxisTicks.linear(upTo: Double(max(lastEpoch, 1)))
        let xTicks = ([firstEpoch] + stride(from: xAxis.step, through: xAxis.end, by: xAxis.step).filter { $0 > firstEpoch })

        func x(_ epoch: Double) -> Double { left + (epoch - firstEpoch) / (xAxis.end - firstEpoch) * plotWidth }
        func y(_ value: Double) -> Double { top + (1 - yAxis.fraction(value)) * plotHeight }
        func yLoss(_ loss: Double) -> Double { y(plotted(loss)) }

        let legend = PlotLegend(columns: legendColumns, values: series.map(\.legendValues))
        let (width, height) = size

        var out: [String] = []
        out.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(number(width))\" height=\"\(number(height))\" "
                   + "viewBox=\"0 0 \(number(width)) \(number(height))\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">")
        out.append("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>")
        out.append("<defs><clipPath id=\"kplab-plot-area\"><rect x=\"\(number(left))\" y=\"\(number(top))\" "
                   + "width=\"\(number(plotWidth))\" height=\"\(number(plotHeight))\"/></clipPath></defs>")
        out.append("<text x=\"\(number(left))\" y=\"24\" font-size=\"15\" font-weight=\"bold\">"
                   + (measure == .pixels ? "RMSE per epoch" : "Loss per epoch") + "</text>")

        // Grid and ticks.
        out.append("<g class=\"grid\" stroke-width=\"1\">")
        for tick in yAxis.minor {
            out.append("<line x1=\"\(number(left))\" x2=\"\(number(left + plotWidth))\" y1=\"\(number(y(tick.value)))\" y2=\"\(number(y(tick.value)))\" stroke=\"#f0f0f0\"/>")
        }
        for tick in yAxis.major {
            out.append("<line x1=\"\(number(left))\" x2=\"\(number(left + plotWidth))\" y1=\"\(number(y(tick)))\" y2=\"\(number(y(tick)))\" stroke=\"#d0d0d0\"/>")
        }
        for epoch in xTicks {
            out.append("<line x1=\"\(number(x(epoch)))\" x2=\"\(number(x(epoch)))\" y1=\"\(number(top))\" y2=\"\(number(top + plotHeight))\" stroke=\"#e6e6e6\"/>")
        }
        out.append("</g>")
        out.append("<g class=\"y-ticks\" text-anchor=\"end\" fill=\"#333333\">")
        for tick in yAxis.major {
            out.append("<text x=\"\(number(left - 6))\" y=\"\(number(y(tick) + 4))\">\(AxisTicks.logLabel(tick))</text>")
        }
        for tick in yAxis.minor where tick.isLabelled {
            out.append("<text x=\"\(number(left - 6))\" y=\"\(number(y(tick.value) + 4))\" font-size=\"10\" fill=\"#777777\">\(AxisTicks.logLabel(tick.value))</text>")
        }
        out.append("</g>")
        out.append("<g class=\"x-ticks\" text-anchor=\"middle\" fill=\"#333333\">")
        for epoch in xTicks {
            out.append("<text x=\"\(number(x(epoch)))\" y=\"\(number(top + plotHeight + 16))\">\(Int(epoch))</text>")
        }
        out.append("</g>")
        out.append("<rect x=\"\(number(left))\" y=\"\(number(top))\" width=\"\(number(plotWidth))\" height=\"\(number(plotHeight))\" fill=\"none\" stroke=\"#555555\"/>")
        out.append("<text x=\"\(number(left + plotWidth / 2))\" y=\"\(number(top + plotHeight + 40))\" text-anchor=\"middle\" font-size=\"13\">epoch</text>")
        let yTitle = measure == .pixels ? "RMSE (px): validation solid, training dashed" : "loss (normalised MSE)"
        out.append("<text transform=\"translate(18 \(number(top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\" font-size=\"13\">\(yTitle)</text>")
        if plottable.isEmpty {
            out.append("<text x=\"\(number(left + plotWidth / 2))\" y=\"\(number(top + plotHeight / 2))\" text-anchor=\"middle\" fill=\"#777777\">no finite losses to plot</text>")
        }
        // The bar to beat: predicting every keypoint at its training mean.
        if let meanFaceValue, let meanFace {
            out.append("<g class=\"mean-face\"><line x1=\"\(number(left))\" x2=\"\(number(left + plotWidth))\" y1=\"\(number(y(meanFaceValue)))\" "
                       + "y2=\"\(number(y(meanFaceValue)))\" stroke=\"#888888\" stroke-width=\"1.5\" stroke-dasharray=\"2 3\"/>")
            out.append("<text x=\"\(number(left + plotWidth - 4))\" y=\"\(number(y(meanFaceValue) - 5))\" text-anchor=\"end\" fill=\"#666666\">"
                       + "mean face \(String(format: "%.3f", meanFace)) px</text></g>")
        }

        // Curves: bands first, then training, so the solid validation lines lie on top.
        out.append("<g clip-path=\"url(#kplab-plot-area)\" fill=\"none\" stroke-linejoin=\"round\">")
        for (index, item) in series.enumerated() where item.validationBand.count >= 2 {
            let upper = item.validationBand.map { "\(number(x(Double($0.epoch)))) \(number(yLoss($0.high)))" }
            let lower = item.validationBand.reversed().map { "\(number(x(Double($0.epoch)))) \(number(yLoss(max($0.low, $0.high * 1e-3))))" }
            out.append("<path class=\"band\" d=\"M" + (upper + lower).joined(separator: " L") + " Z\" fill=\"\(Palette.colour(index))\" "
                       + "fill-opacity=\"0.15\" stroke=\"none\"><title>\(escaped(item.label)): ± one standard deviation over its runs</title></path>")
        }
        for (index, item) in series.enumerated() {
            for member in item.members {
                out.append("<path class=\"member\" d=\"\(pathData(member, x: x, y: yLoss))\" stroke=\"\(Palette.colour(index))\" "
                           + "stroke-width=\"0.8\" stroke-opacity=\"0.45\"/>")
            }
        }
        for (index, item) in series.enumerated() {
            out.append("<path class=\"training\" d=\"\(pathData(item.training, x: x, y: yLoss))\" stroke=\"\(Palette.colour(index))\" "
                       + "stroke-width=\"1.2\" stroke-dasharray=\"5 3\" stroke-opacity=\"0.8\"><title>\(escaped(item.label)): training</title></path>")
        }
        for (index, item) in series.enumerated() {
            out.append("<path class=\"validation\" d=\"\(pathData(item.validation, x: x, y: yLoss))\" stroke=\"\(Palette.colour(index))\" "
                       + "stroke-width=\"1.8\"><title>\(escaped(item.label)): validation</title></path>")
            // The best validation epoch, where the run's reported RMSE comes from.
            if let best = item.validation.filter({ $0.loss.isFinite && $0.loss > 0 }).min(by: { $0.loss < $1.loss }) {
                out.append("<circle cx=\"\(number(x(Double(best.epoch))))\" cy=\"\(number(yLoss(best.loss)))\" r=\"3\" fill=\"\(Palette.colour(index))\"/>")
            }
        }
        out.append("</g>")

        if series.contains(where: { $0.validationBand.count >= 2 }) {
            out.append("<text x=\"\(number(left))\" y=\"\(number(top + plotHeight + 56))\" font-size=\"11\" fill=\"#666666\">"
                       + "shaded: ± one standard deviation of validation over each group's runs</text>")
        }
        out += legend.svg(left: left + plotWidth + legendGap, top: top, colour: Palette.colour,
                          measure: measure == .pixels ? "RMSE" : "loss")
        out.append("</svg>")
        return out.joined(separator: "\n") + "\n"
    }

    /// `M x y L x y …`; a non-finite or non-positive loss (which a log axis cannot show)
    /// ends the line, and the next finite point starts a new one. A lone point is drawn as a
    /// zero-length segment, which round line caps would show; here the best-epoch dot marks it.
    private func pathData(_ points: [Point], x: (Double) -> Double, y: (Double) -> Double) -> String {
        var parts: [String] = []
        var drawing = false
        for point in points.sorted(by: { $0.epoch < $1.epoch }) {
            guard point.loss.isFinite, point.loss > 0 else { drawing = false; continue }
            parts.append("\(drawing ? "L" : "M")\(number(x(Double(point.epoch)))) \(number(y(point.loss)))")
            drawing = true
        }
        return parts.joined(separator: " ")
    }
}

/// One decimal is finer than a screen pixel; `-0.0` reads as `0`.
func number(_ value: Double) -> String {
    let rounded = (value * 10).rounded() / 10
    return rounded == rounded.rounded() ? String(Int(rounded)) : String(format: "%.1f", rounded)
}

/// Text for XML character data and attribute values.
func escaped(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}

extension String {
    /// The string cut after each occurrence of any separator (separators stay at the piece's end).
    func pieces(breakingAfter separators: [String]) -> [String] {
        var pieces: [String] = []
        var current = ""
        for character in self {
            current.append(character)
            if separators.contains(where: { current.hasSuffix($0) }) {
                pieces.append(current)
                current = ""
            }
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }
}
