import Synchronization

/// The one way the engine splits work across threads.
///
/// The engine parallelises across the batch (and, for dense layers, across output units)
/// with its own threads and keeps OpenBLAS single-threaded (`Network` pins it), so the two
/// never oversubscribe the cores: small convolutions gain more from whole samples per core
/// than from splitting each small GEMM.
///
/// Work is cut into fixed contiguous chunks that depend only on the item count and the
/// thread count, and any reduction over chunks (e.g. a convolution's weight gradient) adds
/// the chunks' partial results in chunk order — so results are bit-identical for a given
/// thread count, whatever the timing. Which thread runs which chunk is *not* fixed: with
/// several chunks per thread, the threads take the next chunk as they finish one, so a
/// core that another process slows down (a shared machine) holds the others up by at most
/// a chunk rather than half the batch.
enum Parallelism {
    /// Chunks per thread when work is split into many pieces (convolutions, pooling, ReLU).
    static let chunksPerThread = 4

    /// The fixed partition of `0..<count` into at most `threads · perThread` contiguous chunks
    /// (one chunk for one thread): chunk i is `i·count/chunks ..< (i+1)·count/chunks`.
    static func chunks(count: Int, threads: Int, perThread: Int = chunksPerThread) -> [Range<Int>] {
        let parts = max(1, min(threads == 1 ? 1 : threads * perThread, count))
        return (0..<parts).map { i in (i * count / parts)..<((i + 1) * count / parts) }
    }

    /// Runs `body(chunkIndex, range)` for each of `ranges`, on up to `threads` threads that
    /// take chunks in order as they become free. `body` must only write memory its chunk owns.
    static func forEach(_ ranges: [Range<Int>], threads: Int, _ body: (Int, Range<Int>) -> Void) {
        if ranges.count == 1 || threads == 1 {
            for (index, range) in ranges.enumerated() { body(index, range) }
            return
        }
        let next = Atomic<Int>(0)
        WorkerPool.shared.run(workers: min(threads, ranges.count)) { _ in
            while true {
                let index = next.add(1, ordering: .relaxed).oldValue
                guard index < ranges.count else { return }
                body(index, ranges[index])
            }
        }
    }

    /// `forEach(chunks(count:threads:perThread:), threads:, body)`.
    static func forEachChunk(count: Int, threads: Int, perThread: Int = chunksPerThread,
                             _ body: (Int, Range<Int>) -> Void) {
        forEach(chunks(count: count, threads: threads, perThread: perThread), threads: threads, body)
    }
}
