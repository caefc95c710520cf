import Foundation

/// What Slurm says of a sweep's array tasks: `squeue` for those waiting or running, `sacct` for
/// those that ended. Either tool may be missing (a login node without accounting, a laptop
/// looking at a copied results folder): the queue is then simply unknown.
public struct SlurmQueue: Sendable {
    public enum TaskState: Equatable, Sendable {
        case pending(reason: String)
        case running(node: String)
        /// Ended, in sacct's words (COMPLETED, FAILED, TIMEOUT, CANCELLED, PREEMPTED, …).
        case ended(state: String, exitCode: String)
    }

    /// By array task id, `<job>_<task>`.
    public var tasks: [String: TaskState]
    /// Which tools answered: "squeue", "sacct".
    public var sources: [String]

    public init(tasks: [String: TaskState] = [:], sources: [String] = []) {
        self.tasks = tasks
        self.sources = sources
    }

    /// Asks `squeue` and `sacct` (when on the PATH) about the array jobs `jobIDs`.
    public static func query(jobIDs: [String]) -> SlurmQueue {
        var queue = SlurmQueue()
        guard !jobIDs.isEmpty else { return queue }
        let list = jobIDs.joined(separator: ",")
        if isOnPath("sacct"), let output = try? runTool("sacct", ["-n", "-P", "-X", "-j", list, "-o", "JobID,State,NodeList,ExitCode"]),
           output.status == 0 {
            queue.sources.append("sacct")
            queue.tasks.merge(parseSacct(output.text)) { _, new in new }
        }
        // squeue last: what is queued or running now wins over accounting that may lag.
        if isOnPath("squeue"), let output = try? runTool("squeue", ["-h", "-r", "-j", list, "-o", "%i|%T|%N|%r"]),
           output.status == 0 {
            queue.sources.append("squeue")
            queue.tasks.merge(parseSqueue(output.text)) { _, new in new }
        }
        return queue
    }

    /// `squeue -h -r -o "%i|%T|%N|%r"` lines: `12_3|RUNNING|node1|None`.
    static func parseSqueue(_ text: String) -> [String: TaskState] {
        var tasks: [String: TaskState] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let fields = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 3 else { continue }
            let state: TaskState
            switch fields[1] {
            case "RUNNING", "COMPLETING", "CONFIGURING", "STOPPED", "SUSPENDED":
                state = .running(node: fields[2])
            default:
                state = .pending(reason: fields.count > 3 ? fields[3] : fields[1])
            }
            for id in expandArrayIDs(fields[0]) { tasks[id] = state }
        }
        return tasks
    }

    /// `sacct -n -P -X -o JobID,State,NodeList,ExitCode` lines: `12_3|COMPLETED|node1|0:0`, or
    /// `12_[4-6]|PENDING|None assigned|0:0` for tasks not started.
    static func parseSacct(_ text: String) -> [String: TaskState] {
        var tasks: [String: TaskState] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let fields = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 4 else { continue }
            // "CANCELLED by 0" → CANCELLED.
            let name = String(fields[1].split(separator: " ").first ?? "")
            let state: TaskState
            switch name {
            case "PENDING", "REQUEUED": state = .pending(reason: name)
            case "RUNNING", "COMPLETING", "SUSPENDED": state = .running(node: fields[2])
            default: state = .ended(state: name, exitCode: fields[3])
            }
            for id in expandArrayIDs(fields[0]) { tasks[id] = state }
        }
        return tasks
    }

    /// `12_3` → [12_3]; `12_[4-6,9]` or `12_[4-6%2]` → [12_4, 12_5, 12_6, 12_9]; a plain job id → itself.
    static func expandArrayIDs(_ text: String) -> [String] {
        guard let open = text.firstIndex(of: "["), let close = text.firstIndex(of: "]"), open < close else { return [text] }
        let prefix = text[..<open]
        var ids: [String] = []
        let inside = text[text.index(after: open) ..< close].split(separator: "%")[0]
        for part in inside.split(separator: ",") {
            let bounds = part.split(separator: "-").compactMap { Int($0) }
            if bounds.count == 2, bounds[0] <= bounds[1], bounds[1] - bounds[0] < 1_000_000 {
                ids += (bounds[0] ... bounds[1]).map { "\(prefix)\($0)" }
            } else if bounds.count == 1 {
                ids.append("\(prefix)\(bounds[0])")
            }
        }
        return ids
    }
}
