/// Float buffers that start on a cache line.
///
/// `UnsafeMutablePointer<Float>.allocate` gives 16-byte alignment, and glibc serves large
/// blocks from mmap 16 bytes past a page boundary, so every 16-float vector the kernels load
/// from such a buffer straddled two cache lines (a load that costs two). Starting each buffer
/// on a 64-byte boundary keeps the loads of planes and rows whose offsets are multiples of 16
/// within one line. Free them with `deallocate()`, as usual.
enum AlignedFloats {
    /// Bytes of a cache line on the machines the engine targets.
    static let alignment = 64

    /// Uninitialised room for `count` Floats, starting on a cache line.
    static func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer.allocate(byteCount: max(1, count) * MemoryLayout<Float>.stride, alignment: alignment)
            .bindMemory(to: Float.self, capacity: count)
    }

    /// `count` zeros, starting on a cache line.
    static func zeros(_ count: Int) -> UnsafeMutablePointer<Float> {
        let buffer = allocate(count)
        buffer.initialize(repeating: 0, count: count)
        return buffer
    }
}
