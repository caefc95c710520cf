import Dispatch

/// How many threads the engine uses, and the one way it splits work across them.
///
/// The engine parallelises across the batch (and, for dense layers, across output units)
/// with its own threads and keeps OpenBLAS single-threaded, so the two never oversubscribe
/// the cores: small convolutions gain more from whole samples per core than from splitting
/// each small GEMM. Work is always cut into `threadCount` fixed contiguous chunks, and any
/// reduction over chunks (e.g. a convolution's weight gradient) adds the partial results in
/// chunk order — so results are bit-identical for a given thread count, whatever the timing.
public enum Parallelism {
    nonisolated(unsafe) private static var configuredThreads = 1

    /// Threads the engine splits work into (default 1).
    public static var threadCount: Int { configuredThreads }

    /// Sets the engine's thread count (≥ 1) and pins OpenBLAS to one thread of its own.
    /// Call before building networks; results are reproducible bit-for-bit per count.
    public static func setThreadCount(_ count: Int) {
        precondition(count >= 1, "thread count must be at least 1, got \(count)")
        configuredThreads = count
        BLAS.setThreadCount(1)
    }

    /// The fixed partition of `0..<count` into at most `threadCount` contiguous chunks:
    /// chunk i is `i·count/chunks ..< (i+1)·count/chunks`.
    static func chunks(count: Int) -> [Range<Int>] {
        let parts = max(1, min(configuredThreads, count))
        return (0..<parts).map { i in (i * count / parts)..<((i + 1) * count / parts) }
    }

    /// Runs `body(chunkIndex, range)` for each chunk of `0..<count`, concurrently when
    /// there is more than one chunk. `body` must only write memory its chunk owns.
    static func forEachChunk(count: Int, _ body: (Int, Range<Int>) -> Void) {
        let ranges = chunks(count: count)
        if ranges.count == 1 {
            body(0, ranges[0])
            return
        }
        DispatchQueue.concurrentPerform(iterations: ranges.count) { index in
            body(index, ranges[index])
        }
    }
}
