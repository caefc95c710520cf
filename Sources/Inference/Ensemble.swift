import Faces
import Results

/// Trained runs that predict as one: each face's keypoints are the mean of the runs' normalised
/// predictions (each run's formed with its own test-time augmentation), summed in the runs'
/// order. An ensemble of one run gives exactly that run's predictions.
///
///     let ensemble = Ensemble(try runs.map { try TrainedModel(runFolder: $0, faceCount: faces.count) })
///     let pixels = try ensemble.predict(faces)    // faces.count × 30, in pixels
public struct Ensemble {
    public let models: [TrainedModel]

    /// Faces per forward pass: the smallest of the runs' batches, which every network holds.
    public var batchSize: Int { models.map(\.batchSize).min()! }

    public init(_ models: [TrainedModel]) {
        precondition(!models.isEmpty, "Ensemble: at least one run")
        self.models = models
    }

    /// The mean normalised keypoints of the runs for `count` normalised faces.
    /// - Parameter label: how a person refers to face i (0 … count − 1) of these.
    func keypoints(_ images: UnsafeBufferPointer<Float>, count: Int, label: (Int) -> String) throws -> [Float] {
        var sum = try models[0].keypoints(images, count: count, label: label)
        guard models.count > 1 else { return sum }
        for model in models.dropFirst() {
            for (index, value) in try model.keypoints(images, count: count, label: label).enumerated() { sum[index] += value }
        }
        let share = 1 / Float(models.count)
        return sum.map { $0 * share }
    }

    /// Predicted keypoints in pixels for `count` faces, computed `batchSize` faces at a time.
    /// - Parameters:
    ///   - label: how a person refers to face i (0-based) in a message: "row 12", "image 1783".
    ///   - images: fills room for range.count × 1 × 96 × 96 floats with faces `range`,
    ///     normalised as in training (pixel / 256).
    /// - Returns: count × 30 coordinates in pixels (48 · output + 48), in Kaggle's order.
    /// - Throws: `UserError` naming the run and the face when a prediction is not finite.
    public func predict(count: Int, label: (Int) -> String = { "face \($0 + 1)" },
                        images: (Range<Int>, UnsafeMutablePointer<Float>) -> Void) throws -> [Float] {
        let width = Keypoint.coordinateCount
        var predictions = [Float](repeating: 0, count: count * width)
        var input = [Float](repeating: 0, count: batchSize * FaceImage.pixelCount)
        var start = 0
        while start < count {
            let range = start ..< min(count, start + batchSize)
            input.withUnsafeMutableBufferPointer { images(range, $0.baseAddress!) }
            let keypoints = try input.withUnsafeBufferPointer {
                try self.keypoints(UnsafeBufferPointer(rebasing: $0[0 ..< range.count * FaceImage.pixelCount]),
                                   count: range.count, label: { label(range.lowerBound + $0) })
            }
            for (index, value) in keypoints.enumerated() {
                predictions[range.lowerBound * width + index] = Normalization.pixels(fromTarget: value)
            }
            start = range.upperBound
        }
        return predictions
    }

    /// Predictions for every face of a test-format file: faces.count × 30 pixels.
    public func predict(_ faces: UnlabeledFaces) throws -> [Float] {
        try predict(count: faces.count, label: { "image \(faces.imageIds[$0])" }) { faces.writeImages($0, into: $1) }
    }

    /// Predictions for faces `rows` of a data file of either format, in that order:
    /// rows.count × 30 pixels.
    public func predict(_ file: FaceFile, rows: [Int]) throws -> [Float] {
        try predict(count: rows.count, label: { file.label(rows[$0]) }) { file.writeImages(rows[$0], into: $1) }
    }

    /// The masked squared errors of the ensemble over every face of `faces` (missing
    /// coordinates are skipped), normalised exactly as in training: for one run without
    /// test-time augmentation, the numbers `val_rmse_px` is made of.
    /// - Throws: `UserError` naming the run and the face when a prediction is not finite.
    public func evaluate(_ faces: LabeledFaces) throws -> Evaluation {
        var batch = FaceBatch(capacity: batchSize)
        return try Evaluation(dataset: FaceDataset(faces, rows: .all, missing: .mask), batch: &batch) { batch in
            try batch.images.withUnsafeBufferPointer {
                try keypoints($0, count: batch.count, label: { "row \(batch.faceIndices[$0])" })  // 0-based, as show counts
            }
        }
    }
}
