/// What a training loop draws its batches from and validates on: whole faces (`FaceDataset`),
/// or patches cut from them around a level-1 prediction (`PatchSamples`, a cascade's level 2).
/// Samples are drawn by face: a sample's randomness comes from (plan seed, epoch, face).
public protocol TrainingSamples: Sendable {
    /// Samples taking part.
    var count: Int { get }
    /// Floats in one sample's input (1 × 96 × 96 for a face).
    var inputSize: Int { get }
    /// The keypoints the targets hold, x then y of each, in order.
    var keypoints: [Keypoint] { get }
    /// Pixels per unit of a normalised target (48 for a face: (y − 48) / 48), for RMSE in pixels.
    var pixelsPerUnit: Double { get }
    /// The batches of epoch `epoch` (0-based) under `plan`, with each sample's draws.
    func epoch(_ epoch: Int, plan: BatchPlan) -> [BatchSelection]
    /// Fills `batch` (made by `makeBatch`) with the selected samples, normalised.
    func fill(_ batch: inout FaceBatch, with selection: BatchSelection)
}

extension TrainingSamples {
    /// Values per sample's targets: x and y of each keypoint.
    public var targetWidth: Int { 2 * keypoints.count }

    /// A batch with room for `capacity` of these samples.
    public func makeBatch(capacity: Int) -> FaceBatch {
        FaceBatch(capacity: capacity, inputSize: inputSize, targetWidth: targetWidth)
    }

}

extension FaceDataset: TrainingSamples {
    public var inputSize: Int { FaceImage.pixelCount }
    public var keypoints: [Keypoint] { Keypoint.allCases }
    public var pixelsPerUnit: Double { Double(Normalization.targetScale) }
}
