import Faces
import Testing
@testable import Training

/// Batches prepared ahead on the prefetch thread are the batches the loop would have filled
/// itself, in order, and a loop that stops mid-epoch leaves no fill running.
@Suite struct BatchPrefetcherTests {
    private let dataset = FaceDataset(SyntheticFaces(count: 50, seed: 6).generate())
    private let plan = BatchPlan(size: 8, flip: true, transforms: RandomTransforms(
        shift: TransformRange(amount: 4), rotate: TransformRange(amount: 10, probability: 0.5),
        brightness: TransformRange(amount: 0.1)), seed: 3)

    private func filledDirectly(_ selection: BatchSelection) -> FaceBatch {
        var batch = FaceBatch(capacity: 8)
        dataset.fill(&batch, with: selection)
        return batch
    }

    /// The same samples: only the first `count` of each buffer are valid.
    private func same(_ a: FaceBatch, _ b: FaceBatch) -> Bool {
        let n = a.count, pixels = n * FaceImage.pixelCount, values = n * Keypoint.coordinateCount
        return a.count == b.count && a.images[..<pixels] == b.images[..<pixels] && a.targets[..<values] == b.targets[..<values]
            && a.mask[..<values] == b.mask[..<values] && a.faceIndices[..<n] == b.faceIndices[..<n] && a.flipped[..<n] == b.flipped[..<n]
    }

    @Test func prefetchedBatchesAreTheDirectlyFilledOnes() {
        let prefetcher = BatchPrefetcher(samples: dataset, capacity: 8)
        for epoch in 0 ..< 2 {
            let selections = dataset.epoch(epoch, plan: plan)
            #expect(selections.count == 7 && selections.last!.faceIndices.count == 2)
            prefetcher.prefetch(selections[0])
            for index in selections.indices {
                let batch = prefetcher.take()
                if index + 1 < selections.count { prefetcher.prefetch(selections[index + 1]) }
                let equal = same(batch, filledDirectly(selections[index]))
                #expect(equal, "epoch \(epoch), batch \(index)")
            }
        }
        #expect(prefetcher.waitSeconds >= 0)
    }

    /// A batch kept past the next prefetch (two in flight) is not overwritten under the holder.
    @Test func aTakenBatchStaysIntactWhileTheNextIsFilled() {
        let prefetcher = BatchPrefetcher(samples: dataset, capacity: 8)
        let selections = dataset.epoch(0, plan: plan)
        prefetcher.prefetch(selections[0])
        let first = prefetcher.take()
        prefetcher.prefetch(selections[1])
        let second = prefetcher.take()
        prefetcher.prefetch(selections[2])
        let firstIntact = same(first, filledDirectly(selections[0])), secondIntact = same(second, filledDirectly(selections[1]))
        #expect(firstIntact && secondIntact)
        prefetcher.cancel()
        prefetcher.cancel()  // nothing pending: nothing to wait for
        prefetcher.prefetch(selections[3])
        let equal = same(prefetcher.take(), filledDirectly(selections[3]))
        #expect(equal)
    }
}
