import Experiments
import Faces
import Foundation
import Results

/// What a local sweep set out to train, written when it starts: `RESULTS/.sweep/<name>.runs.tsv`,
/// one line per run (experiment, run-id, the settings that made it). The run folders say what
/// became of each run; only this says which runs are still to come — what `kplab serve` shows
/// as a sweep's pending runs. A sweep of the same runs rewrites the same file.
public struct SweepManifest: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var experiment: String
        public var runID: String
        /// `key=value` pairs, as `--dry-run` lists them.
        public var settings: String

        public init(experiment: String, runID: String, settings: String) {
            self.experiment = experiment
            self.runID = runID
            self.settings = settings
        }
    }

    /// `demo-sweep-1a2b3c4d`: the sweep's first file name and the hash of its run-ids.
    public var name: String
    public var entries: [Entry]

    public init(name: String, entries: [Entry]) {
        self.name = name
        self.entries = entries
    }

    /// What a sweep is called: its first file's name without the extension (`demo` for
    /// experiments/sweeps/demo.yaml), or `sweep`. Its manifest and its Slurm job are named after it.
    public static func sweepName(paths: [String]) -> String {
        paths.first.map { (PathText.name(of: $0) as NSString).deletingPathExtension } ?? "sweep"
    }

    /// The manifest of `runs`, named after the sweep (`sweepName`) and the runs.
    public init(paths: [String], runs: [SweepRun]) {
        let ids = runs.map(\.runID).joined(separator: "\n")
        let hash = Fingerprint.sha256(Array(ids.utf8)).prefix(8)
        self.init(name: "\(Self.sweepName(paths: paths))-\(hash)", entries: runs.map {
            Entry(experiment: $0.experiment.name, runID: $0.runID, settings: $0.settings.joined(separator: " "))
        })
    }

    static let suffix = ".runs.tsv"
    static let header = "experiment\trun_id\tsettings"

    public static func folder(results: String) -> String { results + "/.sweep" }

    public func path(results: String) -> String { Self.folder(results: results) + "/" + name + Self.suffix }

    /// Writes it whole (a reader never sees half a manifest).
    public func write(results: String) throws {
        try FileManager.default.createDirectory(atPath: Self.folder(results: results), withIntermediateDirectories: true)
        let lines = [Self.header] + entries.map { "\($0.experiment)\t\($0.runID)\t\($0.settings)" }
        try writeAtomically(lines.joined(separator: "\n") + "\n", to: path(results: results))
    }

    /// Every manifest under `results`, by name; unreadable ones are left out.
    public static func all(results: String) -> [SweepManifest] {
        let folder = folder(results: results)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(suffix) }.sorted().compactMap { name in
            guard let text = try? String(contentsOfFile: folder + "/" + name, encoding: .utf8) else { return nil }
            return SweepManifest(name: String(name.dropLast(suffix.count)), text: text)
        }
    }

    /// Parses a manifest's text; nil when its header is not a manifest's.
    public init?(name: String, text: String) {
        var lines = text.split(whereSeparator: \.isLineEnd)
        guard lines.first == Substring(Self.header) else { return nil }
        lines.removeFirst()
        self.init(name: name, entries: lines.compactMap { line in
            let fields = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count >= 2, !fields[0].isEmpty, !fields[1].isEmpty else { return nil }
            return Entry(experiment: String(fields[0]), runID: String(fields[1]), settings: fields.count > 2 ? String(fields[2]) : "")
        })
    }
}
