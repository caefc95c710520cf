import Experiments
import Foundation
import Results

/// Every run of a sweep as it stands, from its folder and — for runs submitted to Slurm — from
/// what the queue says of its array task: `kplab sweep … --status`, and what `--resubmit` sends
/// again.
public struct SweepStatus {
    public enum State: String, Sendable {
        /// Completed or early-stopped: nothing to do.
        case completed
        /// Being trained now (its lock is held, or its task runs).
        case running
        /// Waiting: its task is queued, or it was never started anywhere.
        case pending
        /// Stopped with a checkpoint; resumes when trained again.
        case interrupted
        /// Failed or diverged: its log says why.
        case failed
        /// Its Slurm task ended without a result for it (killed, out of time, node lost).
        case lost
    }

    public struct Row: Sendable {
        public var run: SweepRun
        public var state: State
        /// Where, why and what next, in words.
        public var detail: String
        /// For a failed run: the last lines of its log.
        public var logLines: [String] = []
        /// Whether `--resubmit` sends it again: not finished, and neither trained nor queued
        /// anywhere that can be seen.
        public var resubmit: Bool
    }

    public var rows: [Row]
    /// What the queue information came from, in words.
    public var queueNote: String

    /// - Parameters:
    ///   - submissions: the sweep's results folder's Slurm submissions, oldest first: a run's
    ///     latest submission is the one whose task is asked about.
    public init(runs: [SweepRun], results: String, submissions: [SlurmSubmission], queue: SlurmQueue) {
        var latest: [String: (SlurmSubmission, SlurmSubmission.Entry)] = [:]
        // A --dry-run wrote a script but submitted nothing: it must not hide a real submission.
        for submission in submissions where submission.jobID != nil {
            for entry in submission.runs { latest[entry.runID] = (submission, entry) }
        }
        let submitted = !latest.isEmpty
        rows = runs.map { run in
            let folder = RunFolder(results: results, experiment: run.experiment.name, runID: run.runID)
            let task = latest[run.runID].flatMap { $0.0.taskID(of: $0.1) }
            return Self.row(run, folder: folder, task: task, taskState: task.flatMap { queue.tasks[$0] },
                            queueKnown: !queue.sources.isEmpty)
        }
        if !submitted {
            queueNote = "no Slurm job submitted from \(results) (kplab sweep … --slurm)"
        } else if queue.sources.isEmpty {
            queueNote = "squeue and sacct are not on the PATH (or did not answer): from the run folders alone"
        } else {
            queueNote = "from the run folders and \(queue.sources.joined(separator: " and "))"
        }
    }

    static func row(_ run: SweepRun, folder: RunFolder, task: String?, taskState: SlurmQueue.TaskState?,
                    queueKnown: Bool) -> Row {
        let job = task.map { " (task \($0))" } ?? ""
        var queued: (State, String)? {
            switch taskState {
            case .pending(let reason)?: return (.pending, "queued\(job), \(reason)")
            case .running(let node)?: return (.running, "on \(node)\(job)")
            case .ended, nil: return nil
            }
        }
        var ended: String? {
            if case .ended(let state, let exit)? = taskState { return "task \(task ?? "?") ended \(state), exit \(exit)" }
            return nil
        }
        switch folder.state {
        case .finished(let status):
            return Row(run: run, state: .completed, detail: status == .completed ? "" : status.rawValue, resubmit: false)
        case .busy:
            return Row(run: run, state: .running, detail: queued?.1 ?? "its lock is held\(job)", resubmit: false)
        case .resumable(let status):
            if let (state, detail) = queued {
                return Row(run: run, state: state, detail: "\(detail); resumes there", resubmit: false)
            }
            if status == .running {
                // Recorded as running, yet nobody trains it: killed.
                return Row(run: run, state: .lost, detail: (ended ?? "killed") + "; resumes from its checkpoint", resubmit: true)
            }
            let epochs = (try? RunRecord.read(from: folder.record)).map { "after \($0.epochsRun) epochs" } ?? ""
            return Row(run: run, state: .interrupted, detail: [epochs, ended].compactMap { $0 }.filter { !$0.isEmpty }
                .joined(separator: "; "), resubmit: true)
        case .fresh(let previous?):
            let record = try? RunRecord.read(from: folder.record)
            return Row(run: run, state: .failed, detail: "\(previous.rawValue)\(record?.statusDetail.map { ": \($0)" } ?? "")",
                       logLines: Self.lastLogLines(folder), resubmit: true)
        case .fresh(nil):
            if let (state, detail) = queued { return Row(run: run, state: state, detail: detail, resubmit: false) }
            if let ended { return Row(run: run, state: .lost, detail: ended + " without a result", resubmit: true) }
            if task == nil { return Row(run: run, state: .pending, detail: "not started (never submitted)", resubmit: true) }
            if queueKnown { return Row(run: run, state: .lost, detail: "not started; Slurm knows nothing of\(job)", resubmit: true) }
            return Row(run: run, state: .pending, detail: "not started, or its task is queued\(job): the queue cannot be asked",
                       resubmit: false)
        }
    }

    /// The last lines of the newest log in a run's folder (a sweep's `sweep-*.log`).
    static func lastLogLines(_ folder: RunFolder) -> [String] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter {
            $0.hasPrefix("sweep-") && $0.hasSuffix(".log")
        }
        let newest = names.max { a, b in
            let date = { (name: String) in
                (try? FileManager.default.attributesOfItem(atPath: folder.file(name))[.modificationDate] as? Date) ?? .distantPast
            }
            return date(a) < date(b)
        }
        return newest.map { lastLines(of: folder.file($0), count: 5) } ?? []
    }

    /// The runs `--resubmit` sends again: neither completed nor running nor queued.
    public var runsToSubmit: [SweepRun] { rows.filter(\.resubmit).map(\.run) }

    /// One line per run, failures with their log's last lines, then the counts.
    public var text: String {
        let width = rows.map(\.run.runID.count).max() ?? 0
        var lines: [String] = []
        for row in rows {
            let settings = row.run.settings.isEmpty ? row.run.origin : row.run.settings.joined(separator: " ")
            lines.append(row.run.runID.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                         + row.state.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0) + "  " + settings
                         + (row.detail.isEmpty ? "" : "  (\(row.detail))"))
            lines += row.logLines.map { "      " + $0 }
        }
        let counts = [State.completed, .running, .pending, .interrupted, .failed, .lost].compactMap { state -> String? in
            let count = rows.filter { $0.state == state }.count
            return count == 0 ? nil : "\(count) \(state.rawValue)"
        }
        lines.append("\(rows.count) run\(rows.count == 1 ? "" : "s"): " + counts.joined(separator: ", ") + "; " + queueNote)
        return lines.joined(separator: "\n")
    }
}
