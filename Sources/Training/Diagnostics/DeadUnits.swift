/// Which units of a ReLU stay at zero for every probe sample ("dead": no gradient flows
/// through them, so they never recover). A unit is one value of a sample's ReLU input: one
/// channel·position of a convolution's output, one neuron of a dense layer's.
///
/// ReLU(x) > 0 exactly when x > 0, so observing the ReLU's *input* tells the same thing.
public struct DeadUnits: Sendable, Equatable {
    /// Per unit: whether some sample gave it a positive value.
    public private(set) var alive: [Bool]
    public private(set) var samples = 0

    /// `units` values per sample.
    public init(units: Int) {
        alive = [Bool](repeating: false, count: units)
    }

    /// `values`: (count, units), batch-major.
    public mutating func observe(_ values: UnsafeBufferPointer<Float>, count: Int) {
        let units = alive.count
        precondition(values.count >= count * units, "DeadUnits: \(values.count) values for \(count) samples of \(units)")
        for sample in 0..<count {
            let row = sample * units
            for unit in 0..<units where !alive[unit] && values[row + unit] > 0 {
                alive[unit] = true
            }
        }
        samples += count
    }

    public mutating func observe(_ values: [Float], count: Int) {
        values.withUnsafeBufferPointer { observe($0, count: count) }
    }

    /// Dead units / all units, in [0, 1]; NaN before any sample.
    public var fraction: Double {
        guard samples > 0, !alive.isEmpty else { return .nan }
        return Double(alive.count { !$0 }) / Double(alive.count)
    }
}
