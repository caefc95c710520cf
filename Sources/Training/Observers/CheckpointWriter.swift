import Foundation
import Results

/// Writes `checkpoint.kpw` (weights, optimizer state, loop position) whenever the loop says one
/// is due, and removes it once the run has ended for good: only an interrupted run keeps it.
final class CheckpointWriter: TrainingObserver {
    private let path: String
    private let configHash: String

    init(path: String, configHash: String) {
        self.path = path
        self.configHash = configHash
    }

    func checkpointDue(_ loop: TrainingLoop) throws {
        try Checkpoint.save(network: loop.network, optimizer: loop.optimizer, position: loop.position,
                            specHash: configHash, to: path)
    }

    func runStopped(_ outcome: TrainingOutcome, loop: TrainingLoop) throws {
        guard outcome.status != .interrupted, FileManager.default.fileExists(atPath: path) else { return }
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            throw UserError("cannot remove the finished run's checkpoint \(path): \(error.localizedDescription)")
        }
    }
}
