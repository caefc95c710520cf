import Inference
import Results

/// Something that watches a `TrainingLoop` as it runs: the terminal display, the writers of
/// `metrics.csv`, checkpoints, weights and diagnostics, the run record — or a test, or a
/// dashboard. The loop calls every observer, in the order they were attached, for each event;
/// an observer that throws stops the run with that error (a file that cannot be written must
/// not be skipped in silence).
///
/// Every method has an empty default, so an observer implements only what it needs.
public protocol TrainingObserver: AnyObject {
    /// Before the first batch of `run()`: a fresh run at `.start`, or a resumed one wherever
    /// its checkpoint left it (`loop.position`).
    func runStarted(_ loop: TrainingLoop) throws
    /// Before each training step (`batch` 1-based). Diagnostics keep the weights here before
    /// the epoch's last step, to measure the step.
    func batchStarting(_ batch: BatchPosition, loop: TrainingLoop)
    /// After each training step.
    func batchFinished(_ progress: BatchProgress, loop: TrainingLoop) throws
    /// After an epoch's validation; also for an epoch cut short by divergence (its row is NaN
    /// and `validation` nil).
    func epochFinished(_ report: EpochReport, loop: TrainingLoop) throws
    /// The loop wants its state saved for `--resume`: at the end of an epoch once
    /// `TrainingLoop.checkpointInterval` has passed since the last one (not after the last
    /// epoch: the run is then complete), and whenever it stops before its last epoch.
    /// `loop.position` is the position to save.
    func checkpointDue(_ loop: TrainingLoop) throws
    /// The run is over, for the reason in `outcome`; nothing follows.
    func runStopped(_ outcome: TrainingOutcome, loop: TrainingLoop) throws
}

extension TrainingObserver {
    public func runStarted(_ loop: TrainingLoop) throws {}
    public func batchStarting(_ batch: BatchPosition, loop: TrainingLoop) {}
    public func batchFinished(_ progress: BatchProgress, loop: TrainingLoop) throws {}
    public func epochFinished(_ report: EpochReport, loop: TrainingLoop) throws {}
    public func checkpointDue(_ loop: TrainingLoop) throws {}
    public func runStopped(_ outcome: TrainingOutcome, loop: TrainingLoop) throws {}
}

/// Which step of which epoch, 1-based.
public struct BatchPosition: Sendable, Equatable {
    public var epoch: Int
    public var batch: Int
    public var batches: Int

    public var isLastOfEpoch: Bool { batch == batches }
}

/// One finished training step.
public struct BatchProgress: Sendable {
    public var position: BatchPosition
    /// The batch's masked MSE (normalised targets, dropout active).
    public var loss: Float
    /// Images trained and seconds spent training so far in this epoch (a resumed epoch counts
    /// from where it was stopped).
    public var epochImages: Int
    public var epochSeconds: Double
}

/// One finished epoch.
public struct EpochReport: Sendable {
    /// What `metrics.csv` records for the epoch.
    public var row: MetricsLog.Row
    /// The full validation pass; nil when the epoch diverged before it ended.
    public var validation: Evaluation?
    /// The best validation loss so far: the best weights are these.
    public var isBest: Bool
}

/// How a run ended, in the record's words.
public struct TrainingOutcome: Sendable, Equatable {
    public var status: RunRecord.Status
    /// Why, in plain words (the divergence's epoch and batch, the signal, the limit reached).
    public var detail: String?

    public init(_ status: RunRecord.Status, _ detail: String? = nil) {
        self.status = status
        self.detail = detail
    }

    /// `train.max_wall_time` ran out during epoch `epoch`: the run is interrupted (resumable),
    /// but its time is spent as planned (`RunRecord.stoppedByWallTime`).
    static func wallTimeReached(_ limit: Double, epoch: Int) -> TrainingOutcome {
        TrainingOutcome(.interrupted, "\(wallTimeReason) (\(limit) s) in epoch \(epoch)")
    }

    static let wallTimeReason = "reached max_wall_time"
}

extension RunRecord {
    /// Interrupted by its own `max_wall_time`, not by a signal: its time was spent as planned,
    /// so what it holds is what it was meant to give (a cascade takes such a level 1 as it is).
    public var stoppedByWallTime: Bool {
        status == .interrupted && statusDetail?.hasPrefix(TrainingOutcome.wallTimeReason) == true
    }
}
