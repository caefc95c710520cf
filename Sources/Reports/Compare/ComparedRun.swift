import Foundation
import Results
import YAML

/// One run folder read for comparison: its record, its per-epoch rows and its flattened config.
public struct ComparedRun: Sendable {
    /// The folder as found (relative paths stay relative).
    public var folder: String
    public var record: RunRecord
    /// Empty when `metrics.csv` is missing or unreadable (a warning says which).
    public var rows: [MetricsLog.Row]
    public var config: FlatConfig
    /// Whether a process held the run's lock when it was read: a record that says `running`
    /// without it belongs to a run that was killed.
    public var isBeingTrained: Bool
    /// The epochs' summed seconds, kept when `withoutCurves()` dropped the rows.
    var foldedSeconds: Double?

    public init(folder: String, record: RunRecord, rows: [MetricsLog.Row], config: FlatConfig, isBeingTrained: Bool = false) {
        self.folder = folder
        self.record = record
        self.rows = rows
        self.config = config
        self.isBeingTrained = isBeingTrained
    }

    /// The run-id (`<experiment>-<hash>`), how people name a run.
    public var label: String { record.runID }

    /// The record's best validation RMSE, or the lowest finite one in the metrics when the
    /// record has none (a run killed before it wrote its summary).
    public var bestValidationRMSEPixels: Double? {
        if let best = record.bestValidationRMSEPixels, best.isFinite { return best }
        return bestRow?.validationRMSEPixels
    }

    public var bestEpoch: Int? {
        if let best = record.bestValidationRMSEPixels, best.isFinite { return record.bestEpoch }
        return bestRow?.epoch
    }

    public var finalTrainLoss: Double? { record.finalTrainLoss ?? rows.last?.trainLoss }
    public var finalValidationLoss: Double? { record.finalValidationLoss ?? rows.last?.validationLoss }
    public var epochsRun: Int { max(record.epochsRun, rows.last?.epoch ?? 0) }

    /// Seconds spent in the epochs (the sum of the metrics' `seconds`), or ended − started from
    /// the record when there are no rows. Nil for a run with neither.
    public var wallSeconds: Double? {
        if !rows.isEmpty { return rows.reduce(0) { $0 + $1.seconds } }
        if let foldedSeconds { return foldedSeconds }
        guard let end = record.endedAt.flatMap(ComparedRun.date(iso8601:)),
              let start = ComparedRun.date(iso8601: record.startedAt) else { return nil }
        return end.timeIntervalSince(start)
    }

    /// The run as its table row needs it, without its curves: what the rows say (best epoch,
    /// epochs run, final losses, time) moved into the record's fields and the rows dropped, so
    /// that an index of thousands of runs holds summaries, not curves.
    public func withoutCurves() -> ComparedRun {
        var run = self
        run.record.bestValidationRMSEPixels = bestValidationRMSEPixels
        run.record.bestEpoch = bestEpoch
        run.record.epochsRun = epochsRun
        run.record.finalTrainLoss = finalTrainLoss
        run.record.finalValidationLoss = finalValidationLoss
        run.foldedSeconds = wallSeconds
        run.rows = []
        return run
    }

    private var bestRow: MetricsLog.Row? {
        rows.filter { $0.validationRMSEPixels.isFinite }.min { $0.validationRMSEPixels < $1.validationRMSEPixels }
    }

    static func date(iso8601 text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    /// Reads the run in `folder` (which holds `run.json`).
    /// - Returns: the run and a warning when its metrics could not be read (the run is still
    ///   compared, without curves).
    /// - Throws: `UserError` when `run.json` or `config.yaml` cannot be read: without them
    ///   there is nothing to compare.
    ///   - metricsOfFinishedRuns: false to leave `metrics.csv` unread (rows empty) when the
    ///     record is finished and so already holds the summary (a live index of many runs).
    ///   - lockPatience: how long to try the run's lock to tell whether it is being trained.
    public static func read(_ folder: RunFolder, metricsOfFinishedRuns: Bool = true,
                            lockPatience: Double = RunFolder.probePatience) throws -> (run: ComparedRun, warning: String?) {
        let record = try RunRecord.read(from: folder.record)
        let document: Document
        do {
            document = try Document(contentsOfFile: folder.config)
        } catch {
            throw UserError("\(error)")
        }
        var warning: String?
        var rows: [MetricsLog.Row] = []
        if !metricsOfFinishedRuns && record.status.isFinished {
            // The record's summary is complete; the rows are not wanted.
        } else if FileManager.default.fileExists(atPath: folder.metrics) {
            do { rows = try MetricsLog.read(path: folder.metrics) } catch { warning = "\(error); showing the run without curves" }
        } else {
            warning = "\(folder.metrics): no such file; showing the run without curves"
        }
        return (ComparedRun(folder: folder.path, record: record, rows: rows, config: FlatConfig(document.root),
                            isBeingTrained: !record.status.isFinished && folder.isBeingTrained(patience: lockPatience)), warning)
    }
}
