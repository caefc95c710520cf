import Testing
@testable import Faces

@Suite struct FlipTests {
    private let face = SyntheticFaces(count: 1, seed: 3).face(0)

    @Test func flippingTwiceGivesTheFaceBack() {
        let once = Flip.coordinates(face.keypoints[...])
        #expect(Flip.coordinates(once[...]) == face.keypoints)
        #expect(Flip.image(Flip.image(face.pixels[...])[...]) == face.pixels)
        #expect(Flip.image(face.pixels[...]) != face.pixels)
    }

    @Test func flippedLeftEyeLandsWhereTheRightEyeWas() {
        let flipped = Flip.coordinates(face.keypoints[...])
        let left = Keypoint.leftEyeCenter.rawValue, right = Keypoint.rightEyeCenter.rawValue
        // The new right eye is the old left eye, mirrored: x ↦ 95 − x, y kept.
        #expect(flipped[2 * right] == 95 - face.keypoints[2 * left])
        #expect(flipped[2 * right + 1] == face.keypoints[2 * left + 1])
        // And it sits on the mirrored iris: the flipped image is dark there too.
        let image = Flip.image(face.pixels[...])
        let x = Int(flipped[2 * right].rounded()), y = Int(flipped[2 * right + 1].rounded())
        #expect(image[y * 96 + x] == face.pixels[y * 96 + (95 - x)])
        // The subject's left eye (larger x) stays on the right of the image.
        #expect(flipped[2 * left] > flipped[2 * right])
    }

    @Test func missingValuesAndMasksSwapWithTheirPairs() {
        var coordinates = Fixtures.coordinates
        coordinates[2 * Keypoint.mouthLeftCorner.rawValue] = .nan
        coordinates[2 * Keypoint.mouthLeftCorner.rawValue + 1] = .nan
        let flipped = Flip.coordinates(coordinates[...])
        #expect(flipped[2 * Keypoint.mouthRightCorner.rawValue].isNaN)
        #expect(!flipped[2 * Keypoint.mouthLeftCorner.rawValue].isNaN)
        #expect(flipped[2 * Keypoint.noseTip.rawValue] == 95 - coordinates[2 * Keypoint.noseTip.rawValue])

        let faces = LabeledFaces(pixels: Fixtures.pixels(), keypoints: coordinates)
        let dataset = FaceDataset(faces)
        var batch = FaceBatch(capacity: 1)
        dataset.fill(&batch, with: BatchSelection(positions: [0], flips: [true], faceIndices: [0]))
        let right = 2 * Keypoint.mouthRightCorner.rawValue, left = 2 * Keypoint.mouthLeftCorner.rawValue
        #expect(batch.mask[right] == 0 && batch.mask[right + 1] == 0 && batch.targets[right] == 0)
        #expect(batch.mask[left] == 1)
        #expect(batch.targets[left] == Normalization.target(95 - coordinates[right]))
        #expect(batch.images[0] == Normalization.imageValue(Fixtures.pixels()[95]))
    }
}

/// The float twins test-time flipping uses: images mirrored as a batch fills them, and
/// predictions for mirrored faces mapped back onto the faces.
@Suite struct TestTimeFlipTests {
    private let faces = SyntheticFaces(count: 3, seed: 5).generate()

    private func images(_ faces: LabeledFaces) -> [Float] { FaceFile.labeled(faces).images(0 ..< faces.count) }

    @Test func mirroredFloatImagesAreTheMirroredFaces() {
        let original = images(faces)
        var mirrored = [Float](repeating: 0, count: original.count)
        original.withUnsafeBufferPointer { source in
            mirrored.withUnsafeMutableBufferPointer { Flip.images(source.baseAddress!, into: $0.baseAddress!, count: faces.count) }
        }
        #expect(mirrored == images(Flip.faces(faces)))
    }

    /// The mirrored faces' true targets map back to the faces' own targets (each left point
    /// from its right twin), within one rounding of a normalised value.
    @Test func targetsOfMirroredFacesMapBackOntoTheFaces() {
        let targets = faces.keypoints.map(Normalization.target)
        let mirroredTargets = Flip.faces(faces).keypoints.map(Normalization.target)
        var mappedBack = [Float](repeating: .nan, count: targets.count)
        mirroredTargets.withUnsafeBufferPointer { source in
            mappedBack.withUnsafeMutableBufferPointer { Flip.targets(source.baseAddress!, into: $0.baseAddress!, count: faces.count) }
        }
        #expect(zip(mappedBack, targets).allSatisfy { abs($0 - $1) <= 1e-6 }, "\(zip(mappedBack, targets).map { $0 - $1 }.max()!)")
        #expect(mappedBack != mirroredTargets)
    }
}
