import Engine
import Faces

/// The masked squared error of a network over a whole data set in inference mode (no
/// dropout), kept per coordinate so that overall and per-keypoint RMSE come from one pass.
public struct Evaluation: Sendable {
    /// Σ mask·(prediction − target)² per coordinate (30), in normalised units, summed in Double.
    public var squaredErrors: [Double]
    /// Number of present values per coordinate (30).
    public var presentCounts: [Int]
    /// How much the predictions vary across the validation faces relative to the targets
    /// (`OutputSpread`): about 1 for a net that follows the faces, near 0 for a constant face.
    public var outputSpread: Double

    /// The masked MSE over every present value: what `val_loss` reports.
    public var loss: Double {
        let present = presentCounts.reduce(0, +)
        return present > 0 ? squaredErrors.reduce(0, +) / Double(present) : .nan
    }

    /// `sqrt(loss)·48`: the RMSE in pixels over present values.
    public var rmsePixels: Double { Normalization.rmsePixels(meanSquaredError: loss) }

    /// RMSE in pixels per keypoint, x and y together, with the number of present values.
    public var keypoints: [(keypoint: Keypoint, rmsePixels: Double, count: Int)] {
        Keypoint.allCases.map { point in
            let x = 2 * point.rawValue, y = x + 1
            let count = presentCounts[x] + presentCounts[y]
            let mse = count > 0 ? (squaredErrors[x] + squaredErrors[y]) / Double(count) : .nan
            return (point, Normalization.rmsePixels(meanSquaredError: mse), count)
        }
    }

    /// Runs `dataset` through `network` in batches of at most `batch.capacity`, each face's
    /// prediction formed as `tta` says.
    public init(network: Network, dataset: FaceDataset, batch: inout FaceBatch, tta: TestTimeAugmentation = .none) {
        self.init(dataset: dataset, batch: &batch) { network.keypoints($0, tta: tta) }
    }

    /// Scores the normalised keypoints `predict` gives for each filled batch of `dataset` (in
    /// file order, at most `batch.capacity` faces): one network, or an ensemble.
    public init(dataset: FaceDataset, batch: inout FaceBatch, predict: (FaceBatch) throws -> [Float]) rethrows {
        let width = Keypoint.coordinateCount
        var squaredErrors = [Double](repeating: 0, count: width)
        var presentCounts = [Int](repeating: 0, count: width)
        var spread = OutputSpread(width: width)
        let inFileOrder = BatchPlan(size: batch.capacity, order: .file, lastBatch: .keep, flip: false, seed: 0)
        for selection in dataset.epoch(0, plan: inFileOrder) {
            dataset.fill(&batch, with: selection)
            let predictions = try predict(batch)
            for sample in 0..<batch.count {
                for coordinate in 0..<width {
                    let at = sample * width + coordinate
                    guard batch.mask[at] != 0 else { continue }
                    let difference = Double(predictions[at] - batch.targets[at])
                    squaredErrors[coordinate] += difference * difference
                    presentCounts[coordinate] += 1
                }
            }
            batch.targets.withUnsafeBufferPointer { targets in
                batch.mask.withUnsafeBufferPointer { mask in
                    predictions.withUnsafeBufferPointer {
                        spread.add(predictions: $0, targets: targets, mask: mask, count: batch.count)
                    }
                }
            }
        }
        outputSpread = spread.value
        self.squaredErrors = squaredErrors
        self.presentCounts = presentCounts
    }
}
