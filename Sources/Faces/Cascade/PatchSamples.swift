/// A cascade's level-2 samples: for each face, the `side`×`side` patch around level 1's
/// prediction of one group of keypoints, with the group's true positions within it as targets.
///
/// The patch lies where `PatchGeometry` puts it, its centre moved in training by the
/// selection's jitter (`SampleTransform.shiftX`/`shiftY`, drawn per (seed, epoch, face)). A
/// target is (y − patch centre) / (side / 2): about −1…1 inside the patch; a prediction maps
/// back the same way (`PatchGeometry.pixels(fromTarget:centre:)`).
public struct PatchSamples: TrainingSamples {
    /// The faces taking part (their order and selection).
    public let faces: FaceDataset
    /// Where each patch lies, and its keypoints.
    public let geometry: PatchGeometry
    /// Level 1's predictions in pixels: 30 per face of `faces.faces` (NaN for faces it did
    /// not predict), shared by every group.
    public let level1: [Float]

    public init(faces: FaceDataset, keypoints: [Keypoint], side: Int, level1: [Float]) {
        precondition(level1.count == faces.faces.count * Keypoint.coordinateCount, "PatchSamples: 30 predictions per face")
        precondition(!keypoints.isEmpty && side > 0)
        self.faces = faces
        geometry = PatchGeometry(keypoints: keypoints, side: side)
        self.level1 = level1
    }

    /// The keypoints this level-2 net refines.
    public var keypoints: [Keypoint] { geometry.keypoints }
    /// The patch's side in pixels.
    public var side: Int { geometry.side }

    public var count: Int { faces.count }
    public var inputSize: Int { side * side }
    public var pixelsPerUnit: Double { Double(side) / 2 }

    public func epoch(_ epoch: Int, plan: BatchPlan) -> [BatchSelection] {
        faces.epoch(epoch, plan: plan)
    }

    /// Where face `face`'s patch lies, its centre moved by (`dx`, `dy`).
    public func origin(face: Int, dx: Float = 0, dy: Float = 0) -> (x: Int, y: Int) {
        level1.withUnsafeBufferPointer { geometry.origin(level1: $0.baseAddress! + face * Keypoint.coordinateCount, dx: dx, dy: dy) }
    }

    public func fill(_ batch: inout FaceBatch, with selection: BatchSelection) {
        let count = selection.faceIndices.count
        precondition(count <= batch.capacity && batch.images.count >= batch.capacity * inputSize,
                     "PatchSamples.fill: \(count) samples for a batch of capacity \(batch.capacity)")
        let width = targetWidth, scale = Float(side) / 2, keypoints = self.keypoints
        Normalization.imageValues.withUnsafeBufferPointer { table in
            faces.faces.pixels.withUnsafeBufferPointer { pixels in
                for (sample, face) in selection.faceIndices.enumerated() {
                    let jitter = selection.transforms.isEmpty ? nil : selection.transforms[sample]
                    let origin = self.origin(face: face, dx: jitter?.shiftX ?? 0, dy: jitter?.shiftY ?? 0)
                    batch.images.withUnsafeMutableBufferPointer { images in
                        geometry.copy(pixels.baseAddress! + face * FaceImage.pixelCount, at: origin,
                                      into: images.baseAddress! + sample * inputSize) { table[Int($0)] }
                    }
                    let centre = geometry.centre(of: origin)
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
