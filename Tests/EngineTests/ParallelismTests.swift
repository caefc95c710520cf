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
}
