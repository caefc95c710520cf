import Engine
import Experiments

/// Where a benchmark's training step spends its time, as `kplab bench --profile` prints it:
/// per step of the network's plan (a layer, or a fused convolution → activation → pool),
/// milliseconds per training step forward and backward, the row's share of the step, and
/// for rows with weights their GFLOP/s and share of the peak × threads; then copying the
/// batch in, the optimizer, and what remains of the step (the loss, and waits between
/// sections). Measured in place, within the timed windows.
public struct StepProfileTable: Sendable, CustomStringConvertible {
    public struct Row: Sendable, Equatable {
        public var label: String
        public var forwardMilliseconds: Double
        public var backwardMilliseconds: Double
        /// Conv and dense FLOPs per training step, counted as `BenchmarkArchitecture.trainingFLOPs`
        /// counts them; 0 for a row without weights.
        public var flops: Double
        public var milliseconds: Double { forwardMilliseconds + backwardMilliseconds }
    }

    public var rows: [Row]
    /// The whole training step, timed around it.
    public var stepMilliseconds: Double
    /// One core's peak × threads, GFLOP/s.
    public var peakGigaflops: Double

    /// Rows for `profile`'s plan steps over `summary`'s layers (node i is layer i), then the
    /// batch's copy, `optimizerSeconds` and the rest of `stepSeconds`, all per training step.
    init(profile: StepProfile, summary: ModelSummary, batchSize: Int, optimizerSeconds: Double,
         stepSeconds: Double, peakGigaflops: Double) {
        let steps = Double(max(1, profile.steps))
        let milliseconds = { (seconds: Double) in 1000 * seconds / steps }
        // As `trainingFLOPs`: the first layer with weights computes no input gradient.
        let firstWeighted = summary.rows.first { $0.initializer != nil }?.index
        var rows = profile.stepNodes.indices.map { step -> Row in
            let nodes = profile.stepNodes[step].map { summary.rows[$0] }
            let flops = nodes.reduce(0.0) { total, row in
                let passes = row.initializer == nil ? 0 : row.index == firstWeighted ? 2 : 3
                return total + Double(passes * row.flops * batchSize)
            }
            let label = nodes.map(\.name).joined(separator: "+") + " (" + nodes[0].label + ")"
            return Row(label: label, forwardMilliseconds: milliseconds(profile.forwardSeconds[step]),
                       backwardMilliseconds: milliseconds(profile.backwardSeconds[step]), flops: flops)
        }
        rows.append(Row(label: "copying the batch in", forwardMilliseconds: milliseconds(profile.inputCopySeconds),
                        backwardMilliseconds: 0, flops: 0))
        rows.append(Row(label: "optimizer", forwardMilliseconds: 0, backwardMilliseconds: milliseconds(optimizerSeconds),
                        flops: 0))
        let step = milliseconds(stepSeconds)
        let accounted = rows.reduce(0) { $0 + $1.milliseconds }
        rows.append(Row(label: "loss, and waits between sections", forwardMilliseconds: max(0, step - accounted),
                        backwardMilliseconds: 0, flops: 0))
        self.rows = rows
        stepMilliseconds = step
        self.peakGigaflops = peakGigaflops
    }

    /// A fixed-width table, one row per line, then the step's total.
    public var description: String {
        /// Rounded to `digits` decimals; a phase a row does not have (0) is left blank.
        func number(_ value: Double, _ digits: Int) -> String {
            let scale = Double([1, 10, 100, 1000][digits])
            return value == 0 ? "" : String(describing: (value * scale).rounded() / scale)
        }
        func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
            let fill = String(repeating: " ", count: max(0, width - text.count))
            return left ? text + fill : fill + text
        }
        let width = max(24, rows.map(\.label.count).max() ?? 0)
        var lines = [pad("training step", width, left: true) + pad("fwd ms", 10) + pad("bwd ms", 10) + pad("share", 8)
                         + pad("GFLOP/s", 10) + pad("% peak", 8)]
        for row in rows {
            let share = stepMilliseconds > 0 ? 100 * row.milliseconds / stepMilliseconds : 0
            let rate = row.flops > 0 && row.milliseconds > 0 ? row.flops / (row.milliseconds * 1e6) : nil
            lines.append(pad(row.label, width, left: true) + pad(number(row.forwardMilliseconds, 3), 10)
                             + pad(number(row.backwardMilliseconds, 3), 10) + pad(number(share, 1) + "%", 8)
                             + pad(rate.map { number($0, 1) } ?? "", 10)
                             + pad(rate.map { number(100 * $0 / peakGigaflops, 1) } ?? "", 8))
        }
        lines.append(pad("whole step", width, left: true) + pad(number(stepMilliseconds, 3), 20) + pad("100%", 8))
        return lines.joined(separator: "\n")
    }
}
