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
    /// Folders that could not be read: why, and their files' stamp then; tried again when it changes.
    private var problems: [String: (reason: String, stamp: Stamp)] = [:]
    public var unreadable: [String: String] { lock.withLock { problems.mapValues(\.reason) } }
    /// Folders holding a sweep's list of runs (`.sweep`) or Slurm submissions (`.slurm`): results
    /// folders, whether served themselves or found inside a served one.
    private var sweepFolders: Set<String> = []
    public var resultsFoldersWithSweeps: [String] { lock.withLock { sweepFolders.sorted() } }

    public init(served: ServedFolders) {
        self.served = served
        let found = scan()
        // Reading thousands of records and configs is the start-up's whole cost: use every core.
        var read = [Result<(entry: Entry, rows: [MetricsLog.Row]), UserError>?](repeating: nil, count: found.count)
        read.withUnsafeMutableBufferPointer { buffer in
            let results = buffer
            DispatchQueue.concurrentPerform(iterations: found.count) { index in
                results[index] = Self.entry(found[index].id, found[index].folder, served: served, withMetrics: false)
            }
        }
        for (item, result) in zip(found, read) {
            record(result!, for: item)
        }
    }

    /// Files a read's outcome: the entry; or, when it failed, the folder as unreadable (a run
    /// already shown keeps its last summary) until its files change again.
    private func record(_ result: Result<(entry: Entry, rows: [MetricsLog.Row]), UserError>,
                        for item: (id: String, folder: RunFolder)) {
        lock.withLock {
            idsByPath[item.folder.path] = item.id
            switch result {
            case .success(let read):
                entries[item.id] = read.entry
                problems[item.folder.path] = nil
            case .failure where entries[item.id] != nil:
                entries[item.id]!.stamp = Stamp(item.folder)
            case .failure(let error):
                problems[item.folder.path] = ("\(error)", Stamp(item.folder))
            }
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

    /// The entry of the run folder at `path`, spelled as the index found it (a results
    /// folder of `resultsFoldersWithSweeps`, "/", experiment, "/", run-id).
    public func entry(atPath path: String) -> Entry? {
        lock.withLock { idsByPath[path].flatMap { entries[$0] } }
    }

    /// Looks for new run folders and re-reads the runs whose files changed: new and changed
    /// runs go into the index (and the changes returned), unreadable folders are tried again
    /// once their files change.
    public func refresh() -> [Change] {
        let (known, knownPaths, failed) = lock.withLock { (entries, idsByPath, problems) }
        var changes: [Change] = []
        for item in scan(skipping: knownPaths) {
            let result = Self.entry(item.id, item.folder, served: served, withMetrics: true)
            if case .success(let read) = result { changes.append(.added(read.entry)) }
            record(result, for: item)
        }
        // Finished runs rarely change (a run trained again with --overwrite): every fifth look.
        refreshes += 1
        let looksAtFinished = refreshes % 5 == 0
        for (id, old) in known where (looksAtFinished || !old.run.record.status.isFinished) && Stamp(old.folder) != old.stamp {
            if !FileManager.default.fileExists(atPath: old.folder.record) {
                changes.append(.removed(id: id))
                continue
            }
            let result = Self.entry(id, old.folder, served: served, withMetrics: true)
            if case .success(let fresh) = result { changes.append(.updated(fresh.entry, newRows: fresh.rows.filter { $0.epoch > old.epochs })) }
            record(result, for: (id, old.folder))
        }
        // A folder that failed (a run.json being written, a file too large) once its files change.
        for (path, problem) in failed where Stamp(RunFolder(path: path)) != problem.stamp {
            guard let id = knownPaths[path] else { continue }
            let result = Self.entry(id, RunFolder(path: path), served: served, withMetrics: true)
            if case .success(let read) = result { changes.append(.added(read.entry)) }
            record(result, for: (id, RunFolder(path: path)))
        }
        guard !changes.isEmpty else { return [] }
        lock.withLock {
            for case .removed(let id) in changes {
                // Forgotten, so that a run trained into the same folder later is found again.
                if let path = entries[id]?.folder.path { idsByPath[path] = nil }
                entries[id] = nil
            }
            changesSeen += 1
        }
        return changes
    }

    /// The run's epochs, read now from its `metrics.csv` (inside the served folders only).
    public func readRows(of folder: RunFolder) throws -> [MetricsLog.Row] {
        guard served.isReadable(folder.metrics) else { return [] }
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
                guard visited.insert(ServedFolders.realPath(folder)).inserted, served.contains(folder) else { return }
                if !relative.isEmpty, FileManager.default.fileExists(atPath: folder + "/run.json") {
                    found.append((prefix + relative, RunFolder(path: folder)))
                    return
                }
                let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
                if names.contains(".sweep") || names.contains(".slurm") { lock.withLock { _ = sweepFolders.insert(folder) } }
                for name in names.sorted() where !name.hasPrefix(".") {
                    let child = folder + "/" + name
                    // Known run folders are not looked at again (thousands of them, every second).
                    guard known[child] == nil else { continue }
                    var isFolder: ObjCBool = false
                    guard FileManager.default.fileExists(atPath: child, isDirectory: &isFolder), isFolder.boolValue else { continue }
                    walk(child, relative.isEmpty ? name : relative + "/" + name)
                }
            }
            let trimmed = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
            if FileManager.default.fileExists(atPath: trimmed + "/run.json") {
                // A run folder served on its own.
                if known[trimmed] == nil { found.append((prefix + PathText.name(of: trimmed), RunFolder(path: trimmed))) }
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
