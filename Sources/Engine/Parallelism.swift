import Synchronization

/// The one way the engine splits work across threads.
///
/// The engine parallelises across the batch (and, for dense layers, across output units)
/// with its own threads; its matrix products (`VectorKernels.gemm`) are single-threaded, so
/// the two never oversubscribe the cores: small convolutions gain more from whole samples per
/// core than from splitting each small GEMM.
///
/// Results never depend on the thread count. Work whose outputs are separate (a sample's
/// activations, a unit's weight gradient) may be cut by `chunks(count:threads:)` however
/// suits the threads. A sum over the batch (a convolution's weight gradient) is cut by
/// `batchChunks(count:)`, which depends on the item count alone: each chunk sums its samples
/// in order and the chunks' partial results are added in chunk order, so every thread count
/// adds the same numbers in the same order. Which thread runs which chunk is *not* fixed:
/// the threads take the next chunk as they finish one, so a core that another process slows
/// down (a shared machine) holds the others up by at most a chunk rather than half the batch.
enum Parallelism {
    /// Chunks per thread when work is split into many pieces (convolutions, pooling, ReLU).
    static let chunksPerThread = 4

    /// The most chunks a sum over the batch is cut into, whatever the thread count: enough
    /// for 16 threads to share a convolution's backward, few enough that adding the partial
    /// weight gradients costs nothing beside computing them.
    static let batchChunkLimit = 16

    /// The partition of `0..<count` a sum over the batch uses: `min(count, batchChunkLimit)`
    /// contiguous chunks, the same for every thread count.
    static func batchChunks(count: Int) -> [Range<Int>] {
        partition(count: count, parts: min(batchChunkLimit, count))
    }

    /// `0..<count` in `parts` contiguous chunks (at least one): chunk i is
    /// `i·count/parts ..< (i+1)·count/parts`.
    static func partition(count: Int, parts: Int) -> [Range<Int>] {
        let parts = max(1, parts)
        return (0..<parts).map { i in (i * count / parts)..<((i + 1) * count / parts) }
    }

    /// The fixed partition of `0..<count` into at most `threads · perThread` contiguous chunks
    /// (one chunk for one thread).
    static func chunks(count: Int, threads: Int, perThread: Int = chunksPerThread) -> [Range<Int>] {
        partition(count: count, parts: min(threads == 1 ? 1 : threads * perThread, count))
    }

    /// `0..<count` in at most `threads` contiguous chunks whose bounds are multiples of
    /// `alignment`, all but the last (no chunk is empty): a product's columns split so that
    /// each thread's share is whole panels of the GEMM.
    static func alignedChunks(count: Int, threads: Int, alignment: Int) -> [Range<Int>] {
        let blocks = (count + alignment - 1) / alignment
        return partition(count: blocks, parts: min(max(1, threads), max(1, blocks))).map { blockRange in
            (blockRange.lowerBound * alignment)..<min(count, blockRange.upperBound * alignment)
        }
    }

    /// Runs `body(chunkIndex, range)` for each of `ranges`, on up to `threads` threads that
    /// take chunks in order as they become free. `body` must only write memory its chunk owns.
    static func forEach(_ ranges: [Range<Int>], threads: Int, _ body: (Int, Range<Int>) -> Void) {
        forEachOnWorker(ranges, threads: threads) { _, index, range in body(index, range) }
    }

    /// `forEach`, telling `body(worker, chunkIndex, range)` which of the
    /// `workers(chunks: ranges.count, threads:)` threads runs it (0 is the caller): memory a
    /// worker owns (a convolution's workspace) is reused by every chunk that worker runs, and
    /// stays in that core's cache. Which worker runs which chunk changes from run to run, so
    /// only what is the same whoever computes it may depend on the worker.
    static func forEachOnWorker(_ ranges: [Range<Int>], threads: Int, _ body: (Int, Int, Range<Int>) -> Void) {
        let workers = workers(chunks: ranges.count, threads: threads)
        if workers == 1 {
            for (index, range) in ranges.enumerated() { body(0, index, range) }
            return
        }
        let order = largestFirst(ranges)
        let next = Atomic<Int>(0)
        WorkerPool.shared.run(workers: workers) { worker in
            while true {
                let taken = next.add(1, ordering: .relaxed).oldValue
                guard taken < order.count else { return }
                let index = order[taken]
                body(worker, index, ranges[index])
            }
        }
    }

    /// The threads `forEach` runs `chunks` chunks on: at most one per chunk, and at least one.
    static func workers(chunks: Int, threads: Int) -> Int {
        max(1, min(threads, chunks))
    }

    /// The order the threads take `ranges` in: the longest first, ties in index order. A
    /// partition of 100 samples into 8 or 16 chunks has chunks of 12 and 13 (6 and 7), which
    /// two threads taking them in index order share 48 : 52, one waiting two samples at the
    /// end; longest first, 50 : 50. Only the order of running changes: each chunk is the same.
    static func largestFirst(_ ranges: [Range<Int>]) -> [Int] {
        ranges.indices.sorted { (-ranges[$0].count, $0) < (-ranges[$1].count, $1) }
    }

    /// `forEach(chunks(count:threads:perThread:), threads:, body)`.
    static func forEachChunk(count: Int, threads: Int, perThread: Int = chunksPerThread,
                             _ body: (Int, Range<Int>) -> Void) {
        forEach(chunks(count: count, threads: threads, perThread: perThread), threads: threads, body)
    }
}
