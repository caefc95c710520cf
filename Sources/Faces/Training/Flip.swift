/// Horizontal flip augmentation: the image is mirrored, every x becomes 95 − x, and each
/// left/right keypoint pair (eyes, eye corners, brows, mouth corners) trades places
/// (`Keypoint.mirrored`), missing values included — a missing left eye becomes a missing right eye.
///
/// Flipping twice gives back the same pixels, and the same coordinates whenever 95 − x is a Float
/// (always for 32 ≤ x ≤ 95, and for every synthetic face, whose keypoints lie on a 1/1024-pixel
/// grid); otherwise within one rounding of x.
public enum Flip {
    /// The largest pixel index: x ↦ 95 − x maps pixel column c to column 95 − c.
    public static let lastColumn: Float = Float(FaceImage.side - 1)

    /// Mirrors one 96×96 image left ↔ right.
    public static func image(_ pixels: ArraySlice<UInt8>) -> [UInt8] {
        precondition(pixels.count == FaceImage.pixelCount)
        var result = [UInt8](repeating: 0, count: FaceImage.pixelCount)
        let side = FaceImage.side, start = pixels.startIndex
        for row in 0 ..< side {
            for column in 0 ..< side {
                result[row * side + column] = pixels[start + row * side + side - 1 - column]
            }
        }
        return result
    }

    /// Flips 30 coordinates in pixels (Kaggle order): x ↦ 95 − x, pairs swapped, NaN kept.
    public static func coordinates(_ values: ArraySlice<Float>) -> [Float] {
        precondition(values.count == Keypoint.coordinateCount)
        var result = [Float](repeating: .nan, count: Keypoint.coordinateCount)
        let start = values.startIndex
        for point in Keypoint.allCases {
            let target = point.mirrored.rawValue
            result[2 * target] = lastColumn - values[start + 2 * point.rawValue]
            result[2 * target + 1] = values[start + 2 * point.rawValue + 1]
        }
        return result
    }

    /// Mirrors `count` normalised images (count × 96 × 96 floats, row-major) from `source` into
    /// `destination`, which must not overlap it: what test-time flipping feeds the network.
    public static func images(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>, count: Int) {
        let side = FaceImage.side
        for row in 0 ..< count * side {
            let from = source + row * side, to = destination + row * side
            for column in 0 ..< side { to[column] = from[side - 1 - column] }
        }
    }

    /// Normalised keypoints predicted for mirrored faces, mapped back onto the faces themselves:
    /// for each of `count` faces, each keypoint takes its mirror's value with x ↦ 95 − x (in
    /// pixels, so the same map as `coordinates`), y kept. `source` and `destination` hold
    /// count × 30 floats and must not overlap.
    public static func targets(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>, count: Int) {
        let width = Keypoint.coordinateCount
        for face in 0 ..< count {
            let from = source + face * width, to = destination + face * width
            for point in Keypoint.allCases {
                let mirror = point.mirrored.rawValue
                to[2 * point.rawValue] = Normalization.target(lastColumn - Normalization.pixels(fromTarget: from[2 * mirror]))
                to[2 * point.rawValue + 1] = from[2 * mirror + 1]
            }
        }
    }

    /// Flips every face of `faces`.
    public static func faces(_ faces: LabeledFaces) -> LabeledFaces {
        var result = LabeledFaces()
        result.reserveCapacity(faces.count)
        for index in 0 ..< faces.count {
            result.append(pixels: image(faces.image(index)[...])[...], coordinates: coordinates(faces.coordinates(index)[...])[...])
        }
        return result
    }
}
