@testable import Faces
import Testing

/// A cascade's level-2 samples: the patch is the face's own pixels around level 1's
/// prediction, its targets map back to the true keypoints, and the jitter moves it.
@Suite struct PatchSamplesTests {
    /// Two faces whose pixel (x, y) is (x + 3y + face) mod 256, keypoints at known places (the
    /// second face misses its nose tip).
    static func faces() -> LabeledFaces {
        var pixels: [UInt8] = []
        var keypoints: [Float] = []
        for face in 0 ..< 2 {
            for y in 0 ..< 96 { for x in 0 ..< 96 { pixels.append(UInt8((x + 3 * y + face) % 256)) } }
            var points: [Float] = []
            for point in 0 ..< 15 { points += [Float(20 + 3 * point), Float(30 + 2 * point)] }
            if face == 1 {
                points[2 * Keypoint.noseTip.rawValue] = Float.nan
                points[2 * Keypoint.noseTip.rawValue + 1] = Float.nan
            }
            keypoints += points
        }
        return LabeledFaces(pixels: pixels, keypoints: keypoints)
    }

    /// Level 1 off by (+1.6, −2.2) px everywhere.
    static func level1(_ faces: LabeledFaces) -> [Float] {
        faces.keypoints.enumerated().map { index, value in (value.isNaN ? 40 : value) + (index % 2 == 0 ? 1.6 : -2.2) }
    }

    @Test func aPatchHoldsTheFacesPixelsAroundLevel1sPredictionAndTargetsMapBackToTheTruth() {
        let faces = Self.faces()
        let samples = PatchSamples(faces: FaceDataset(faces), keypoints: [.leftEyeCenter, .rightEyeCenter], side: 10,
                                   level1: Self.level1(faces))
        var batch = samples.makeBatch(capacity: 2)
        samples.fill(&batch, with: BatchSelection(positions: [0, 1], flips: [false, false], faceIndices: [0, 1]))
        #expect(batch.count == 2 && batch.images.count == 200 && batch.targets.count == 8)
        for face in 0 ..< 2 {
            // Level 1's eyes at (21.6, 27.8) and (24.6, 29.8): centre (23.1, 28.8), top-left at 18.6 → 19 and 24.3 → 24.
            let origin = samples.origin(face: face)
            #expect(origin.x == 19 && origin.y == 24)
            for row in 0 ..< 10 {
                for column in 0 ..< 10 {
                    let pixel = ((origin.x + column) + 3 * (origin.y + row) + face) % 256
                    #expect(batch.images[face * 100 + row * 10 + column] == Float(pixel) / 256)
                }
            }
            let centre = samples.geometry.centre(of: origin)
            for (index, point) in [Keypoint.leftEyeCenter, .rightEyeCenter].enumerated() {
                let x = samples.geometry.pixels(fromTarget: batch.targets[face * 4 + 2 * index], centre: centre.x)
                let y = samples.geometry.pixels(fromTarget: batch.targets[face * 4 + 2 * index + 1], centre: centre.y)
                #expect(abs(x - faces.keypoints[face * 30 + 2 * point.rawValue]) < 1e-5)
                #expect(abs(y - faces.keypoints[face * 30 + 2 * point.rawValue + 1]) < 1e-5)
            }
        }
    }

    @Test func aMissingKeypointIsMaskedAndThePatchOfAFacesEdgeRepeatsTheEdge() {
        let faces = Self.faces()
        var level1 = Self.level1(faces)
        level1[30 + 2 * Keypoint.noseTip.rawValue] = -3   // face 1's nose predicted off the left edge
        let samples = PatchSamples(faces: FaceDataset(faces), keypoints: [.noseTip], side: 8, level1: level1)
        var batch = samples.makeBatch(capacity: 1)
        samples.fill(&batch, with: BatchSelection(positions: [1], flips: [false], faceIndices: [1]))
        #expect(batch.mask == [0, 0] && batch.targets == [0, 0])
        // Centre −3 would put the patch at x −6.5: kept half on the face, from x = −4.
        #expect(samples.origin(face: 1).x == -4)
        let y = samples.origin(face: 1).y
        for column in 0 ..< 8 {
            #expect(batch.images[column] == Float((max(column - 4, 0) + 3 * y + 1) % 256) / 256)
        }
    }

    @Test func theJitterMovesThePatchAsDrawnPerSeedEpochAndFace() {
        let faces = Self.faces()
        let samples = PatchSamples(faces: FaceDataset(faces), keypoints: [.mouthLeftCorner], side: 12, level1: Self.level1(faces))
        let plan = BatchPlan(size: 2, order: .file, lastBatch: .keep, flip: false,
                             transforms: RandomTransforms(shift: TransformRange(amount: 3)), seed: 11)
        let first = samples.epoch(0, plan: plan), again = samples.epoch(0, plan: plan), next = samples.epoch(1, plan: plan)
        #expect(first == again && first != next)
        var batch = samples.makeBatch(capacity: 2)
        samples.fill(&batch, with: first[0])
        for (sample, face) in first[0].faceIndices.enumerated() {
            let jitter = first[0].transforms[sample]
            #expect(abs(jitter.shiftX) <= 3 && abs(jitter.shiftY) <= 3)
            let origin = samples.origin(face: face, dx: jitter.shiftX, dy: jitter.shiftY)
            let centre = samples.geometry.centre(of: origin)
            let truth = faces.keypoints[face * 30 + 2 * Keypoint.mouthLeftCorner.rawValue]
            #expect(abs(samples.geometry.pixels(fromTarget: batch.targets[sample * 2], centre: centre.x) - truth) < 1e-5)
            #expect(batch.images[sample * 144] == Float((origin.x + 3 * origin.y + face) % 256) / 256)
        }
    }
}
