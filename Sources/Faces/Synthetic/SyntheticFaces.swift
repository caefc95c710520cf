import Crypto

/// The built-in synthetic faces: a deterministic generator of 96×96 grayscale faces with exact
/// keypoints, the embedded default data set (no download needed).
///
/// Each face has random proportions, pose (in-plane rotation ±0.25 rad, scale ±12 %, shift
/// ±5 px, yaw ±0.22 rad), skin, optional hair and glasses, background clutter, a lighting
/// gradient, blur and noise — see `FaceDrawing`. Face i is drawn from stream i of
/// `SplitMix64(seed:)`, so any face can be drawn alone, and the same parameters give the same
/// bytes everywhere (the drawing uses no library maths).
public struct SyntheticFaces: Sendable, Hashable {
    /// Bumped whenever the drawing changes, so fingerprints of old and new faces differ.
    public static let version = 1

    /// Probability that a face keeps only the eye centres, nose tip and bottom lip when
    /// `missingLabels` is on (Kaggle: about 70 % of rows).
    public static let partialLabelRate: Float = 0.7
    /// The keypoints a partially labeled face keeps.
    public static let partialLabelKeypoints: [Keypoint] = [.leftEyeCenter, .rightEyeCenter, .noseTip, .mouthCenterBottomLip]

    /// What `generate()` holds per face: 96×96 one-byte pixels and 30 Float coordinates.
    public static let bytesPerFace = FaceImage.pixelCount + Keypoint.coordinateCount * MemoryLayout<Float>.size

    public var count: Int
    public var seed: UInt64
    /// When true, about 70 % of faces lose all labels but the eye centres, nose tip and bottom
    /// lip, as in Kaggle's file. The images do not change.
    public var missingLabels: Bool

    public init(count: Int, seed: UInt64, missingLabels: Bool = false) {
        precondition(count >= 0, "SyntheticFaces: count must not be negative")
        self.count = count
        self.seed = seed
        self.missingLabels = missingLabels
    }

    /// All faces.
    public func generate() -> LabeledFaces {
        var pixels = [UInt8](repeating: 0, count: count * FaceImage.pixelCount)
        var keypoints = [Float](repeating: 0, count: count * Keypoint.coordinateCount)
        pixels.withUnsafeMutableBufferPointer { pixels in
            for index in 0 ..< count {
                let face = draw(index, into: pixels.baseAddress! + index * FaceImage.pixelCount)
                keypoints.replaceSubrange(index * Keypoint.coordinateCount ..< (index + 1) * Keypoint.coordinateCount,
                                          with: face.keypoints)
            }
        }
        return LabeledFaces(pixels: pixels, keypoints: keypoints)
    }

    /// Face `index` (0 ≤ index, any index; it need not be below `count`).
    public func face(_ index: Int) -> SyntheticFace {
        var pixels = [UInt8](repeating: 0, count: FaceImage.pixelCount)
        let drawing = pixels.withUnsafeMutableBufferPointer { draw(index, into: $0.baseAddress!) }
        return SyntheticFace(pixels: pixels, keypoints: drawing.keypoints, irisRadii: drawing.irisRadii)
    }

    private func draw(_ index: Int, into pixels: UnsafeMutablePointer<UInt8>) -> (keypoints: [Float], irisRadii: [Float]) {
        var generator = SplitMix64(seed: seed, stream: UInt64(index))
        var drawing = FaceDrawing(using: &generator, into: pixels)
        if missingLabels {
            var labels = SplitMix64(seed: seed ^ 0x4D49_5353_494E_4721, stream: UInt64(index))
            if labels.chance(SyntheticFaces.partialLabelRate) {
                for point in Keypoint.allCases where !SyntheticFaces.partialLabelKeypoints.contains(point) {
                    drawing.keypoints[2 * point.rawValue] = .nan
                    drawing.keypoints[2 * point.rawValue + 1] = .nan
                }
            }
        }
        return (drawing.keypoints, drawing.irisRadii)
    }

    /// The text the fingerprint hashes: generator version and every parameter.
    public var fingerprintText: String {
        "kplab synthetic faces version=\(SyntheticFaces.version) count=\(count) seed=\(seed) missing-labels=\(missingLabels)"
    }

    /// SHA-256 (hex) of `fingerprintText`: identifies the data without generating it.
    public var fingerprint: String { Fingerprint.sha256(Array(fingerprintText.utf8)) }
}

/// One synthetic face, with what was drawn.
public struct SyntheticFace: Sendable, Equatable {
    /// (96, 96) row-major.
    public var pixels: [UInt8]
    /// (30) in pixels, Kaggle order; NaN where labels were left out.
    public var keypoints: [Float]
    /// Iris radius in pixels of the subject's left eye ([0]) and right eye ([1]); each eye
    /// centre keypoint is its iris's centre.
    public var irisRadii: [Float]
}
