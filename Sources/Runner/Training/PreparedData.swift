import Experiments
import Faces

/// The faces an experiment trains and validates on: loaded (or generated), filtered by
/// `rows`/`missing`, split, and fingerprinted for the run record.
struct PreparedData {
    let training: FaceDataset
    let validation: FaceDataset
    /// SHA-256 of the file's bytes, or of the synthetic generator's parameters and version.
    let fingerprint: String

    init(_ spec: DataSpec, seed: UInt64) throws {
        let faces: LabeledFaces
        switch spec.source {
        case .file(let path):
            faces = try TrainingFile(path: path).faces
            fingerprint = try Fingerprint.sha256(ofFile: path)
        case .synthetic(let generator):
            faces = generator.generate()
            fingerprint = generator.fingerprint
        }
        let selected = FaceDataset(faces, rows: spec.rows, missing: spec.missing)
        (training, validation) = selected.split(spec.validation, seed: seed)
        guard training.count > 0, validation.count > 0 else {
            throw RunnerError("the data leaves \(training.count) training and \(validation.count) validation rows "
                              + "(\(selected.count) rows selected of \(faces.count)); both need at least one")
        }
    }
}
