import Engine
import Faces

extension Network {
    /// The normalised keypoints (count × 30) the network predicts in inference mode for `count`
    /// normalised faces (count × 96 × 96 floats), formed as `tta` says — or, with `.none`, its
    /// outputs for any input (a cascade's patches). With `.flip` each face's
    /// keypoints are the mean of the outputs for the face and for its mirror image mapped back
    /// (`Flip.targets`); with `.none` they are the outputs, bit for bit.
    public func keypoints(_ images: UnsafeBufferPointer<Float>, count: Int, tta: TestTimeAugmentation) -> [Float] {
        var unused = RandomGenerator(seed: 0)  // inference draws nothing
        let direct = Array(forward(images, count: count, training: false, rng: &unused))
        guard tta == .flip else { return direct }
        precondition(inputShape.count == FaceImage.pixelCount && outputShape.count == Keypoint.coordinateCount,
                     "Network.keypoints: mirror images need a network from a 96×96 face to 30 values")
        var mirroredImages = [Float](repeating: 0, count: count * FaceImage.pixelCount)
        mirroredImages.withUnsafeMutableBufferPointer { Flip.images(images.baseAddress!, into: $0.baseAddress!, count: count) }
        var unmirrored = [Float](repeating: 0, count: direct.count)
        mirroredImages.withUnsafeBufferPointer { mirrored in
            let outputs = forward(mirrored, count: count, training: false, rng: &unused)
            unmirrored.withUnsafeMutableBufferPointer { Flip.targets(outputs.baseAddress!, into: $0.baseAddress!, count: count) }
        }
        return zip(direct, unmirrored).map { ($0 + $1) * 0.5 }
    }

    /// `keypoints` for the faces of a filled batch.
    public func keypoints(_ batch: FaceBatch, tta: TestTimeAugmentation) -> [Float] {
        batch.images.withUnsafeBufferPointer { keypoints($0, count: batch.count, tta: tta) }
    }
}
