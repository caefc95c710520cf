import Faces
import Results

/// Turning predictions for Kaggle's `test.csv` into the files Kaggle and people read.
public enum Submission {
    /// Kaggle's image spans 0…96 pixels; a prediction outside can only score worse.
    public static let validRange = LabeledFaces.coordinateRange

    /// Each value clamped to `validRange`.
    /// - Throws: `UserError` for a NaN or infinite value, which a diverged model gives: clamped,
    ///   it would become a plausible-looking coordinate and hide that the model has no answer.
    public static func clipped(_ predictions: [Float]) throws -> [Float] {
        if let index = predictions.firstIndex(where: { !$0.isFinite }) {
            throw UserError("prediction \(index + 1) of \(predictions.count) is \(predictions[index]): "
                            + "a submission needs a finite number for every value (did the run diverge?)")
        }
        return predictions.map { min(max($0, validRange.lowerBound), validRange.upperBound) }
    }

    /// The submission rows for `lookup`, in its order: `(RowId, Location)` with locations
    /// clipped to 0…96.
    /// - Parameters:
    ///   - lookupPath, facesPath: the files as the user named them, for messages.
    ///   - predictions: faces.count × 30 pixels, in `faces` order.
    /// - Throws: `UserError` naming the lookup row whose image is not among `faces`, or the
    ///   test file's rows when an `ImageId` appears twice (the lookup would be ambiguous), or a
    ///   prediction that is not finite.
    public static func rows(lookup: LookupTable, lookupPath: String, faces: UnlabeledFaces, facesPath: String,
                            predictions: [Float]) throws -> [SubmissionRow] {
        precondition(predictions.count == faces.count * Keypoint.coordinateCount,
                     "Submission: \(predictions.count) predictions for \(faces.count) faces")
        try check(lookup: lookup, lookupPath: lookupPath, faces: faces, facesPath: facesPath)
        return try lookup.submission(for: faces, predictions: try clipped(predictions))
    }

    /// Checks, before any prediction is made, that every lookup row names an image of `faces`
    /// and that no `ImageId` appears twice in `faces`.
    /// - Throws: `UserError` naming the first offending row.
    public static func check(lookup: LookupTable, lookupPath: String, faces: UnlabeledFaces, facesPath: String) throws {
        var position: [Int: Int] = [:]
        for (row, id) in faces.imageIds.enumerated() {
            if let earlier = position[id] {
                throw UserError("\(facesPath): ImageId \(id) appears twice (rows \(earlier + 1) and \(row + 1)), so the lookup table would be ambiguous")
            }
            position[id] = row
        }
        for (number, entry) in lookup.entries.enumerated() where position[entry.imageId] == nil {
            throw UserError("\(lookupPath): row \(number + 1) (RowId \(entry.rowId)) asks for \(entry.featureName) of image \(entry.imageId), "
                              + "which is not in \(facesPath) (\(faces.count) images\(idSpan(faces.imageIds)))")
        }
    }

    /// Writes predictions in the training format's keypoint columns, one line per image:
    /// `ImageId,left_eye_center_x,left_eye_center_y,…` (30 coordinates in Kaggle's order, clipped
    /// to 0…96), whole or not at all.
    /// - Parameter predictions: imageIds.count × 30 pixels.
    public static func writeKeypoints(imageIds: [Int], predictions: [Float], to path: String) throws {
        let width = Keypoint.coordinateCount
        precondition(predictions.count == imageIds.count * width, "Submission: \(predictions.count) predictions for \(imageIds.count) images")
        let values = try clipped(predictions)
        var text = (["ImageId"] + Keypoint.columnNames).joined(separator: ",") + "\n"
        text.reserveCapacity(imageIds.count * width * 10)
        for (row, id) in imageIds.enumerated() {
            text += String(id)
            for value in values[row * width ..< (row + 1) * width] {
                text += ","
                text += value.description
            }
            text += "\n"
        }
        try writeAtomically(text, to: path)
    }

    private static func idSpan(_ ids: [Int]) -> String {
        guard let low = ids.min(), let high = ids.max() else { return "" }
        return low == high ? ", ImageId \(low)" : ", ImageId \(low)-\(high)"
    }
}
