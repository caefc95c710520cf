import Dispatch

/// The one way the engine splits work across threads.
///
/// The engine parallelises across the batch (and, for dense layers, across output units)
/// with its own threads and keeps OpenBLAS single-threaded (`Network` pins it), so the two
/// never oversubscribe the cores: small convolutions gain more from whole samples per core
/// than from splitting each small GEMM. Work is always cut into the same fixed contiguous
/// chunks for a given thread count, and any reduction over chunks (e.g. a convolution's
/// weight gradient) adds the partial results in chunk order — so results are bit-identical
/// for a given thread count, whatever the timing.
enum Parallelism {
    /// The fixed partition of `0..<count` into at most `threads` contiguous chunks:
    /// chunk i is `i·count/chunks ..< (i+1)·count/chunks`.
    static func chunks(count: Int, threads: Int) -> [Range<Int>] {
        let parts = max(1, min(threads, count))
        return (0..<parts).map { i in (i * count / parts)..<((i + 1) * count / parts) }
    }

    /// Runs `body(chunkIndex, range)` for each of `ranges`, concurrently when there is more
    /// than one. `body` must only write memory its chunk owns.
    static func forEach(_ ranges: [Range<Int>], _ body: (Int, Range<Int>) -> Void) {
        if ranges.count == 1 {
            body(0, ranges[0])
            return
        }
        DispatchQueue.concurrentPerform(iterations: ranges.count) { index in
            body(index, ranges[index])
        }
    }

    /// `forEach(chunks(count:threads:), body)`.
    static func forEachChunk(count: Int, threads: Int, _ body: (Int, Range<Int>) -> Void) {
        forEach(chunks(count: count, threads: threads), body)
    }
}
