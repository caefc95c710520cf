import Engine
import Faces

/// The masked squared error of a network over a whole data set in inference mode (no
/// dropout), kept per coordinate so that overall and per-keypoint RMSE come from one pass.
public struct Evaluation: Sendable {
    /// Σ mask·(prediction − target)² per coordinate (30, or 2 per keypoint of a level-2 net's
    /// group), in normalised units, summed in Double.
    public var squaredErrors: [Double]
    /// Number of present values per coordinate.
    public var presentCounts: [Int]
    /// The keypoints the coordinates belong to, x then y of each.
    public var points: [Keypoint]
    /// Pixels per normalised unit (48 for whole faces).
    public var pixelsPerUnit: Double
    /// How much the predictions vary across the validation faces relative to the targets
    /// (`OutputSpread`): about 1 for a net that follows the faces, near 0 for a constant face.
    public var outputSpread: Double

    /// The masked MSE over every present value: what `val_loss` reports.
    public var loss: Double {
        let present = presentCounts.reduce(0, +)
        return present > 0 ? squaredErrors.reduce(0, +) / Double(present) : .nan
    }

    /// `sqrt(loss)·48` (for faces): the RMSE in pixels over present values.
    public var rmsePixels: Double { loss.squareRoot() * pixelsPerUnit }

    /// RMSE in pixels per keypoint, x and y together, with the number of present values.
    public var keypoints: [(keypoint: Keypoint, rmsePixels: Double, count: Int)] {
        points.enumerated().map { index, point in
            let x = 2 * index, y = x + 1
            let count = presentCounts[x] + presentCounts[y]
            let mse = count > 0 ? (squaredErrors[x] + squaredErrors[y]) / Double(count) : .nan
            return (point, mse.squareRoot() * pixelsPerUnit, count)
        }
    }

    /// Squared errors in pixels² and counts per keypoint, for combining evaluations of
    /// different keypoints (a cascade's level-2 nets) into one.
    public var keypointSquares: KeypointSquares {
        var squares: KeypointSquares = [:]
        for (index, point) in points.enumerated() {
            let x = 2 * index, y = x + 1
            squares[point] = ((squaredErrors[x] + squaredErrors[y]) * pixelsPerUnit * pixelsPerUnit,
                              presentCounts[x] + presentCounts[y])
        }
        return squares
    }

    /// Runs `dataset` through `network` in batches of at most `batch.capacity`, each face's
    /// prediction formed as `tta` says.
    public init(network: Network, dataset: some TrainingSamples, batch: inout FaceBatch, tta: TestTimeAugmentation = .none) {
        self.init(dataset: dataset, batch: &batch) { network.keypoints($0, tta: tta) }
    }

    /// Scores the normalised keypoints `predict` gives for each filled batch of `dataset` (in
    /// file order, at most `batch.capacity` samples): one network, or an ensemble.
    public init(dataset: some TrainingSamples, batch: inout FaceBatch, predict: (FaceBatch) throws -> [Float]) rethrows {
        let width = dataset.targetWidth
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
        points = dataset.keypoints
        pixelsPerUnit = dataset.pixelsPerUnit
        self.squaredErrors = squaredErrors
        self.presentCounts = presentCounts
    }
}

/// Squared errors in pixels² and the number of present values, per keypoint: what errors of
/// different keypoints (level 1's and a cascade's level-2 nets') are combined from.
public typealias KeypointSquares = [Keypoint: (pixelSquares: Double, count: Int)]
