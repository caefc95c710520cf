import Foundation
import Reports
import Results

/// Every run under the served folders, as summaries (no curves): built once at start-up,
/// then brought up to date by `refresh()`, which looks only at what changed — a run folder
/// that appeared, a `run.json` or `metrics.csv` whose size or time changed. Curves are read
/// from `metrics.csv` when a page asks for them, so memory grows with the number of runs,
/// not with their epochs.
public final class RunIndex: @unchecked Sendable {
    /// One run as the index holds it.
    public struct Entry: Sendable {
        /// How pages and URLs name it: the folder below its results folder (`demo/demo-1a2b3c4d`),
        /// after the results folder's number when several are served (`1:demo/demo-1a2b3c4d`).
        public var id: String
        public var folder: RunFolder
        public var run: ComparedRun
        /// Epochs in `metrics.csv` when last read: the live feed sends the ones after it.
        public var epochs: Int
        var stamp: Stamp
    }

    /// What says a run changed: the sizes and times of its record and metrics.
    struct Stamp: Equatable {
        var record: FileStamp?
        var metrics: FileStamp?

        init(_ folder: RunFolder) {
            record = FileStamp(folder.record)
            metrics = FileStamp(folder.metrics)
        }
    }

    /// What `refresh()` found, for the live feed.
    public enum Change: Sendable {
        /// A run folder appeared.
        case added(Entry)
        /// A run's record or metrics changed; `newRows` are the epochs it did not have before.
        case updated(Entry, newRows: [MetricsLog.Row])
        /// A run folder that was deleted (its run.json is gone).
        case removed(id: String)
    }

    public let served: ServedFolders
    private let lock = NSLock()
    private var entries: [String: Entry] = [:]
    /// Folder path → id, to recognise known folders while scanning.
    private var idsByPath: [String: String] = [:]
    /// Bumped by every change: the table is rebuilt only when it moved.
    private var changesSeen = 0
    private var refreshes = 0
    public var generation: Int { lock.withLock { changesSeen } }
    /// Folders that could not be read, with why; tried again at every refresh.
    private var problems: [String: String] = [:]
    public var unreadable: [String: String] { lock.withLock { problems } }

    public init(served: ServedFolders) {
        self.served = served
        let found = scan()
        var read = [Entry?](repeating: nil, count: found.count)
        var problems = [String?](repeating: nil, count: found.count)
        // Reading thousands of records and configs is the start-up's whole cost: use every core.
        let chunk = max(1, found.count / (4 * ProcessInfo.processInfo.activeProcessorCount) + 1)
        let chunks = (found.count + chunk - 1) / chunk
        read.withUnsafeMutableBufferPointer { readBuffer in
            problems.withUnsafeMutableBufferPointer { problemBuffer in
                let reads = readBuffer, issues = problemBuffer
                DispatchQueue.concurrentPerform(iterations: chunks) { part in
                    for index in part * chunk ..< min(found.count, (part + 1) * chunk) {
                        switch Self.entry(found[index].id, found[index].folder, served: served, withMetrics: false) {
                        case .success(let read): reads[index] = read.entry
                        case .failure(let error): issues[index] = "\(error)"
                        }
                    }
                }
            }
        }
        for (index, item) in found.enumerated() {
            if let entry = read[index] {
                entries[entry.id] = entry
            } else if let problem = problems[index] {
                self.problems[item.folder.path] = problem
            }
            idsByPath[item.folder.path] = item.id
        }
    }

    /// Every entry, in id order.
    public var all: [Entry] {
        lock.withLock { entries.values.sorted { $0.id < $1.id } }
    }

    public var count: Int { lock.withLock { entries.count } }

    public func entry(_ id: String) -> Entry? {
        lock.withLock { entries[id] }
    }

    /// Looks for new run folders and re-reads the runs whose files changed.
    public func refresh() -> [Change] {
        let known = lock.withLock { entries }
        let knownPaths = lock.withLock { idsByPath }
        var changes: [Change] = []
        for item in scan(skipping: knownPaths) {
            switch Self.entry(item.id, item.folder, served: served, withMetrics: true) {
            case .success(let read): changes.append(.added(read.entry))
            case .failure(let error): lock.withLock { problems[item.folder.path] = "\(error)" }
            }
            lock.withLock { idsByPath[item.folder.path] = item.id }
        }
        // Finished runs rarely change (a run trained again with --overwrite): every fifth look.
        refreshes += 1
        let looksAtFinished = refreshes % 5 == 0
        for (id, old) in known where (looksAtFinished || !old.run.record.status.isFinished) && Stamp(old.folder) != old.stamp {
            if !FileManager.default.fileExists(atPath: old.folder.record) {
                changes.append(.removed(id: id))
                continue
            }
            guard case .success(let fresh) = Self.entry(id, old.folder, served: served, withMetrics: true) else { continue }
            changes.append(.updated(fresh.entry, newRows: fresh.rows.filter { $0.epoch > old.epochs }))
        }
        // Folders that failed once are tried again when they change (a run.json being written).
        for (path, _) in lock.withLock({ problems }) {
            guard let id = lock.withLock({ idsByPath[path] }), lock.withLock({ entries[id] }) == nil else { continue }
            if case .success(let read) = Self.entry(id, RunFolder(path: path), served: served, withMetrics: true) {
                changes.append(.added(read.entry))
                lock.withLock { problems[path] = nil }
            }
        }
        guard !changes.isEmpty else { return [] }
        lock.withLock {
            for change in changes {
                switch change {
                case .added(let entry), .updated(let entry, _): entries[entry.id] = entry
                case .removed(let id):
                    // Forgotten, so that a run trained into the same folder later is found again.
                    if let path = entries[id]?.folder.path { idsByPath[path] = nil }
                    entries[id] = nil
                }
            }
            changesSeen += 1
        }
        return changes
    }

    /// The run's epochs, read now from its `metrics.csv` (inside the served folders only).
    public func readRows(of folder: RunFolder) throws -> [MetricsLog.Row] {
        guard served.contains(folder.metrics), served.refusal(folder.metrics) == nil else { return [] }
        return try MetricsLog.read(path: folder.metrics)
    }

    // MARK: - Finding and reading run folders

    /// Run folders under the served folders that `skipping` does not hold, with their ids. A
    /// known run folder is not looked into; hidden folders (`.sweep`, `.slurm`) and folders
    /// that lead outside the served ones are not searched.
    private func scan(skipping known: [String: String] = [:]) -> [(id: String, folder: RunFolder)] {
        var found: [(String, RunFolder)] = []
        for (number, root) in served.paths.enumerated() {
            let prefix = served.paths.count > 1 ? "\(number):" : ""
            var visited: Set<String> = []
            func walk(_ folder: String, _ relative: String) {
                guard known[folder] == nil, visited.insert(ServedFolders.realPath(folder)).inserted,
                      served.contains(folder) else { return }
                if !relative.isEmpty, FileManager.default.fileExists(atPath: folder + "/run.json") {
                    found.append((prefix + relative, RunFolder(path: folder)))
                    return
                }
                let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
                for name in names.sorted() where !name.hasPrefix(".") {
                    let child = folder + "/" + name
                    var isFolder: ObjCBool = false
                    guard FileManager.default.fileExists(atPath: child, isDirectory: &isFolder), isFolder.boolValue else { continue }
                    walk(child, relative.isEmpty ? name : relative + "/" + name)
                }
            }
            let trimmed = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
            if FileManager.default.fileExists(atPath: trimmed + "/run.json") {
                // A run folder served on its own.
                found.append((prefix + PathText.name(of: trimmed), RunFolder(path: trimmed)))
            } else {
                walk(trimmed, "")
            }
        }
        return found
    }

    /// Reads one run's summary, and the rows of its `metrics.csv` when they were read.
    /// `withMetrics`: read them even for a finished run (whose record has the summary).
    private static func entry(_ id: String, _ folder: RunFolder, served: ServedFolders,
                              withMetrics: Bool) -> Result<(entry: Entry, rows: [MetricsLog.Row]), UserError> {
        for file in [folder.record, folder.config, folder.metrics] where FileManager.default.fileExists(atPath: file) {
            guard served.contains(file) else { return .failure(UserError("\(file) leads outside the served folders")) }
            if let refusal = served.refusal(file) { return .failure(UserError(refusal)) }
        }
        do {
            // Stamped first: a change while reading is seen by the next refresh.
            let stamp = Stamp(folder)
            let (run, _) = try ComparedRun.read(folder, metricsOfFinishedRuns: withMetrics, lockPatience: 0)
            let epochs = run.rows.last?.epoch ?? run.record.epochsRun
            return .success((Entry(id: id, folder: folder, run: run.withoutCurves(), epochs: epochs, stamp: stamp), run.rows))
        } catch let error as UserError {
            return .failure(error)
        } catch {
            return .failure(UserError("\(folder.path): \(error)"))
        }
    }
}

/// A file's size and modification time, to notice that it changed without reading it.
struct FileStamp: Equatable {
    var size: Int64
    var modified: timespec

    init?(_ path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        size = Int64(info.st_size)
        modified = info.st_mtim
    }

    static func == (a: FileStamp, b: FileStamp) -> Bool {
        a.size == b.size && a.modified.tv_sec == b.modified.tv_sec && a.modified.tv_nsec == b.modified.tv_nsec
    }
}
