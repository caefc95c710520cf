import Foundation

/// What a previous attempt left in a run's folder, as a sweep sees it: `run.json`, `.lock`
/// (held by `kplab run` while it trains) and `sweep.log`.
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

    /// The child's standard output and error, appended per attempt.
    public var sweepLog: String { file("sweep.log") }

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
        if isLockedByAnotherProcess { return .busy }
        switch recordedStatus {
        case let status? where status.isFinished: return .finished(status: status)
        case let status? where status.isUnfinished: return .resumable(status: status)
        case let other: return .fresh(previous: other)
        }
    }

    /// Tries the lock `kplab run` holds while training (flock is per open file, so our own
    /// probe never blocks a run we start later: it is released at once).
    private var isLockedByAnotherProcess: Bool {
        let descriptor = open(lock, O_RDWR)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        if flock(descriptor, LOCK_EX | LOCK_NB) == 0 {
            flock(descriptor, LOCK_UN)
            return false
        }
        return errno == EWOULDBLOCK
    }

    /// The last `count` non-empty lines of the log, for failure reports.
    public func lastLogLines(_ count: Int) -> [String] {
        guard let text = String(contentsOfFileAtPath: sweepLog) else { return [] }
        return Array(text.split(whereSeparator: \.isNewline).suffix(count).map(String.init))
    }
}
