/// A cascade's level-2 samples: for each face, the `side`×`side` patch around level 1's
/// prediction of one group of keypoints, with the group's true positions within it as targets.
///
/// The patch's centre is the mean of level 1's predictions of the group, moved in training by
/// the selection's jitter (`SampleTransform.shiftX`/`shiftY`, drawn per (seed, epoch, face)),
/// then snapped to whole pixels so that the patch is the face's own pixels, not a resampling.
/// Pixels outside the face repeat its edge. A target is (y − patch centre) / (side / 2): about
/// −1…1 inside the patch; a prediction maps back the same way (`pixels(fromTarget:centre:)`).
public struct PatchSamples: TrainingSamples {
    /// The faces taking part (their order and selection).
    public let faces: FaceDataset
    /// The keypoints this level-2 net refines.
    public let keypoints: [Keypoint]
    /// The patch's side in pixels.
    public let side: Int
    /// Level 1's predictions in pixels: 30 per face of `faces.faces` (NaN for faces it did
    /// not predict), shared by every group.
    public let level1: [Float]

    public init(faces: FaceDataset, keypoints: [Keypoint], side: Int, level1: [Float]) {
        precondition(level1.count == faces.faces.count * Keypoint.coordinateCount, "PatchSamples: 30 predictions per face")
        precondition(!keypoints.isEmpty && side > 0)
        self.faces = faces
        self.keypoints = keypoints
        self.side = side
        self.level1 = level1
    }

    public var count: Int { faces.count }
    public var inputSize: Int { side * side }
    public var pixelsPerUnit: Double { Double(side) / 2 }

    public func epoch(_ epoch: Int, plan: BatchPlan) -> [BatchSelection] {
        faces.epoch(epoch, plan: plan)
    }

    /// The top-left pixel of face `face`'s patch, its centre moved by (`dx`, `dy`): the
    /// centre snapped to whole pixels, and kept where at least half the patch is on the face
    /// (a wild level-1 prediction still gives a patch of the face).
    public func origin(face: Int, dx: Float = 0, dy: Float = 0) -> (x: Int, y: Int) {
        var sumX: Float = 0, sumY: Float = 0
        for point in keypoints {
            sumX += level1[face * Keypoint.coordinateCount + 2 * point.rawValue]
            sumY += level1[face * Keypoint.coordinateCount + 2 * point.rawValue + 1]
        }
        let half = Float(side - 1) / 2, count = Float(keypoints.count)
        func snapped(_ centre: Float) -> Int {
            let low = -side / 2, high = FaceImage.side - (side + 1) / 2
            guard centre.isFinite else { return (low + high) / 2 }
            return Int(max(Float(low), min(Float(high), (centre - half).rounded())))
        }
        return (snapped(sumX / count + dx), snapped(sumY / count + dy))
    }

    /// The centre of the patch at `origin`, in face pixels.
    public func centre(of origin: (x: Int, y: Int)) -> (x: Float, y: Float) {
        let half = Float(side - 1) / 2
        return (Float(origin.x) + half, Float(origin.y) + half)
    }

    /// A normalised target of the patch centred at `centre` back in face pixels.
    public func pixels(fromTarget target: Float, centre: Float) -> Float {
        centre + target * Float(side) / 2
    }

    public func fill(_ batch: inout FaceBatch, with selection: BatchSelection) {
        let count = selection.faceIndices.count
        precondition(count <= batch.capacity && batch.images.count >= batch.capacity * inputSize,
                     "PatchSamples.fill: \(count) samples for a batch of capacity \(batch.capacity)")
        let faceSide = FaceImage.side, width = targetWidth, scale = Float(side) / 2
        Normalization.imageValues.withUnsafeBufferPointer { table in
            faces.faces.pixels.withUnsafeBufferPointer { pixels in
                for (sample, face) in selection.faceIndices.enumerated() {
                    let jitter = selection.transforms.isEmpty ? nil : selection.transforms[sample]
                    let origin = self.origin(face: face, dx: jitter?.shiftX ?? 0, dy: jitter?.shiftY ?? 0)
                    let source = pixels.baseAddress! + face * FaceImage.pixelCount
                    let image = sample * inputSize
                    for row in 0 ..< side {
                        let y = min(max(origin.y + row, 0), faceSide - 1)
                        for column in 0 ..< side {
                            let x = min(max(origin.x + column, 0), faceSide - 1)
                            batch.images[image + row * side + column] = table[Int(source[y * faceSide + x])]
                        }
                    }
                    let centre = self.centre(of: origin)
                    for (index, point) in keypoints.enumerated() {
                        let x = faces.faces.keypoints[face * Keypoint.coordinateCount + 2 * point.rawValue]
                        let y = faces.faces.keypoints[face * Keypoint.coordinateCount + 2 * point.rawValue + 1]
                        let present = !x.isNaN && !y.isNaN
                        batch.targets[sample * width + 2 * index] = present ? (x - centre.x) / scale : 0
                        batch.targets[sample * width + 2 * index + 1] = present ? (y - centre.y) / scale : 0
                        batch.mask[sample * width + 2 * index] = present ? 1 : 0
                        batch.mask[sample * width + 2 * index + 1] = present ? 1 : 0
                    }
                    batch.faceIndices[sample] = face
                    batch.flipped[sample] = false
                }
            }
        }
        batch.count = count
    }
}
