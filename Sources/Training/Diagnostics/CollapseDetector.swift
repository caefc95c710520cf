/// Finds an output collapse in a run's per-epoch `output_spread` (see `OutputSpread`): the
/// spread below `threshold` for `patience` epochs in a row or more, up to the latest epoch.
///
/// 0.1 means the predictions vary ten times less than the faces do: far below any net that
/// has learnt something (trained nets sit near 0.8–1), yet above the first epoch or two of a
/// healthy run, which starts from near-constant predictions and leaves them within a few
/// epochs. Five epochs let such a slow start pass without a flag.
public enum CollapseDetector {
    public static let threshold = 0.1
    public static let patience = 5

    /// The first epoch of the collapse that the latest epoch is part of, or nil when the
    /// latest `patience` spreads are not all below the threshold. `spreads[i]` is epoch i + 1's;
    /// a NaN spread (a diverged epoch, no usable target) is not a collapse.
    public static func onset(spreads: [Double]) -> Int? {
        var start = spreads.count
        while start > 0, spreads[start - 1] < threshold { start -= 1 }
        return spreads.count - start >= patience ? start + 1 : nil
    }

    /// What the terminal says, once, when a run's output collapses. `recordingDiagnostics`:
    /// the run writes diagnostics.csv already, so it is not told to.
    public static func warning(since epoch: Int, spread: Double, recordingDiagnostics: Bool = false) -> String {
        let percent = spread * 100 < 0.01 ? "less than 0.01"
            : spread * 100 < 1 ? String(format: "%.2f", spread * 100) : String(format: "%.0f", spread * 100)
        return """
            warning: the output has collapsed: since epoch \(epoch) the predictions vary from face to face only \
            \(percent)% as much as the true keypoints do (output_spread \(String(format: "%.3g", spread)) < \(threshold) \
            for \(patience)+ epochs), so the net predicts nearly the same face whatever the input. Likely causes to check:
              - dead ReLUs: units that output 0 for every face pass no gradient and never recover \
            (dead_fraction in diagnostics.csv\(recordingDiagnostics ? "" : "; train with --diagnostics"));
              - a bias-dominated output: the last layer's bias holds the mean face while the layers below \
            output almost nothing (bias_share near 1, activation_std near 0 in diagnostics.csv);
              - the learning rate: too high kills units in the first steps, too low never moves off the mean face \
            (weight_update_ratio in diagnostics.csv; about 1e-3 is typical).
            When the run ends, kplab diagnose RUN says which of these its records show.
            """
    }
}

/// The collapse state of a run as its epochs finish: feeds `CollapseDetector` one spread per
/// epoch and says when a collapse begins or ends.
public struct CollapseWatch: Sendable {
    public enum Change: Equatable, Sendable {
        case began(epoch: Int)
        case ended(epoch: Int)
    }

    public private(set) var spreads: [Double]
    public private(set) var onset: Int?

    /// `spreads`: the finished epochs' (a resumed run's metrics.csv), in order.
    public init(spreads: [Double] = []) {
        self.spreads = spreads
        onset = CollapseDetector.onset(spreads: spreads)
    }

    /// Adds the next epoch's spread; returns the change it makes, if any.
    public mutating func observe(_ spread: Double) -> Change? {
        spreads.append(spread)
        let now = CollapseDetector.onset(spreads: spreads)
        defer { onset = now }
        switch (onset, now) {
        case (nil, let epoch?): return .began(epoch: epoch)
        case (_?, nil): return .ended(epoch: spreads.count)
        default: return nil
        }
    }
}
