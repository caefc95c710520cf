import Experiments
import Foundation
import Results

/// Keeps `run.json` in step with the loop: rewritten after every epoch and when the run stops,
/// so it always describes the files beside it. It also follows the output's spread epoch by
/// epoch and says once, in plain words, when the output collapses (and when it recovers).
final class RecordWriter: TrainingObserver {
    private(set) var record: RunRecord
    private let path: String
    private var collapse: CollapseWatch
    private let display: ProgressDisplay
    /// Whether the run writes diagnostics.csv (the collapse warning then does not ask for it).
    private let recordingDiagnostics: Bool

    /// - Parameter spreads: the `output_spread` of the epochs already finished (a resumed run's).
    init(record: RunRecord, path: String, spreads: [Double], display: ProgressDisplay, recordingDiagnostics: Bool = false) {
        self.record = record
        self.path = path
        collapse = CollapseWatch(spreads: spreads)
        self.display = display
        self.recordingDiagnostics = recordingDiagnostics
    }

    func write() throws {
        try record.write(to: path)
    }

    func epochFinished(_ report: EpochReport, loop: TrainingLoop) throws {
        // A diverged epoch is recorded when the run stops, a moment later.
        guard let validation = report.validation else { return }
        record.finalTrainLoss = report.row.trainLoss
        record.finalValidationLoss = validation.loss
        if report.isBest {
            record.bestEpoch = report.row.epoch
            record.bestValidationRMSEPixels = validation.rmsePixels
            record.bestKeypointRMSE = validation.keypoints.map {
                .init(keypoint: $0.keypoint.name, rmsePixels: $0.rmsePixels, count: $0.count)
            }
        }
        noteCollapse(spread: validation.outputSpread)
        noteProgress(loop)
        try write()
    }

    func runStopped(_ outcome: TrainingOutcome, loop: TrainingLoop) throws {
        noteProgress(loop)
        record.status = outcome.status
        record.statusDetail = outcome.detail
        record.endedAt = RunRecord.timestamp()
        try write()
    }

    /// Records a run stopped by an error rather than by one of the loop's rules.
    func fail(because error: Error, loop: TrainingLoop) throws {
        try runStopped(TrainingOutcome(.failed, "\(error)"), loop: loop)
    }

    private func noteProgress(_ loop: TrainingLoop) {
        let position = loop.position
        record.epochsRun = position.epochsDone
        record.trainImagesPerSecond = position.totalTrainSeconds > 0
            ? Double(position.totalImages) / position.totalTrainSeconds : nil
        record.trainDataWaitShare = loop.trainingSeconds > 0 ? loop.dataWaitSeconds / loop.trainingSeconds : nil
    }

    private func noteCollapse(spread: Double) {
        let change = collapse.observe(spread)
        record.collapsed = collapse.onset.map { RunRecord.Collapse(sinceEpoch: $0, outputSpread: spread) }
        switch change {
        case .began(let epoch)?:
            display.note(CollapseDetector.warning(since: epoch, spread: spread, recordingDiagnostics: recordingDiagnostics))
        case .ended(let epoch)?:
            display.note("note: the output is no longer collapsed: output_spread \(fixed(spread, decimals: 3)) at epoch \(epoch)")
        case nil:
            break
        }
    }
}
