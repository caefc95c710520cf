#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import Engine

@Suite struct ParallelismTests {
    /// A product's columns split between threads: every column once, in order, each chunk but
    /// the last a whole number of tiles, none empty, at most one per thread.
    @Test(arguments: [1, 2, 3, 7, 16])
    func alignedChunksCoverTheColumnsInWholeTiles(threads: Int) {
        for count in [1, 15, 32, 33, 100, 144, 512, 9216, 15488] {
            let chunks = Parallelism.alignedChunks(count: count, threads: threads, alignment: 32)
            #expect(chunks.first?.lowerBound == 0 && chunks.last?.upperBound == count, "\(count)")
            #expect(zip(chunks, chunks.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound }, "\(count)")
            #expect(chunks.allSatisfy { !$0.isEmpty }, "\(count)")
            #expect(chunks.dropLast().allSatisfy { $0.upperBound % 32 == 0 }, "\(count)")
            #expect(chunks.count == min(threads, (count + 31) / 32), "\(count)")
        }
    }

    /// Chunks are taken longest first, ties in index order: a permutation of the chunks, so
    /// each is still run once and summed where its index says.
    @Test func chunksAreTakenLongestFirst() {
        for count in [1, 7, 100, 128, 250] {
            for parts in [1, 2, 8, 16] {
                let ranges = Parallelism.partition(count: count, parts: min(parts, count))
                let order = Parallelism.largestFirst(ranges)
                #expect(order.sorted() == Array(ranges.indices), "\(count) in \(parts)")
                for (a, b) in zip(order, order.dropFirst()) {
                    #expect(ranges[a].count > ranges[b].count || (ranges[a].count == ranges[b].count && a < b),
                            "\(count) in \(parts): chunk \(a) before \(b)")
                }
            }
        }
    }

    /// Two threads of equal speed that each take the next chunk when free share a batch of
    /// 100 evenly (8 chunks of 12 and 13 samples, or 16 of 6 and 7): in index order one
    /// would do 52 samples and the other 48, and wait.
    @Test(arguments: [8, 16])
    func twoEqualThreadsShareAnUnevenPartitionEvenly(parts: Int) {
        let ranges = Parallelism.partition(count: 100, parts: parts)
        var done = [0, 0]
        for index in Parallelism.largestFirst(ranges) {
            let free = done[0] <= done[1] ? 0 : 1  // the thread that finished first takes the next chunk
            done[free] += ranges[index].count
        }
        #expect(done == [50, 50])
    }

    /// Every chunk runs exactly once per section, across thousands of sections whose thread
    /// counts change (pool threads that sit one out must not run it, nor run the next twice)
    /// and across pauses long enough for the pool's threads to fall asleep between sections.
    @Test func everyChunkRunsOncePerSectionWhateverTheThreadCounts() {
        let runs = UnsafeMutablePointer<Int>.allocate(capacity: 64)
        defer { runs.deallocate() }
        for round in 0..<3000 {
            let threads = [2, 4, 3, 1, 7, 2, 5][round % 7]
            let chunks = [1, 2, 5, 16, 33, 64][round % 6]
            runs.update(repeating: 0, count: 64)
            Parallelism.forEach(Parallelism.partition(count: chunks, parts: chunks), threads: threads) { chunk, _ in
                runs[chunk] += 1  // each chunk index is written by one thread only
            }
            #expect((0..<chunks).allSatisfy { runs[$0] == 1 }, "section \(round): \(threads) threads, \(chunks) chunks")
            #expect((chunks..<64).allSatisfy { runs[$0] == 0 })
            if round % 500 == 499 { usleep(2_000) }  // past the pool's spin: its threads sleep
        }
    }

    /// The worker a chunk is told is the thread that runs it: within a section, chunks given the
    /// same worker ran on one thread and different workers on different threads, every worker
    /// below `Parallelism.workers(chunks:threads:)`. A convolution's workspace is its worker's
    /// alone, so two threads given one worker would write the same plane at once.
    @Test(arguments: [1, 2, 3, 7])
    func aChunksWorkerIsTheThreadThatRunsIt(threads: Int) {
        let chunks = 33
        let workers = UnsafeMutablePointer<Int>.allocate(capacity: chunks)
        let runners = UnsafeMutablePointer<pthread_t>.allocate(capacity: chunks)
        defer { workers.deallocate(); runners.deallocate() }
        for round in 0..<200 {
            Parallelism.forEachOnWorker(Parallelism.partition(count: chunks, parts: chunks), threads: threads) {
                worker, chunk, _ in
                workers[chunk] = worker
                runners[chunk] = pthread_self()
                var spin = 0.0
                for i in 0..<(round % 5) * 200 { spin += Double(i) }  // chunks of uneven length
                _ = spin
            }
            let limit = Parallelism.workers(chunks: chunks, threads: threads)
            #expect((0..<chunks).allSatisfy { workers[$0] >= 0 && workers[$0] < limit }, "round \(round)")
            var threadOf: [Int: pthread_t] = [:], workerOf: [pthread_t: Int] = [:]
            for chunk in 0..<chunks {
                let thread = threadOf[workers[chunk], default: runners[chunk]]
                let worker = workerOf[runners[chunk], default: workers[chunk]]
                #expect(thread == runners[chunk] && worker == workers[chunk],
                        "round \(round), chunk \(chunk): worker \(workers[chunk]) on another thread")
                threadOf[workers[chunk]] = runners[chunk]
                workerOf[runners[chunk]] = workers[chunk]
            }
        }
    }
}
