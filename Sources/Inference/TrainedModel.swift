import Engine
import Experiments
import Faces
import Foundation
import Results

/// A trained run's model, ready to predict: the network its `config.yaml` describes, with the
/// weights of `model.best.kpw` or `model.last.kpw`, run in batches without dropout.
///
///     let model = try TrainedModel(runFolder: "results/cnn/cnn-1a2b3c4d", weights: .best, threads: 4)
///     let pixels = try model.predict(faces)       // faces.count × 30, in pixels
public final class TrainedModel {
    /// Which of a run's two weight files to use.
    public enum Weights: String, CaseIterable, Sendable {
        /// `model.best.kpw`: the epoch with the lowest validation RMSE.
        case best
        /// `model.last.kpw`: the last finished epoch.
        case last
    }

    public let folder: RunFolder
    /// The run's experiment, from its canonical `config.yaml` (a cascade's: its level 1's).
    public let experiment: Experiment
    public let weights: Weights
    /// How each face's prediction is formed: the run's `train.tta` unless the caller chose.
    public let tta: TestTimeAugmentation
    /// The weights file read.
    public let weightsPath: String
    /// Faces per forward pass.
    public let batchSize: Int
    /// The run's `run.json`, when it can be read (for the best epoch and its validation RMSE).
    public let record: RunRecord?
    let network: Network
    /// A cascade's level 2, which refines what `network` (its level 1) predicts; nil for a
    /// single network's run.
    public let refiner: CascadeRefiner?
    /// A cascade's level 1 alone (its best weights, on which level 2 was trained).
    public let level1: TrainedModel?

    /// The run's id: its folder's name.
    public var runID: String { record?.runID ?? PathText.name(of: folder.path) }

    /// Loads the run at `path`.
    /// - Parameters:
    ///   - batchSize: faces per forward pass; nil uses the run's training batch size.
    ///   - faceCount: how many faces will be predicted, when known: the batch (and so the
    ///     network's buffers) is never larger.
    ///   - threads: threads the network splits each batch across.
    ///   - tta: test-time augmentation; nil uses the run's own (`train.tta`), as its validation did.
    /// - Throws: `UserError` when the folder, its config or its weights cannot be read, or the
    ///   weights do not fit the network the config describes.
    public convenience init(runFolder path: String, weights: Weights = .best, batchSize: Int? = nil, faceCount: Int? = nil,
                            threads: Int = 1, tta: TestTimeAugmentation? = nil) throws {
        let folder = RunFolder(path: path)
        guard FileManager.default.fileExists(atPath: folder.config) else {
            throw UserError("\(path) is not a run folder: it has no config.yaml (expected results/<experiment>/<run-id>)")
        }
        let file: ExperimentFile
        do {
            file = try ExperimentFile.load(contentsOfFile: folder.config, overrides: [])
        } catch {
            throw UserError("\(path) is not a usable run folder: its config.yaml does not load:\n\(error)")
        }
        let weightsPath = weights == .best ? folder.bestWeights : folder.lastWeights
        switch file {
        case .single(let experiment):
            try self.init(experiment, folder: folder, weights: weights, weightsPath: weightsPath, batchSize: batchSize,
                          faceCount: faceCount, threads: threads, tta: tta)
        case .cascade(let cascade):
            try self.init(cascade: cascade, folder: folder, weights: weights, weightsPath: weightsPath, batchSize: batchSize,
                          faceCount: faceCount, threads: threads, tta: tta)
        }
    }

    /// A single network's run.
    private init(_ experiment: Experiment, folder: RunFolder, weights: Weights, weightsPath: String, batchSize: Int?,
                 faceCount: Int?, threads: Int, tta: TestTimeAugmentation?) throws {
        let path = folder.path
        guard FileManager.default.fileExists(atPath: weightsPath) else {
            throw UserError(weights == .best
                ? "\(path) has no model.best.kpw (the run had no validation faces, or no epoch finished); try --weights last"
                : "\(path) has no model.last.kpw (the run was interrupted or is still training); try --weights best")
        }
        let (archive, record) = try Self.weights(at: weightsPath, of: folder)
        self.batchSize = max(1, min(batchSize ?? experiment.train.batchSize, faceCount ?? .max))
        // Initialisation draws are overwritten by the loaded weights; any seed will do.
        var rng = RandomGenerator(seed: 0)
        let network: Network
        do {
            network = try experiment.makeNetwork(maxBatch: self.batchSize, threads: max(1, threads), rng: &rng)
        } catch {
            throw UserError("\(folder.config): the model cannot be built: \(error)")
        }
        do {
            try network.load(experiment.model.renamingLegacyTensors(archive.values()))
        } catch {
            throw UserError("\(weightsPath) does not fit the network in \(folder.config): \(error)")
        }
        guard network.outputShape.count == Keypoint.coordinateCount else {
            throw UserError("\(folder.config): the network gives \(network.outputShape.count) outputs per face, expected \(Keypoint.coordinateCount)")
        }
        self.folder = folder
        self.experiment = experiment
        self.weights = weights
        self.tta = tta ?? experiment.train.tta
        self.weightsPath = weightsPath
        self.network = network
        self.record = record
        refiner = nil
        level1 = nil
    }

    /// A cascade's run: its level 1 (best weights, as level 2 was trained on them) refined by
    /// its level-2 nets' `weights`.
    private init(cascade: CascadeExperiment, folder: RunFolder, weights: Weights, weightsPath: String, batchSize: Int?,
                 faceCount: Int?, threads: Int, tta: TestTimeAugmentation?) throws {
        guard FileManager.default.fileExists(atPath: weightsPath) else {
            throw UserError("\(folder.path) has no \(PathText.name(of: weightsPath)) (no level-2 epoch finished"
                            + (weights == .last ? ", or the cascade is still training); try --weights best" : ")"))
        }
        let level1 = try TrainedModel(runFolder: folder.runBeside(recordedAt: cascade.cascade.level1.path).path, weights: .best,
                                      batchSize: batchSize ?? cascade.train.batchSize, faceCount: faceCount, threads: threads, tta: tta)
        if let hash = cascade.cascade.level1.configHash, hash != level1.record?.configHash {
            throw UserError("\(folder.path): its level 1, \(level1.folder.path), now holds another run than the one the cascade "
                            + "was trained on (config hash \(hash.prefix(8)))")
        }
        let (archive, record) = try Self.weights(at: weightsPath, of: folder)
        refiner = try CascadeRefiner(cascade, weights: archive, path: weightsPath, batchSize: level1.batchSize,
                                     threads: max(1, threads))
        self.folder = folder
        experiment = level1.experiment
        self.weights = weights
        self.tta = level1.tta
        self.weightsPath = weightsPath
        self.batchSize = level1.batchSize
        network = level1.network
        self.record = record
        self.level1 = level1
    }

    /// The normalised keypoints (count × 30) for `count` normalised faces, formed as `tta` says.
    /// - Parameter label: how a person refers to face i (0 … count − 1) of these.
    /// - Throws: `UserError` naming the face when a prediction is not finite: clipping would
    ///   turn NaN into a plausible 48 and hide that the network gives no answer.
    func keypoints(_ images: UnsafeBufferPointer<Float>, count: Int, label: (Int) -> String) throws -> [Float] {
        var keypoints = network.keypoints(images, count: count, tta: tta)
        refiner?.refine(&keypoints, images: images, count: count)
        if let index = keypoints.firstIndex(where: { !$0.isFinite }) {
            let width = Keypoint.coordinateCount
            throw UserError("\(weightsPath): the prediction of \(Keypoint.columnNames[index % width]) for "
                            + "\(label(index / width)) is \(Normalization.pixels(fromTarget: keypoints[index])); \(Self.unusableAdvice)")
        }
        return keypoints
    }

    /// Predictions for every face of a test-format file: faces.count × 30 pixels.
    public func predict(_ faces: UnlabeledFaces) throws -> [Float] { try Ensemble([self]).predict(faces) }

    /// Predictions for faces `rows` of a data file of either format, in that order.
    public func predict(_ file: FaceFile, rows: [Int]) throws -> [Float] { try Ensemble([self]).predict(file, rows: rows) }

    /// The masked squared errors of the model over every face of `faces`: the numbers
    /// `val_rmse_px` is made of (`Ensemble.evaluate` with this run alone).
    public func evaluate(_ faces: LabeledFaces) throws -> Evaluation { try Ensemble([self]).evaluate(faces) }

    /// A run's weights file, refused when it holds non-finite values or names another
    /// configuration than the run's record, and the record (nil when unreadable).
    private static func weights(at path: String, of folder: RunFolder) throws -> (TensorArchive, RunRecord?) {
        let archive = try TensorArchive(path: path)
        try checkFinite(archive, path: path)
        let record = try? RunRecord.read(from: folder.record)
        // The weights name the configuration they were trained under; run.json names the run's.
        if let record, record.configHash != archive.specHash {
            throw UserError("\(path) was written for another configuration (hash \(archive.specHash.prefix(8)), "
                              + "this run's \(record.configHash.prefix(8))); was the file copied from another run?")
        }
        return (archive, record)
    }

    /// What to do about weights that give no usable prediction.
    static let unusableAdvice = "the weights are unusable (the run diverged or the file is damaged): "
        + "try the other weights (--weights best or last) or train the run again"

    /// Refuses weights that hold NaN or infinity: every prediction made with them would be
    /// NaN (or meaningless), which clipping would turn into a plausible-looking face of 48s.
    static func checkFinite(_ archive: TensorArchive, path: String) throws {
        for tensor in archive.tensors {
            guard let first = tensor.values.firstIndex(where: { !$0.isFinite }) else { continue }
            let count = tensor.values.lazy.filter { !$0.isFinite }.count
            throw UserError("\(path): tensor '\(tensor.name)' holds \(count) non-finite value\(count == 1 ? "" : "s") "
                            + "(the first, at index \(first), is \(tensor.values[first])); \(unusableAdvice)")
        }
    }
}
