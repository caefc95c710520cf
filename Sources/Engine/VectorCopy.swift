/// Short copies inline. `update(from:count:)` calls memmove, whose call and dispatch cost
/// more than the copy itself for the 4–94-value rows that im2col moves (11% of cnn-large's
/// time went to memmove before this).
enum VectorCopy {
    /// destination[0..<count] = source[0..<count]; the ranges must not overlap.
    @inline(__always)
    static func copy(_ source: UnsafePointer<Float>, to destination: UnsafeMutablePointer<Float>, count: Int) {
        let from = UnsafeRawPointer(source), to = UnsafeMutableRawPointer(destination)
        var i = 0
        while i + 16 <= count {
            to.storeBytes(of: from.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self),
                          toByteOffset: i * 4, as: SIMD16<Float>.self)
            i += 16
        }
        if i + 8 <= count {
            to.storeBytes(of: from.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self),
                          toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        if i + 4 <= count {
            to.storeBytes(of: from.loadUnaligned(fromByteOffset: i * 4, as: SIMD4<Float>.self),
                          toByteOffset: i * 4, as: SIMD4<Float>.self)
            i += 4
        }
        while i < count {
            destination[i] = source[i]
            i += 1
        }
    }
}
