import Testing
@testable import Faces

@Suite struct TrainingDataTests {
    /// n faces; face i has pixels offset i and coordinates 10.5 + i + c; face i is missing
    /// nose_tip (coordinates 20, 21) when i is odd.
    private func faces(_ n: Int) -> LabeledFaces {
        var faces = LabeledFaces()
        for i in 0 ..< n {
            var coordinates = Fixtures.coordinates.map { $0 + Float(i) }
            if i % 2 == 1 { coordinates[20] = .nan; coordinates[21] = .nan }
            faces.append(pixels: Fixtures.pixels(offset: i)[...], coordinates: coordinates[...])
        }
        return faces
    }

    @Test func normalisationRoundTrip() {
        #expect(Normalization.imageValue(128) == 0.5)
        #expect(Normalization.imageValue(255) == 255.0 / 256)
        #expect(Normalization.target(48) == 0 && Normalization.target(96) == 1 && Normalization.target(0) == -1)
        for y: Float in [0, 12.25, 37.6, 66.0335639098, 95] {
            #expect(abs(Normalization.pixels(fromTarget: Normalization.target(y)) - y) <= y.ulp)
        }
        #expect(Normalization.rmsePixels(meanSquaredError: 0.0004) == 0.02 * 48)
    }

    @Test func rowSelectionAndMissingValues() {
        let all = FaceDataset(faces(5), rows: .all, missing: .mask)
        #expect(all.indices == [0, 1, 2, 3, 4])
        #expect(FaceDataset(faces(5), rows: .complete).indices == [0, 2, 4])
        #expect(FaceDataset(faces(5), rows: .all, missing: .drop).indices == [0, 2, 4])
    }

    @Test func splits() {
        let dataset = FaceDataset(faces(10))
        let holdout = dataset.split(.holdout(3), seed: 1)
        #expect(holdout.training.indices == Array(0 ..< 7) && holdout.validation.indices == [7, 8, 9])
        let unshuffled = dataset.split(.fraction(0.2, shuffle: false), seed: 1)
        #expect(unshuffled.validation.indices == [8, 9])
        let shuffled = dataset.split(.fraction(0.2, shuffle: true), seed: 1)
        #expect(shuffled.validation.count == 2 && shuffled.training.count == 8)
        #expect(Set(shuffled.training.indices + shuffled.validation.indices) == Set(0 ..< 10))
        #expect(shuffled.training.indices == shuffled.training.indices.sorted())
        #expect(dataset.split(.fraction(0.2, shuffle: true), seed: 1).validation.indices == shuffled.validation.indices)
        // A split of a selection keeps the selection's faces.
        let complete = FaceDataset(faces(10), rows: .complete).split(.holdout(2), seed: 0)
        #expect(complete.validation.indices == [6, 8])
    }

    @Test func lastBatchPolicies() {
        func ranges(_ n: Int, _ b: Int, _ last: LastBatch) -> [Range<Int>] {
            BatchPlan(size: b, order: .file, lastBatch: last, seed: 0).ranges(count: n)
        }
        #expect(ranges(10, 4, .keep) == [0 ..< 4, 4 ..< 8, 8 ..< 10])
        #expect(ranges(10, 4, .dropPartial) == [0 ..< 4, 4 ..< 8])
        #expect(ranges(10, 4, .reportZip) == [0 ..< 4, 4 ..< 8])
        // The report's zip(range(0, n, b), range(b, n, b)) drops the last whole batch too.
        #expect(ranges(8, 4, .dropPartial) == [0 ..< 4, 4 ..< 8])
        #expect(ranges(8, 4, .reportZip) == [0 ..< 4])
        #expect(ranges(3, 4, .keep) == [0 ..< 3] && ranges(3, 4, .reportZip).isEmpty)
    }

    @Test func batchOrderIsSeededPerEpochAndFileOrderWhenAsked() {
        let dataset = FaceDataset(faces(20))
        let plan = BatchPlan(size: 8, order: .shuffled, lastBatch: .keep, flip: true, seed: 42)
        let epoch0 = dataset.epoch(0, plan: plan)
        #expect(epoch0 == dataset.epoch(0, plan: plan))
        #expect(epoch0 != dataset.epoch(1, plan: plan))
        #expect(epoch0.flatMap(\.faceIndices).sorted() == Array(0 ..< 20))
        #expect(epoch0.flatMap(\.flips).contains(true) && epoch0.flatMap(\.flips).contains(false))
        let file = dataset.epoch(3, plan: BatchPlan(size: 8, order: .file, seed: 42))
        #expect(file.flatMap(\.faceIndices) == Array(0 ..< 20))
        #expect(!file.flatMap(\.flips).contains(true))
    }

    @Test func batchesCarryNormalisedTargetsAndMasks() {
        let dataset = FaceDataset(faces(3)).split(.holdout(1), seed: 0).training   // faces 0, 1
        var batch = FaceBatch(capacity: 4)
        let selection = dataset.epoch(0, plan: BatchPlan(size: 4, order: .file, seed: 0))[0]
        dataset.fill(&batch, with: selection)
        #expect(batch.count == 2 && batch.faceIndices.prefix(2) == [0, 1])
        #expect(batch.images[1] == 7.0 / 256 && batch.images[FaceImage.pixelCount] == 1.0 / 256)
        #expect(batch.targets[0] == (10.5 - 48) / 48)
        #expect(batch.mask[0] == 1)
        // Face 1 lacks the nose tip: target 0, mask 0 there, mask 1 elsewhere.
        let face1 = 30
        #expect(batch.targets[face1 + 20] == 0 && batch.mask[face1 + 20] == 0 && batch.mask[face1 + 21] == 0)
        #expect(batch.mask[face1 + 22] == 1 && batch.targets[face1 + 22] == (32.5 + 1 - 48) / 48)
    }
}
