/// Faces with keypoint labels, as in Kaggle's `training.csv`, held compactly: pixels as bytes
/// (9216 per face, so memory stays near the size of the data) and keypoints as floats in pixels.
public struct LabeledFaces: Sendable, Equatable {
    /// (count, 96, 96) row-major, 0–255.
    public private(set) var pixels: [UInt8]
    /// (count, 30) in pixels, Kaggle's column order (`Keypoint.columnNames`); NaN = missing.
    public private(set) var keypoints: [Float]

    /// Where a keypoint coordinate may lie, in pixels: inside the 96-pixel image, its far edge
    /// included (Kaggle's labels lie in [0, 96), and predictions are clipped to this range).
    public static let coordinateRange: ClosedRange<Float> = 0 ... Float(FaceImage.side)

    /// Number of faces.
    public var count: Int { keypoints.count / Keypoint.coordinateCount }

    /// - Parameters:
    ///   - pixels: count × 9216 bytes.
    ///   - keypoints: count × 30 coordinates in pixels, NaN where missing.
    public init(pixels: [UInt8], keypoints: [Float]) {
        precondition(pixels.count % FaceImage.pixelCount == 0
                     && pixels.count / FaceImage.pixelCount == keypoints.count / Keypoint.coordinateCount
                     && keypoints.count % Keypoint.coordinateCount == 0,
                     "LabeledFaces: \(pixels.count) pixels and \(keypoints.count) coordinates do not describe whole faces")
        self.pixels = pixels
        self.keypoints = keypoints
    }

    /// No faces.
    public init() { self.init(pixels: [], keypoints: []) }

    /// Face `index`'s 9216 pixels (a copy, indexed from 0).
    public func image(_ index: Int) -> [UInt8] {
        Array(pixels[index * FaceImage.pixelCount ..< (index + 1) * FaceImage.pixelCount])
    }

    /// Face `index`'s 30 coordinates in pixels, NaN = missing (a copy, indexed from 0).
    public func coordinates(_ index: Int) -> [Float] {
        Array(keypoints[index * Keypoint.coordinateCount ..< (index + 1) * Keypoint.coordinateCount])
    }

    /// Face `index`'s `point` in pixels, nil when either coordinate is missing.
    public func location(of point: Keypoint, in index: Int) -> (x: Float, y: Float)? {
        let x = keypoints[index * Keypoint.coordinateCount + 2 * point.rawValue]
        let y = keypoints[index * Keypoint.coordinateCount + 2 * point.rawValue + 1]
        return x.isNaN || y.isNaN ? nil : (x, y)
    }

    /// True when all 30 coordinates of face `index` are present.
    public func isComplete(_ index: Int) -> Bool {
        !keypoints[index * Keypoint.coordinateCount ..< (index + 1) * Keypoint.coordinateCount].contains { $0.isNaN }
    }

    /// The faces at `indices`, in that order (copies).
    public func subset<Indices: Sequence>(_ indices: Indices) -> LabeledFaces where Indices.Element == Int {
        var result = LabeledFaces()
        for index in indices { result.append(pixels: image(index)[...], coordinates: coordinates(index)[...]) }
        return result
    }

    /// Appends one face: 9216 pixels and 30 coordinates in pixels.
    public mutating func append(pixels face: ArraySlice<UInt8>, coordinates: ArraySlice<Float>) {
        precondition(face.count == FaceImage.pixelCount && coordinates.count == Keypoint.coordinateCount)
        pixels.append(contentsOf: face)
        keypoints.append(contentsOf: coordinates)
    }

    /// Reserves room for `count` more faces.
    public mutating func reserveCapacity(_ count: Int) {
        pixels.reserveCapacity(pixels.count + count * FaceImage.pixelCount)
        keypoints.reserveCapacity(keypoints.count + count * Keypoint.coordinateCount)
    }

    /// Storage access for the reader and the generator, which fill faces in place.
    mutating func withStorage<Result>(_ body: (inout [UInt8], inout [Float]) throws -> Result) rethrows -> Result {
        try body(&pixels, &keypoints)
    }
}
