import Experiments
import Foundation
import Results

/// Runs a sweep's trainings through an executor, `jobs` at a time, each with
/// max(1, cores / min(jobs, runs to train)) threads so the machine is never oversubscribed.
///
/// Each run's folder is consulted (`RunFolder.State`) when the sweep starts and again just
/// before the run would start, because other processes — another sweep on the same results
/// folder, a shard on another machine, a `kplab run` — may train the same runs meanwhile:
/// finished runs are skipped, interrupted ones resumed (`--resume`), runs another process
/// holds the lock of are left to it. A training that ends badly while its run is another
/// process's (being trained, or finished, by it) is skipped, not failed. One line is printed
/// per run; a failure also prints the last lines of its log at once, and the others carry on
/// unless `failFast`.
public struct SweepScheduler {
    public var options: SweepOptions
    /// Where the trainings run (`LocalProcessExecutor`: child processes of this one).
    public var executor: SweepExecutor
    /// The results folder every run writes into (`--out`).
    public var results: String
    /// Standard output: one line per run.
    public var report: (String) -> Void
    /// Standard error: failures, as they happen.
    public var problem: (String) -> Void
    /// How many interrupt requests have arrived (Ctrl-C: `kplab sweep` counts its signals);
    /// each new one is forwarded to the running trainings.
    public var interruptions: () -> Int

    public init(options: SweepOptions, executor: SweepExecutor, results: String, report: @escaping (String) -> Void,
                problem: @escaping (String) -> Void, interruptions: @escaping () -> Int) {
        self.options = options
        self.executor = executor
        self.results = results
        self.report = report
        self.problem = problem
        self.interruptions = interruptions
    }

    private struct Running {
        var task: SweepTask
        var job: SweepJob
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

        /// The task for `run` as its folder is now, or why it is skipped.
        func triage(_ number: Int, _ run: SweepRun) -> SweepTask? {
            let folder = RunFolder(results: results, experiment: run.experiment.name, runID: run.runID)
            switch folder.state {
            case .finished(let status):
                done += 1
                outcome.skipped.append(run.runID)
                line(done, "skipped", run, "  (already \(status.rawValue))")
                return nil
            case .busy:
                done += 1
                outcome.skipped.append(run.runID)
                line(done, "skipped", run, "  (another process is training it now)")
                return nil
            case .resumable:
                return SweepTask(number: number, run: run, folder: folder, resume: true, overwrite: false)
            case .fresh(let previous):
                return SweepTask(number: number, run: run, folder: folder, resume: false, overwrite: previous != nil)
            }
        }

        var queue = runs.enumerated().compactMap { triage($0 + 1, $1) }
        let jobs = min(options.jobs, max(1, queue.count))
        let threads = max(1, options.cores / jobs)

        var running: [Running] = []
        /// How long each run this sweep trained to the end took, for the estimate of the time left.
        var trainedSeconds: [Double] = []
        var stopping = false, stopOthers = false, forwarded = interruptions()
        queue.reverse()  // popLast takes them in order
        while true {
            while !stopping, running.count < jobs, let queued = queue.popLast() {
                // Another process may have taken or finished the run since the sweep started.
                guard let next = triage(queued.number, queued.run) else { continue }
                do {
                    running.append(Running(task: next, job: try executor.start(next, threads: threads), started: Date()))
                } catch {
                    done += 1
                    outcome.failed.append(.init(runID: next.run.runID, origin: next.run.origin, exitStatus: -1,
                                                recordedStatus: nil, logPath: nil))
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
                running.forEach { $0.job.interrupt() }
            }

            var stillRunning: [Running] = []
            for entry in running {
                guard let status = entry.job.exitStatusIfEnded() else {
                    stillRunning.append(entry)
                    continue
                }
                done += 1
                let run = entry.task.run, folder = entry.task.folder
                let recorded = folder.recordedStatus
                let seconds = String(format: "%.1f s", Date().timeIntervalSince(entry.started))
                if status == 0 {
                    outcome.finished.append(run.runID)
                    trainedSeconds.append(Date().timeIntervalSince(entry.started))
                    let best = (try? RunRecord.read(from: folder.record))?.bestValidationRMSEPixels
                        .map { "  best \(String(format: "%.3f", $0)) px" } ?? ""
                    let left = queue.count + running.count - 1
                    line(done, (recorded ?? .completed).rawValue, run, "  \(seconds)\(best)"
                         + Self.timeLeft(runs: left, durations: trainedSeconds, jobs: jobs))
                } else if stopping && (recorded == .interrupted || status == 128 + SIGINT || status == 130) {
                    outcome.interrupted.append(run.runID)
                    line(done, "interrupted", run, "  \(seconds) (resumes when the sweep is run again)")
                } else if let owner = Self.anotherProcessOwns(folder) {
                    // `kplab run` found the folder locked, or finished by someone else: not ours to fail.
                    outcome.skipped.append(run.runID)
                    line(done, "skipped", run, "  (\(owner))")
                } else {
                    let log = entry.job.logPath
                    outcome.failed.append(.init(runID: run.runID, origin: run.origin, exitStatus: status,
                                                recordedStatus: recorded, logPath: log))
                    line(done, "FAILED", run, "  \(seconds) exit \(status)\(recorded.map { " (\($0.rawValue))" } ?? "")")
                    var message = "\(run.origin): \(run.runID) failed with exit status \(status)"
                        + "\(recorded.map { ", status \($0.rawValue)" } ?? ""); last lines of \(log):"
                    for logLine in lastLines(of: log, count: 5) { message += "\n    " + logLine }
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
                running.forEach { $0.job.interrupt() }
                stopOthers = false
            }
            if !running.isEmpty { usleep(20_000) }
        }
        outcome.notStarted = queue.reversed().map(\.run.runID)
        return outcome
    }

    /// "  about 3 min left": `runs` still to train (queued or running), at the mean of the
    /// `durations` so far, `jobs` at a time; nothing when no run is left.
    static func timeLeft(runs: Int, durations: [Double], jobs: Int) -> String {
        guard runs > 0, !durations.isEmpty else { return "" }
        let seconds = durations.reduce(0, +) / Double(durations.count) * Double(runs) / Double(max(1, jobs))
        let text = seconds < 90 ? "\(Int(seconds.rounded(.up))) s" : seconds < 5400 ? "\(Int((seconds / 60).rounded())) min"
            : String(format: "%.1f h", seconds / 3600)
        return "  (about \(text) left)"
    }

    /// Why a run whose training ended badly belongs to another process, or nil when it is ours:
    /// `kplab run` exits with success when it finishes a run itself, so a finished run after a
    /// failed exit was finished by someone else.
    static func anotherProcessOwns(_ folder: RunFolder) -> String? {
        switch folder.state {
        case .busy: return "another process is training it now"
        case .finished(let status): return "\(status.rawValue) by another process"
        case .fresh, .resumable: return nil
        }
    }
}

/// The last `count` non-empty lines of a log, for failure reports ([] when it cannot be read).
func lastLines(of path: String, count: Int) -> [String] {
    guard let text = String(contentsOfFileAtPath: path) else { return [] }
    return Array(text.split(whereSeparator: \.isNewline).suffix(count).map(String.init))
}
