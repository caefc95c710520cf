/// A small, fast, seeded generator (Steele, Lea & Flood's SplitMix64) for everything random in
/// Faces: split shuffles, batch orders, flips and the synthetic faces. The Engine has its own
/// generator; Faces keeps this one so that it needs nothing from the Engine. Same seed → same
/// sequence on every platform.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// A generator for stream `stream` of `seed` (e.g. face number, epoch number), so that
    /// independent streams can be drawn in any order or in parallel with identical results.
    public init(seed: UInt64, stream: UInt64) {
        var mixer = SplitMix64(seed: seed ^ 0x6A09_E667_F3BC_C909)
        state = mixer.next() &+ stream &* 0xD1B5_4A32_D192_ED03
        state = SplitMix64.mix(state)
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(state)
    }

    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 24 random bits.
    @inline(__always)
    public mutating func unit() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// Uniform in `range`.
    @inline(__always)
    public mutating func uniform(_ range: ClosedRange<Float>) -> Float {
        range.lowerBound + (range.upperBound - range.lowerBound) * unit()
    }

    /// True with probability `probability`.
    @inline(__always)
    public mutating func chance(_ probability: Float) -> Bool { unit() < probability }

    /// Approximately standard normal: the sum of four 16-bit uniforms, centred and scaled
    /// (Irwin–Hall, variance 1/3 each). Cheap and bounded (|z| < 3.47), which suits noise and jitter.
    @inline(__always)
    public mutating func normal() -> Float {
        let bits = next()
        var sum: Float = 0
        for shift in stride(from: 0, to: 64, by: 16) { sum += Float((bits >> UInt64(shift)) & 0xFFFF) }
        return (sum * 0x1p-16 - 2) * 1.7320508
    }

    /// A uniform index in 0..<bound (bound > 0), by Lemire's multiply-shift (tiny bias, fine here,
    /// and identical everywhere, unlike the standard library's unspecified algorithm).
    @inline(__always)
    public mutating func index(below bound: Int) -> Int {
        Int((next().multipliedFullWidth(by: UInt64(bound))).high)
    }

    /// A Fisher–Yates permutation of 0..<count.
    public mutating func permutation(of count: Int) -> [Int] {
        var order = Array(0..<count)
        var position = count - 1
        while position > 0 {
            order.swapAt(position, index(below: position + 1))
            position -= 1
        }
        return order
    }
}
