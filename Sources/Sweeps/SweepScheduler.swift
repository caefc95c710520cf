import Experiments
import Foundation
import Results

/// How a sweep runs its trainings.
public struct SweepOptions: Sendable {
    /// The results folder every run writes into (`--out`).
    public var results: String
    /// How many trainings run at once (`--jobs`).
    public var jobs: Int
    /// The cores to divide between them (`--threads`, default: the machine's).
    public var cores: Int
    /// Stop at the first failure: no new runs start and running ones are interrupted (resumable).
    public var failFast: Bool
    /// The program run once per training as `WORKER run FILE --out RESULTS --threads N --quiet
    /// [--resume]`: kplab itself, or a stand-in in tests.
    public var worker: String

    public init(results: String, jobs: Int = 1, cores: Int, failFast: Bool = false, worker: String) {
        self.results = results
        self.jobs = max(1, jobs)
        self.cores = max(1, cores)
        self.failFast = failFast
        self.worker = worker
    }
}

/// What happened to each run of a sweep.
public struct SweepOutcome: Sendable {
    public struct Failure: Sendable {
        public var runID: String
        public var origin: String
        public var exitStatus: Int32
        /// `run.json`'s status after the attempt (`diverged`, `failed` …), when there is one.
        public var recordedStatus: String?
        public var logPath: String
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
}

/// Runs a sweep's trainings as child processes, `jobs` at a time, each with
/// max(1, cores / min(jobs, runs to train)) threads so the machine is never oversubscribed.
///
/// Before anything starts each run's folder is consulted (`RunFolder.State`): finished runs
/// are skipped, interrupted ones resumed (`--resume`), runs another process holds the lock of
/// are left to it. One line is printed per finished run; a failure also prints the last lines
/// of its log at once, and the others carry on unless `failFast`.
public struct SweepScheduler {
    public var options: SweepOptions
    /// Standard output: one line per run.
    public var report: (String) -> Void
    /// Standard error: failures, as they happen.
    public var problem: (String) -> Void
    /// How many interrupt requests have arrived (Ctrl-C); each new one is forwarded to the children.
    public var interruptions: () -> Int

    public init(options: SweepOptions, report: @escaping (String) -> Void, problem: @escaping (String) -> Void,
                interruptions: @escaping () -> Int = { SweepSignals.count }) {
        self.options = options
        self.report = report
        self.problem = problem
        self.interruptions = interruptions
    }

    private struct Pending {
        var number: Int
        var run: SweepRun
        var folder: RunFolder
        var resume: Bool
        /// A diverged or failed attempt is in the folder: `kplab run` must be told to replace it.
        var overwrite = false
    }

    private struct Running {
        var pending: Pending
        var child: ChildProcess
        var started: Date
    }

    /// Runs `runs` (already sharded) and returns what happened; never throws for a failed
    /// training, only reports it.
    public func run(_ runs: [SweepRun]) -> SweepOutcome {
        var outcome = SweepOutcome()
        let total = runs.count
        var done = 0
        func line(_ number: Int, _ verb: String, _ run: SweepRun, _ detail: String) {
            let width = String(total).count
            let counter = String(repeating: " ", count: width - String(number).count) + "\(number)"
            let settings = run.settings.isEmpty ? run.origin : run.settings.joined(separator: " ")
            report("[\(counter)/\(total)] \(verb.padding(toLength: 13, withPad: " ", startingAt: 0)) \(run.runID)  \(settings)\(detail)")
        }

        var queue: [Pending] = []
        for (index, run) in runs.enumerated() {
            let folder = RunFolder(results: options.results, experiment: run.experiment.name, runID: run.runID)
            switch folder.state {
            case .finished(let status):
                done += 1
                outcome.skipped.append(run.runID)
                line(done, "skipped", run, "  (already \(status))")
            case .busy:
                done += 1
                outcome.skipped.append(run.runID)
                line(done, "skipped", run, "  (another process is training it now)")
            case .resumable:
                queue.append(Pending(number: index + 1, run: run, folder: folder, resume: true))
            case .fresh(let previous):
                queue.append(Pending(number: index + 1, run: run, folder: folder, resume: false, overwrite: previous != nil))
            }
        }
        let jobs = min(options.jobs, max(1, queue.count))
        let threads = max(1, options.cores / jobs)

        var running: [Running] = []
        var stopping = false, stopOthers = false, forwarded = interruptions()
        queue.reverse()  // popLast takes them in order
        while true {
            while !stopping, running.count < jobs, let next = queue.popLast() {
                do {
                    running.append(Running(pending: next, child: try start(next, threads: threads), started: Date()))
                } catch {
                    done += 1
                    outcome.failed.append(.init(runID: next.run.runID, origin: next.run.origin, exitStatus: -1,
                                                recordedStatus: nil, logPath: next.folder.sweepLog))
                    line(done, "FAILED", next.run, "  (\(error))")
                    problem("\(next.run.origin): \(next.run.runID) could not start: \(error)")
                    if options.failFast { stopping = true }
                }
            }
            if running.isEmpty { break }

            let requested = interruptions()
            if requested > forwarded {
                // Forward each Ctrl-C once: the first asks the children to checkpoint and stop,
                // a second one (as with `kplab run` alone) makes them exit at once.
                forwarded = requested
                stopping = true
                outcome.wasInterrupted = true
                running.forEach { $0.child.send(SIGINT) }
            }

            var stillRunning: [Running] = []
            for entry in running {
                guard let status = entry.child.exitStatusIfEnded() else {
                    stillRunning.append(entry)
                    continue
                }
                done += 1
                let run = entry.pending.run, folder = entry.pending.folder
                let recorded = folder.recordedStatus
                let seconds = String(format: "%.1f s", Date().timeIntervalSince(entry.started))
                if status == 0 {
                    outcome.finished.append(run.runID)
                    line(done, recorded ?? "completed", run, "  \(seconds)")
                } else if stopping && (recorded == "interrupted" || status == 128 + SIGINT || status == 130) {
                    outcome.interrupted.append(run.runID)
                    line(done, "interrupted", run, "  \(seconds) (resumes when the sweep is run again)")
                } else {
                    outcome.failed.append(.init(runID: run.runID, origin: run.origin, exitStatus: status,
                                                recordedStatus: recorded, logPath: folder.sweepLog))
                    line(done, "FAILED", run, "  \(seconds) exit \(status)\(recorded.map { " (\($0))" } ?? "")")
                    var message = "\(run.origin): \(run.runID) failed with exit status \(status)"
                        + "\(recorded.map { ", status \($0)" } ?? ""); last lines of \(folder.sweepLog):"
                    for logLine in folder.lastLogLines(5) { message += "\n    " + logLine }
                    problem(message)
                    if options.failFast && !stopping {
                        stopping = true
                        stopOthers = true
                    }
                }
            }
            running = stillRunning
            if stopOthers {
                // Interrupted rather than killed, so they keep their checkpoints and resume later.
                running.forEach { $0.child.send(SIGINT) }
                stopOthers = false
            }
            if !running.isEmpty { usleep(20_000) }
        }
        outcome.notStarted = queue.reversed().map(\.run.runID)
        return outcome
    }

    /// Writes the run's experiment file and log header, then starts `WORKER run …`.
    private func start(_ pending: Pending, threads: Int) throws -> ChildProcess {
        let folder = pending.folder
        let manager = FileManager.default
        try manager.createDirectory(atPath: folder.path, withIntermediateDirectories: true)
        try manager.createDirectory(atPath: (folder.sweepExperiment as NSString).deletingLastPathComponent,
                                    withIntermediateDirectories: true)
        try writeAtomically(pending.run.experiment.canonicalText, to: folder.sweepExperiment)
        var arguments = ["run", folder.sweepExperiment, "--out", options.results, "--threads", "\(threads)", "--quiet"]
        if pending.resume { arguments.append("--resume") }
        if pending.overwrite { arguments.append("--overwrite") }
        let header = "== kplab sweep, \(Date()): \(([options.worker] + arguments).joined(separator: " "))\n"
        guard let log = fopen(folder.sweepLog, "a") else {
            throw UserError("cannot write \(folder.sweepLog): \(String(cString: strerror(errno)))")
        }
        fputs(header, log)
        fclose(log)
        return try ChildProcess(executable: options.worker, arguments: arguments, logPath: folder.sweepLog)
    }
}

extension SweepOutcome {
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
                + "\(failure.recordedStatus.map { ", \($0)" } ?? ""); log: \(failure.logPath)"
        }
        if !interrupted.isEmpty || !notStarted.isEmpty {
            text += "\nrun the same command again to resume the interrupted runs and start the others"
        }
        return text
    }
}
