/// Sums in a fixed order that vectorises: the same bits on every run (determinism) while
/// running at vector speed, unlike a plain left-to-right loop, which the compiler must
/// keep scalar to preserve its rounding.
enum Reduction {
    /// Σ values[0..<count]: 16 lanes accumulate i ≡ lane (mod 16) over the whole blocks,
    /// the lanes are added, then the tail left to right.
    @inline(__always)
    static func sum(_ values: UnsafePointer<Float>, count: Int) -> Float {
        var lanes = SIMD16<Float>(repeating: 0)
        var i = 0
        let raw = UnsafeRawPointer(values)
        while i + 16 <= count {
            lanes += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            i += 16
        }
        var total = lanes.sum()
        while i < count {
            total += values[i]
            i += 1
        }
        return total
    }
}
