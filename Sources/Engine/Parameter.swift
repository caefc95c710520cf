/// One trainable tensor (a layer's weights or its bias) with its gradient, stored flat.
///
/// Storage is allocated once and never moves, so hot loops work on raw pointers; the
/// `values` and `gradient` arrays are copies for saving, loading and inspection.
public final class Parameter {
    /// Weights take L2 regularisation; the others do not. A `scale` multiplies normalised
    /// values (batch normalisation's γ); a `state` value is a layer's running statistic,
    /// updated by its forward pass and never by an optimizer.
    public enum Role: String, Sendable { case weight, bias, scale, state }

    /// Unique within a network, e.g. "layer1.conv.weight".
    public let name: String
    public let role: Role
    /// The logical shape, e.g. [filters, channels, kernel, kernel] or [units, inputs].
    public let shape: [Int]
    public let count: Int

    let valuePointer: UnsafeMutablePointer<Float>
    let gradientPointer: UnsafeMutablePointer<Float>
    /// Changes whenever the values may have: copies derived from them (a dense layer's
    /// packed weights) compare it to know they are stale. Whatever writes through
    /// `valuePointer` calls `markChanged()`; `values` and `withUnsafeMutableValues` do so.
    private(set) var version: UInt64 = 0

    func markChanged() { version &+= 1 }

    init(name: String, role: Role, shape: [Int]) {
        self.name = name
        self.role = role
        self.shape = shape
        count = shape.reduce(1, *)
        valuePointer = AlignedFloats.zeros(count)
        gradientPointer = AlignedFloats.zeros(count)
    }

    deinit {
        valuePointer.deallocate()
        gradientPointer.deallocate()
    }

    /// The values, flat in row-major order of `shape`. Setting requires exactly `count` values
    /// and copies them bit for bit.
    public var values: [Float] {
        get { Array(UnsafeBufferPointer(start: valuePointer, count: count)) }
        set {
            precondition(newValue.count == count, "\(name) holds \(count) values, not \(newValue.count)")
            newValue.withUnsafeBufferPointer { valuePointer.update(from: $0.baseAddress!, count: count) }
            markChanged()
        }
    }

    /// dLoss/dValues from the last `Network.backward` (not including L2, which the optimizer adds).
    public var gradient: [Float] {
        get { Array(UnsafeBufferPointer(start: gradientPointer, count: count)) }
        set {
            precondition(newValue.count == count, "\(name) holds \(count) gradients, not \(newValue.count)")
            newValue.withUnsafeBufferPointer { gradientPointer.update(from: $0.baseAddress!, count: count) }
        }
    }

    /// Direct access for code that must not copy (e.g. writing a checkpoint).
    public func withUnsafeMutableValues<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        defer { markChanged() }
        return try body(UnsafeMutableBufferPointer(start: valuePointer, count: count))
    }
}
