/// Reusable buffers for one mini-batch, normalised as the report did. Allocated once at
/// `capacity`; filling a batch allocates nothing.
public struct FaceBatch: Sendable {
    /// The most samples a batch holds.
    public let capacity: Int
    /// Samples filled by the last `fill` (≤ capacity); only the first `count` of each buffer are valid.
    public internal(set) var count = 0
    /// (capacity, 1, 96, 96): pixel / 256 — or the samples' own input size (`TrainingSamples`).
    public var images: [Float]
    /// (capacity, 30): (y − 48) / 48; 0 where missing — or the samples' own targets.
    public var targets: [Float]
    /// (capacity, 30): 1 where the coordinate is present, 0 where missing.
    public var mask: [Float]
    /// (capacity): the face index (in `FaceDataset.faces`) of each sample.
    public var faceIndices: [Int]
    /// (capacity): whether each sample was flipped.
    public var flipped: [Bool]

    /// Room for `capacity` whole faces, or for samples of `inputSize` floats with `targetWidth`
    /// targets each (a cascade's patches).
    public init(capacity: Int, inputSize: Int = FaceImage.pixelCount, targetWidth: Int = Keypoint.coordinateCount) {
        precondition(capacity > 0, "FaceBatch: capacity must be positive")
        self.capacity = capacity
        images = [Float](repeating: 0, count: capacity * inputSize)
        targets = [Float](repeating: 0, count: capacity * targetWidth)
        mask = [Float](repeating: 0, count: capacity * targetWidth)
        faceIndices = [Int](repeating: 0, count: capacity)
        flipped = [Bool](repeating: false, count: capacity)
    }
}
