import Foundation

/// What a previous attempt left in a run's folder, as a sweep sees it: `run.json`, `.lock`
/// (held by `kplab run` while it trains) and the sweep processes' logs.
extension RunFolder {
    public enum State: Equatable, Sendable {
        /// Nothing recorded yet, or a run that ended badly (failed, diverged): train afresh.
        case fresh(previous: RunRecord.Status?)
        /// Completed or early-stopped: nothing to do.
        case finished(status: RunRecord.Status)
        /// Interrupted, or recorded as running with nobody holding its lock (killed hard): resume.
        case resumable(status: RunRecord.Status)
        /// Another process holds the run's lock and is training it now.
        case busy
    }

    /// The output of the trainings that one sweep process started for this run, appended per
    /// attempt: `sweep-<host>-<pid>.log`. Each sweep process keeps its own, so that sweeps on
    /// several machines sharing a results folder never write into one another's log.
    public func sweepLog(process: String = RunFolder.thisProcess) -> String { file("sweep-\(process).log") }

    /// This process as the log names it: `<host>-<pid>`.
    public static let thisProcess: String = {
        var name = [CChar](repeating: 0, count: 256)
        let host = gethostname(&name, name.count) == 0 ? String(cString: name) : "host"
        return "\(host)-\(getpid())"
    }()

    /// The expanded experiment handed to `kplab run`: `RESULTS/.sweep/<name>/<run-id>.yaml`,
    /// outside the run's folder (which belongs to `run`), hidden from `results/<name>/` listings.
    public var sweepExperiment: String {
        let experimentFolder = (path as NSString).deletingLastPathComponent
        let results = (experimentFolder as NSString).deletingLastPathComponent
        let name = (experimentFolder as NSString).lastPathComponent
        return "\(results)/.sweep/\(name)/\((path as NSString).lastPathComponent).yaml"
    }

    /// The `status` of `run.json`, or nil when there is none (or it cannot be read). Only the
    /// status is read, so a record being rewritten or from another version still tells it.
    public var recordedStatus: RunRecord.Status? {
        struct Record: Decodable { var status: RunRecord.Status }
        guard let data = FileManager.default.contents(atPath: record) else { return nil }
        return (try? JSONDecoder().decode(Record.self, from: data))?.status
    }

    public var state: State {
        if isBeingTrained { return .busy }
        switch recordedStatus {
        case let status? where status.isFinished: return .finished(status: status)
        case let status? where status.isUnfinished: return .resumable(status: status)
        case let other: return .fresh(previous: other)
        }
    }

    /// Whether a process holds the lock `kplab run` holds while it trains: a record that says
    /// `running` without it is a run that was killed. (flock is per open file, so this probe
    /// never blocks a run started later: it is released at once.)
    public var isBeingTrained: Bool { isBeingTrained(patience: RunFolder.probePatience) }

    /// `isBeingTrained`, trying for `patience` seconds: another process's probe holds the lock
    /// for a moment only. A reader that asks again soon (`kplab serve`) passes 0.
    public func isBeingTrained(patience: Double) -> Bool {
        let descriptor = open(lock, O_RDONLY)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        if RunFolder.lockPatiently(descriptor, seconds: patience) {
            flock(descriptor, LOCK_UN)
            return false
        }
        return errno == EWOULDBLOCK
    }
}
