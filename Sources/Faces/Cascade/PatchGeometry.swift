/// Where a level-2 net's patch lies on a face, and how its numbers map back to the face: one
/// definition for training (`PatchSamples`) and prediction (`CascadeRefiner`), so that both
/// cut the same patch for the same level-1 prediction.
///
/// The patch's centre is the mean of level 1's predictions of the group's keypoints, snapped
/// to whole pixels so that the patch is the face's own pixels, not a resampling, and kept
/// where at least half the patch is on the face (a wild level-1 prediction still gives a patch
/// of the face). Pixels outside the face repeat its edge.
public struct PatchGeometry: Sendable {
    public let keypoints: [Keypoint]
    public let side: Int

    public init(keypoints: [Keypoint], side: Int) {
        self.keypoints = keypoints
        self.side = side
    }

    /// The top-left pixel of the patch for level 1's 30 predictions (pixels) at `level1`, its
    /// centre moved by (`dx`, `dy`).
    public func origin(level1: UnsafePointer<Float>, dx: Float = 0, dy: Float = 0) -> (x: Int, y: Int) {
        var sumX: Float = 0, sumY: Float = 0
        for point in keypoints {
            sumX += level1[2 * point.rawValue]
            sumY += level1[2 * point.rawValue + 1]
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

    /// Copies the patch at `origin` of the 96×96 `face` into `patch` (side × side floats),
    /// each value through `value`, repeating the face's edge beyond it.
    @inline(__always)
    public func copy<Pixel>(_ face: UnsafePointer<Pixel>, at origin: (x: Int, y: Int), into patch: UnsafeMutablePointer<Float>,
                            value: (Pixel) -> Float) {
        let faceSide = FaceImage.side
        for row in 0 ..< side {
            let y = min(max(origin.y + row, 0), faceSide - 1)
            for column in 0 ..< side {
                let x = min(max(origin.x + column, 0), faceSide - 1)
                patch[row * side + column] = value(face[y * faceSide + x])
            }
        }
    }
}
