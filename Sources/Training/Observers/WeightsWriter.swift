import Results

/// `model.best.kpw` each time an epoch is the best so far, and `model.last.kpw` when the run
/// ends for good (not when it is interrupted: it will go on).
final class WeightsWriter: TrainingObserver {
    private let folder: RunFolder
    private let configHash: String

    init(folder: RunFolder, configHash: String) {
        self.folder = folder
        self.configHash = configHash
    }

    func epochFinished(_ report: EpochReport, loop: TrainingLoop) throws {
        if report.isBest { try weights(of: loop).write(to: folder.bestWeights) }
    }

    func runStopped(_ outcome: TrainingOutcome, loop: TrainingLoop) throws {
        if outcome.status != .interrupted { try weights(of: loop).write(to: folder.lastWeights) }
    }

    private func weights(of loop: TrainingLoop) -> TensorArchive {
        TensorArchive(specHash: configHash, tensors: Checkpoint.parameterTensors(loop.network))
    }
}
