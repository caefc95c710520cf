/// How an epoch is cut into mini-batches: order, size, the last batch, flips and the other
/// random transforms. Everything random comes from `seed`: epoch e's order and flips come from
/// stream e of `SplitMix64(seed:)`, each face's transforms from a stream of its own
/// (`RandomTransforms.draw`), so an epoch can be recomputed alone (resume) and gives the same
/// batches every time.
public struct BatchPlan: Sendable, Equatable {
    /// Samples per batch (b).
    public var size: Int
    public var order: BatchOrder
    public var lastBatch: LastBatch
    /// When true, each sample is flipped with probability 0.5, drawn per sample per epoch.
    public var flip: Bool
    /// Shifts, rotations, scaling, brightness and contrast, drawn per face per epoch.
    public var transforms: RandomTransforms
    public var seed: UInt64

    public init(size: Int, order: BatchOrder = .shuffled, lastBatch: LastBatch = .keep,
                flip: Bool = false, transforms: RandomTransforms = RandomTransforms(), seed: UInt64) {
        precondition(size > 0, "BatchPlan: batch size must be positive")
        self.size = size
        self.order = order
        self.lastBatch = lastBatch
        self.flip = flip
        self.transforms = transforms
        self.seed = seed
    }

    /// The [start, end) ranges over an epoch's n samples.
    public func ranges(count n: Int) -> [Range<Int>] {
        let b = size
        switch lastBatch {
        case .keep:
            return stride(from: 0, to: n, by: b).map { $0 ..< min($0 + b, n) }
        case .dropPartial:
            return stride(from: 0, to: n / b * b, by: b).map { $0 ..< $0 + b }
        case .reportZip:
            // zip(range(0, n, b), range(b, n, b)): ends b, 2b, … strictly below n.
            return stride(from: b, to: n, by: b).map { $0 - b ..< $0 }
        }
    }

    /// Epoch `epoch`'s batches over positions 0..<n, with flips.
    public func batches(count n: Int, epoch: Int) -> [(positions: [Int], flips: [Bool])] {
        var generator = SplitMix64(seed: seed, stream: UInt64(epoch))
        let positions = order == .shuffled ? generator.permutation(of: n) : Array(0 ..< n)
        // Flips are drawn after the order, one per position, so they do not change the order.
        let flips = flip ? (0 ..< n).map { _ in generator.chance(0.5) } : [Bool](repeating: false, count: n)
        return ranges(count: n).map { (Array(positions[$0]), Array(flips[$0])) }
    }
}
