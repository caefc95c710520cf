import Foundation

/// `results/<experiment>/<run-id>/` and the files a run keeps there:
///
/// - `config.yaml`: the fully resolved experiment (canonical form, with the seed actually used)
/// - `metrics.csv`: one row per finished epoch (`MetricsLog`)
/// - `run.json`: the record (`RunRecord`)
/// - `model.best.kpw`, `model.last.kpw`: weights at the best validation epoch and the last
///   one (`TensorArchive`)
/// - `diagnostics.csv`: per-layer statistics per epoch, with diagnostics on (`DiagnosticsLog`)
/// - `checkpoint.kpw`: weights, optimizer state and loop position, for `--resume`
/// - `.lock`: held (flock) by the process training the run, so two never train one run
/// - a cascade's `level2/<group>/metrics.csv`: each level-2 net's own curve on its patches
public struct RunFolder: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    public init(results: String, experiment: String, runID: String) {
        self.init(path: (results as NSString).appendingPathComponent(experiment + "/" + runID))
    }

    public var config: String { file("config.yaml") }
    public var metrics: String { file("metrics.csv") }
    public var record: String { file("run.json") }
    public var bestWeights: String { file("model.best.kpw") }
    public var lastWeights: String { file("model.last.kpw") }
    public var checkpoint: String { file("checkpoint.kpw") }
    var lock: String { file(".lock") }

    public func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    /// A cascade's level-2 net's folder (`level2/<group>`), where its own `metrics.csv` is.
    public func level2Net(_ group: String) -> RunFolder { RunFolder(path: file("level2/" + group)) }

    public var exists: Bool { FileManager.default.fileExists(atPath: record) }

    /// Whether `other` is this folder on disk, however either path is spelled (relative, with
    /// `..`, through a symbolic link).
    public func isSameFolder(as other: RunFolder) -> Bool { Self.resolved(path) == Self.resolved(other.path) }

    /// `path` made absolute, its symbolic links and `.` and `..` resolved.
    static func resolved(_ path: String) -> String {
        URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path
    }

    /// The run folder `recorded` names (an absolute path written into this run's record, such
    /// as a cascade's level 1), or when no run is there but one is at the same place in this
    /// folder's results tree (`results/<experiment>/<run-id>`, two levels above this folder),
    /// that one: a results tree copied to another machine or checkout keeps its runs side by
    /// side while their absolute paths change. The caller checks it is the same run.
    public func runBeside(recordedAt recorded: String) -> RunFolder {
        let atRecordedPlace = RunFolder(path: recorded)
        let components = (recorded as NSString).pathComponents.suffix(2)
        guard !atRecordedPlace.exists, components.count == 2 else { return atRecordedPlace }
        let results = ((path as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent
        let beside = RunFolder(path: (results as NSString).appendingPathComponent(components.joined(separator: "/")))
        return beside.exists ? beside : atRecordedPlace
    }

    public func create() throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw UserError("cannot create the run folder \(path): \(error.localizedDescription)")
        }
    }

    /// Takes the folder's lock for the life of the returned handle, or says who holds it.
    public func acquireLock() throws -> RunLock {
        let descriptor = open(lock, O_RDWR | O_CREAT, 0o644)
        guard descriptor >= 0 else { throw UserError("cannot create \(lock): \(String(cString: strerror(errno)))") }
        guard Self.lockPatiently(descriptor, seconds: Self.trainerPatience) else {
            close(descriptor)
            throw UserError("\(path) is being trained by another kplab process right now")
        }
        return RunLock(descriptor: descriptor)
    }

    /// How long `kplab run` tries for a run's lock, and how long a probe (`isBeingTrained`)
    /// does. A process that only looks holds the lock for microseconds, a trainer for the run's
    /// life; but on a loaded machine a probe can be descheduled while it holds the lock. A
    /// trainer that gave up after 0.2 s then failed a run that no one was training (two sweeps
    /// of the same runs on two busy cores, seen twice); it waits 2 s, which only delays the
    /// refusal of a run that really is being trained. A probe stays quick: sweeps probe every run.
    static let trainerPatience = 2.0
    public static let probePatience = 0.2

    /// Takes the exclusive lock on `descriptor`, trying every 10 ms for up to `seconds`.
    static func lockPatiently(_ descriptor: Int32, seconds: Double) -> Bool {
        var attempts = 1
        let limit = max(1, Int(seconds * 100))
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK, attempts < limit else { return false }  // errno stays the refusal's
            attempts += 1
            usleep(10_000)
        }
        return true
    }

    /// Removes the files of an earlier attempt (not the lock, which the caller holds).
    public func clear() throws {
        for name in [config, metrics, record, bestWeights, lastWeights, checkpoint, diagnostics]
        where FileManager.default.fileExists(atPath: name) {
            try FileManager.default.removeItem(atPath: name)
        }
    }
}

extension RunFolder {
    /// Removes what writers killed mid-write left behind: `AtomicFile`'s temporaries
    /// (`.<name>.tmp-XXXXXX`). Only for the holder of the folder's lock.
    public func removeTemporaries() throws {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        for name in names where name.hasPrefix(".") && name.contains(".tmp-") {
            do {
                try FileManager.default.removeItem(atPath: file(name))
            } catch {
                throw UserError("cannot remove the leftover \(file(name)): \(error.localizedDescription)")
            }
        }
    }

    /// Removes the folder when it holds nothing but the lock (a run that could not start), and
    /// its experiment folder when that is left empty; releases `lock` first. Best effort: a
    /// folder that cannot be removed is only clutter.
    public func removeIfEmpty(releasing lock: RunLock) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path),
              names.allSatisfy({ $0 == ".lock" }) else { return }
        unlink(file(".lock"))
        lock.release()
        // rmdir, not a recursive removal: a process that took the folder meanwhile keeps it.
        rmdir(path)
        rmdir((path as NSString).deletingLastPathComponent)
    }
}

/// An flock held until deinit (or process exit, when the kernel releases it).
public final class RunLock {
    private var descriptor: Int32?
    init(descriptor: Int32) { self.descriptor = descriptor }
    deinit { release() }

    /// Gives the lock up now rather than at deinit.
    public func release() {
        guard let descriptor else { return }
        flock(descriptor, LOCK_UN)
        close(descriptor)
        self.descriptor = nil
    }
}
