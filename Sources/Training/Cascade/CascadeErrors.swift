import Faces
import Inference
import Results

/// A cascade's errors: which faces teach a group's net, and validation errors per keypoint in
/// pixels², combined from level 1's predictions and the level-2 nets' evaluations.
extension CascadeRun {
    /// The faces of `faces` that mark at least one keypoint of `group` (x and y).
    static func marking(_ group: [Keypoint], of faces: FaceDataset) -> FaceDataset {
        let width = Keypoint.coordinateCount
        return FaceDataset(faces.faces, indices: faces.indices.filter { face in
            group.contains { point in
                !faces.faces.keypoints[face * width + 2 * point.rawValue].isNaN
                    && !faces.faces.keypoints[face * width + 2 * point.rawValue + 1].isNaN
            }
        })
    }

    /// Squared pixel errors per keypoint of `predictions` (pixels, 30 per face of the file)
    /// over the faces of `faces`, missing coordinates skipped.
    static func squares(of predictions: [Float], on faces: FaceDataset) -> KeypointSquares {
        var squares: KeypointSquares = [:]
        let width = Keypoint.coordinateCount
        for point in Keypoint.allCases {
            var sum = 0.0, count = 0
            for face in faces.indices {
                for coordinate in [2 * point.rawValue, 2 * point.rawValue + 1] {
                    let truth = faces.faces.keypoints[face * width + coordinate]
                    guard !truth.isNaN else { continue }
                    let difference = Double(predictions[face * width + coordinate]) - Double(truth)
                    sum += difference * difference
                    count += 1
                }
            }
            squares[point] = (sum, count)
        }
        return squares
    }

    /// The mean squared pixel error over every keypoint's present values, summed in keypoint
    /// order: a dictionary's own order changes from one instance to the next, and with it the
    /// sum's last bits.
    static func meanSquare(_ squares: KeypointSquares) -> Double {
        var total = 0.0, count = 0
        for point in Keypoint.allCases {
            guard let square = squares[point] else { continue }
            total += square.pixelSquares
            count += square.count
        }
        return count > 0 ? total / Double(count) : .nan
    }

    static func rmsePixels(_ squares: KeypointSquares) -> Double {
        meanSquare(squares).squareRoot()
    }

    /// Each keypoint's RMSE in pixels (NaN without a present value), in Kaggle's order.
    static func keypointErrors(_ squares: KeypointSquares) -> [RunRecord.KeypointError] {
        Keypoint.allCases.map { point in
            let square = squares[point] ?? (0, 0)
            return .init(keypoint: point.name, rmsePixels: square.count > 0 ? (square.pixelSquares / Double(square.count)).squareRoot() : .nan,
                         count: square.count)
        }
    }
}
