import Experiments
import Results

/// Trains a sweep's tasks somewhere: here, as child processes (`LocalProcessExecutor`), or — the
/// seam for a cluster — anywhere that can train a run into the shared results folder. The
/// scheduler decides what to train and when; an executor only starts trainings and reports
/// how they ended. Whatever it is, the run's folder is the truth about the run.
public protocol SweepExecutor {
    /// Starts training `task` with `threads` threads and returns at once.
    func start(_ task: SweepTask, threads: Int) throws -> SweepJob
}

/// One training an executor started.
public protocol SweepJob {
    /// Where its output goes, for failure reports.
    var logPath: String { get }
    /// The exit status once the training has ended (128 + signal when a signal ended it), else nil.
    func exitStatusIfEnded() -> Int32?
    /// Asks the training to checkpoint and stop, as Ctrl-C does; a second request stops it at once.
    func interrupt()
}

/// One run a sweep has decided to train, and how.
public struct SweepTask: Sendable {
    /// 1-based place of the run in the sweep (its `[n/N]` counter).
    public var number: Int
    public var run: SweepRun
    public var folder: RunFolder
    /// Continue the interrupted run in the folder.
    public var resume: Bool
    /// A diverged or failed attempt is in the folder: `kplab run` must be told to replace it.
    public var overwrite: Bool
}
