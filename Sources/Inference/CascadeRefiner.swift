import Engine
import Experiments
import Faces
import Foundation
import Results

/// A cascade's level 2, ready to refine level 1's predictions: each net cuts its patch around
/// level 1's prediction of its group (`PatchGeometry`, as in training) and moves the group's
/// keypoints to where it finds them. Loaded from a cascade run folder's weights
/// (`<group>/<tensor>` for each net).
public final class CascadeRefiner {
    /// Each net with its patch geometry, in the spec's group order.
    let nets: [(geometry: PatchGeometry, network: Network)]

    /// - Parameters:
    ///   - weights: the cascade's `model.best.kpw` or `model.last.kpw`, read from `path`.
    ///   - batchSize: the most faces refined at once.
    init(_ cascade: CascadeExperiment, weights archive: TensorArchive, path weightsPath: String, batchSize: Int, threads: Int) throws {
        let spec = cascade.cascade
        nets = try spec.groups.enumerated().map { index, group in
            let name = CascadeSpec.groupName(group)
            var rng = RandomGenerator(seed: 0)  // overwritten by the loaded weights
            let network: Network
            do {
                network = try spec.level2Model(group: index).makeNetwork(maxBatch: batchSize, threads: threads, rng: &rng)
                try network.load(archive.values(under: name + "/"))
            } catch {
                throw UserError("\(weightsPath): level-2 net \(name) does not load: \(error)")
            }
            return (PatchGeometry(keypoints: group, side: spec.patch), network)
        }
    }

    /// Replaces each group's keypoints in `keypoints` (count × 30, normalised, level 1's) with
    /// its net's, for the `count` normalised faces in `images`.
    func refine(_ keypoints: inout [Float], images: UnsafeBufferPointer<Float>, count: Int) {
        let width = Keypoint.coordinateCount
        // Level 1's predictions in pixels, as training computed them (`Normalization.pixels`).
        let level1 = keypoints.map { Normalization.pixels(fromTarget: $0) }
        for (geometry, network) in nets {
            let side = geometry.side
            var patches = [Float](repeating: 0, count: count * side * side)
            var origins: [(x: Int, y: Int)] = []
            level1.withUnsafeBufferPointer { level1 in
                patches.withUnsafeMutableBufferPointer { patches in
                    for face in 0 ..< count {
                        let origin = geometry.origin(level1: level1.baseAddress! + face * width)
                        origins.append(origin)
                        geometry.copy(images.baseAddress! + face * FaceImage.pixelCount, at: origin,
                                      into: patches.baseAddress! + face * side * side) { $0 }
                    }
                }
            }
            var unused = RandomGenerator(seed: 0)  // inference draws nothing
            let outputs = patches.withUnsafeBufferPointer { Array(network.forward($0, count: count, training: false, rng: &unused)) }
            let outputWidth = 2 * geometry.keypoints.count
            for face in 0 ..< count {
                let centre = geometry.centre(of: origins[face])
                for (index, point) in geometry.keypoints.enumerated() {
                    let x = geometry.pixels(fromTarget: outputs[face * outputWidth + 2 * index], centre: centre.x)
                    let y = geometry.pixels(fromTarget: outputs[face * outputWidth + 2 * index + 1], centre: centre.y)
                    keypoints[face * width + 2 * point.rawValue] = Normalization.target(x)
                    keypoints[face * width + 2 * point.rawValue + 1] = Normalization.target(y)
                }
            }
        }
    }
}
