/// A vector read from, or written to, consecutive scalars at any alignment: the loops that the
/// compiler would keep scalar (their pointers might overlap) or turn into branches take their
/// lanes this way.
extension SIMD {
    /// The `scalarCount` values from `pointer` on.
    @inline(__always)
    init(loadingFrom pointer: UnsafePointer<Scalar>) {
        self = UnsafeRawPointer(pointer).loadUnaligned(as: Self.self)
    }

    /// Writes the lanes to `pointer` ..< `pointer + scalarCount`.
    @inline(__always)
    func store(to pointer: UnsafeMutablePointer<Scalar>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: self, as: Self.self)
    }
}
