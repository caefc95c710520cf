import Experiments
import Faces
import Results

/// The faces an experiment trains and validates on: loaded (or generated), filtered by
/// `rows`/`missing`, split, and fingerprinted for the run record.
public struct PreparedData {
    public let training: FaceDataset
    public let validation: FaceDataset
    /// SHA-256 of the file's bytes, or of the synthetic generator's parameters and version.
    public let fingerprint: String
    /// The validation RMSE in pixels of the "mean face": every coordinate predicted as its
    /// mean over the training rows. A model that does not beat it has learnt nothing.
    public let meanFaceRMSEPixels: Double

    public init(_ spec: DataSpec, seed: UInt64) throws {
        let faces = try spec.loadFaces()
        switch spec.source {
        case .file(let path): fingerprint = try Fingerprint.sha256(ofFile: path)
        case .synthetic(let generator): fingerprint = generator.fingerprint
        }
        (training, validation) = spec.split(faces, seed: seed)
        guard training.count > 0, validation.count > 0 else {
            throw UserError("the data leaves \(training.count) training and \(validation.count) validation rows "
                              + "(\(training.count + validation.count) rows selected of \(faces.count)); both need at least one")
        }
        // Without a single label a loss is 0/0: the run would "diverge" on its first epoch and
        // blame the learning rate for what is the data's.
        for (name, subset) in [("training", training), ("validation", validation)] where !Self.hasLabels(subset) {
            throw UserError("the \(subset.count) \(name) rows have no keypoint labels at all (every coordinate is empty), "
                            + "so there is nothing to \(name == "training" ? "learn from" : "validate against"); "
                            + "choose another data.validation split, or data.rows: complete")
        }
        meanFaceRMSEPixels = Self.meanFaceRMSE(training: training, validation: validation)
    }

    static func hasLabels(_ dataset: FaceDataset) -> Bool {
        let width = Keypoint.coordinateCount
        return dataset.indices.contains { face in
            (0..<width).contains { !dataset.faces.keypoints[face * width + $0].isNaN }
        }
    }

    static func meanFaceRMSE(training: FaceDataset, validation: FaceDataset) -> Double {
        let width = Keypoint.coordinateCount
        func sums(_ dataset: FaceDataset, _ body: (Int, Float) -> Void) {
            for face in dataset.indices {
                for coordinate in 0..<width {
                    let value = dataset.faces.keypoints[face * width + coordinate]
                    if !value.isNaN { body(coordinate, value) }
                }
            }
        }
        var total = [Double](repeating: 0, count: width), count = [Double](repeating: 0, count: width)
        sums(training) { total[$0] += Double($1); count[$0] += 1 }
        let mean = zip(total, count).map { $1 > 0 ? $0 / $1 : 48 }
        var squared = 0.0, present = 0.0
        sums(validation) { squared += (Double($1) - mean[$0]) * (Double($1) - mean[$0]); present += 1 }
        return present > 0 ? (squared / present).squareRoot() : .nan
    }
}
