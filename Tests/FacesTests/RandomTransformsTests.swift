import Testing
@testable import Faces

@Suite struct RandomTransformsTests {
    private let faces = SyntheticFaces(count: 6, seed: 5).generate()

    /// Fills one sample of `face` under `transform` (and a flip) and returns its image, targets and mask.
    private func filled(_ face: Int, flip: Bool = false, _ transform: SampleTransform?) -> (image: [Float], targets: [Float], mask: [Float]) {
        var image = [Float](repeating: 0, count: FaceImage.pixelCount)
        var targets = [Float](repeating: 0, count: Keypoint.coordinateCount)
        var mask = [Float](repeating: 0, count: Keypoint.coordinateCount)
        FaceDataset(faces).fill(faceIndices: [face], flips: [flip], transforms: transform.map { [$0] } ?? [],
                                images: &image, targets: &targets, mask: &mask)
        return (image, targets, mask)
    }

    @Test func theIdentityChangesNoBit() {
        let plain = filled(0, nil), identity = filled(0, SampleTransform())
        #expect(plain.image == identity.image)
        #expect(plain.targets == identity.targets)
        #expect(plain.mask == identity.mask)
        let flipped = filled(1, flip: true, nil), flippedIdentity = filled(1, flip: true, SampleTransform())
        #expect(flipped.image == flippedIdentity.image && flipped.targets == flippedIdentity.targets)
    }

    /// A whole-pixel shift moves pixels and keypoints by the same amount: the image and its
    /// labels stay together.
    @Test func aShiftMovesImageAndKeypointsTogether() {
        let plain = filled(2, nil), shifted = filled(2, SampleTransform(shiftX: 3, shiftY: -2))
        for row in 2 ..< 93 {
            for column in 0 ..< 90 {
                #expect(shifted.image[row * 96 + column + 3] == plain.image[(row + 2) * 96 + column])
            }
        }
        for point in 0 ..< Keypoint.allCases.count where plain.mask[2 * point] == 1 {
            let x = plain.targets[2 * point] * 48 + 48, y = plain.targets[2 * point + 1] * 48 + 48
            #expect(abs(shifted.targets[2 * point] * 48 + 48 - (x + 3)) < 1e-4)
            #expect(abs(shifted.targets[2 * point + 1] * 48 + 48 - (y - 2)) < 1e-4)
        }
    }

    /// A rotation about the centre keeps each keypoint's distance from the centre, turns it by
    /// the angle, and carries the pixel under it (a dark iris stays under the eye's label).
    @Test func aRotationTurnsKeypointsAboutTheCentreWithTheImage() {
        let plain = filled(3, nil), turned = filled(3, SampleTransform(degrees: 90))
        let centre = SampleTransform.centre
        for point in 0 ..< Keypoint.allCases.count where turned.mask[2 * point] == 1 {
            let x = plain.targets[2 * point] * 48 + 48 - centre, y = plain.targets[2 * point + 1] * 48 + 48 - centre
            let movedX = turned.targets[2 * point] * 48 + 48 - centre, movedY = turned.targets[2 * point + 1] * 48 + 48 - centre
            // 90° in image coordinates (y down): (x, y) → (−y, x).
            #expect(abs(movedX + y) < 1e-3 && abs(movedY - x) < 1e-3)
        }
        let eye = Keypoint.leftEyeCenter.rawValue
        let ex = Int((turned.targets[2 * eye] * 48 + 48).rounded()), ey = Int((turned.targets[2 * eye + 1] * 48 + 48).rounded())
        let px = Int((plain.targets[2 * eye] * 48 + 48).rounded()), py = Int((plain.targets[2 * eye + 1] * 48 + 48).rounded())
        #expect(abs(turned.image[ey * 96 + ex] - plain.image[py * 96 + px]) < 0.05)
    }

    /// A keypoint moved out of the frame is missing, not clipped to the border.
    @Test func keypointsThatLeaveTheFrameAreMasked() {
        let plain = filled(4, nil), shifted = filled(4, SampleTransform(shiftX: 40))
        for point in 0 ..< Keypoint.allCases.count where plain.mask[2 * point] == 1 {
            let x = plain.targets[2 * point] * 48 + 48
            let leaves = x + 40 > 95
            #expect(shifted.mask[2 * point] == (leaves ? 0 : 1) && shifted.mask[2 * point + 1] == (leaves ? 0 : 1))
            if leaves { #expect(shifted.targets[2 * point] == 0) }
        }
        #expect(shifted.mask.contains(0) && shifted.mask.contains(1))
    }

    @Test func brightnessAndContrastStayWithinThePixelRange() {
        let plain = filled(5, nil), changed = filled(5, SampleTransform(brightness: 0.3, contrast: 1.8))
        #expect(changed.image.allSatisfy { (0 ... 255 / 256).contains($0) })
        #expect(changed.image != plain.image)
        #expect(changed.targets == plain.targets)  // levels move no keypoint
    }

    /// Draws depend on (seed, epoch, face) only: not on the batch order or the other faces, so
    /// resuming or reordering gives each face the same transform.
    @Test func drawsArePerSeedEpochAndFace() {
        let transforms = RandomTransforms(shift: TransformRange(amount: 4, probability: 0.5),
                                          rotate: TransformRange(amount: 15), scale: TransformRange(amount: 0.1),
                                          brightness: TransformRange(amount: 0.1), contrast: TransformRange(amount: 0.2))
        let a = transforms.draw(seed: 7, epoch: 3, face: 11)
        #expect(a == transforms.draw(seed: 7, epoch: 3, face: 11))
        #expect(a != transforms.draw(seed: 7, epoch: 4, face: 11))
        #expect(a != transforms.draw(seed: 7, epoch: 3, face: 12))
        #expect(a != transforms.draw(seed: 8, epoch: 3, face: 11))
        #expect(abs(a.degrees) <= 15 && abs(a.scale - 1) <= 0.1 && abs(a.contrast - 1) <= 0.2)
        // Within a dataset's epoch: the same face gets the same transform in either order.
        let dataset = FaceDataset(faces)
        let shuffled = BatchPlan(size: 4, order: .shuffled, transforms: transforms, seed: 9)
        let inOrder = BatchPlan(size: 4, order: .file, transforms: transforms, seed: 9)
        func byFace(_ plan: BatchPlan) -> [Int: SampleTransform] {
            var result: [Int: SampleTransform] = [:]
            for selection in dataset.epoch(2, plan: plan) {
                for (face, transform) in zip(selection.faceIndices, selection.transforms) { result[face] = transform }
            }
            return result
        }
        #expect(byFace(shuffled) == byFace(inOrder))
        // About half the faces are shifted over many draws; the probability is honoured.
        let shiftedCount = (0 ..< 1000).filter { transforms.draw(seed: 1, epoch: 0, face: $0).shiftX != 0 }.count
        #expect((400 ... 600).contains(shiftedCount))
    }

    /// A plan without transforms gives exactly the batches it gave before transforms existed.
    @Test func withoutTransformsSelectionsCarryNone() {
        let plan = BatchPlan(size: 4, order: .shuffled, flip: true, seed: 9)
        #expect(FaceDataset(faces).epoch(1, plan: plan).allSatisfy { $0.transforms.isEmpty })
    }
}
