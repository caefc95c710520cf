import Results

/// How a sweep runs its trainings.
public struct SweepOptions: Sendable {
    /// How many trainings run at once (`--jobs`).
    public var jobs: Int
    /// The cores to divide between them (`--threads`, default: the machine's).
    public var cores: Int
    /// Stop at the first failure: no new runs start and running ones are interrupted (resumable).
    public var failFast: Bool

    public init(jobs: Int = 1, cores: Int, failFast: Bool = false) {
        self.jobs = max(1, jobs)
        self.cores = max(1, cores)
        self.failFast = failFast
    }
}

/// What happened to each run of a sweep.
public struct SweepOutcome: Sendable {
    public struct Failure: Sendable {
        public var runID: String
        public var origin: String
        public var exitStatus: Int32
        /// `run.json`'s status after the attempt (`diverged`, `failed` …), when there is one.
        public var recordedStatus: RunRecord.Status?
        /// Its training's output; nil when it could not even start.
        public var logPath: String?
    }

    public var finished: [String] = []
    public var skipped: [String] = []
    public var failed: [Failure] = []
    /// Runs stopped by Ctrl-C or --fail-fast, to be resumed by running the sweep again.
    public var interrupted: [String] = []
    public var notStarted: [String] = []
    public var wasInterrupted = false

    /// 0 when every run finished or was skipped, 130 after Ctrl-C, 1 when any run failed.
    public var exitStatus: Int32 {
        if wasInterrupted { return 130 }
        return failed.isEmpty && interrupted.isEmpty && notStarted.isEmpty ? 0 : 1
    }

    /// The end-of-sweep summary: counts, then every failure with its log.
    public var summary: String {
        var parts: [String] = []
        if !finished.isEmpty { parts.append("\(finished.count) finished") }
        if !skipped.isEmpty { parts.append("\(skipped.count) skipped") }
        if !failed.isEmpty { parts.append("\(failed.count) failed") }
        if !interrupted.isEmpty { parts.append("\(interrupted.count) interrupted") }
        if !notStarted.isEmpty { parts.append("\(notStarted.count) not started") }
        let total = finished.count + skipped.count + failed.count + interrupted.count + notStarted.count
        var text = "\(total) run\(total == 1 ? "" : "s"): " + (parts.isEmpty ? "nothing to do" : parts.joined(separator: ", "))
        for failure in failed {
            text += "\nfailed: \(failure.runID) (\(failure.origin)) exit \(failure.exitStatus)"
                + "\(failure.recordedStatus.map { ", \($0.rawValue)" } ?? "")\(failure.logPath.map { "; log: \($0)" } ?? "")"
        }
        if !interrupted.isEmpty || !notStarted.isEmpty {
            text += "\nrun the same command again to resume the interrupted runs and start the others"
        }
        return text
    }
}
