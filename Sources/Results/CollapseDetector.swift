/// Finds an output collapse in a run's per-epoch `output_spread` (see Inference's `OutputSpread`): the
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
