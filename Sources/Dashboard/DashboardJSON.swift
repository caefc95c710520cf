import Foundation
import Reports
import Results
import Sweeps

/// The JSON the page reads. Numbers that are not finite go out as null (JSON has no NaN).
enum DashboardJSON {
    /// `/api/runs`: the table `kplab compare` shows for every run (differing settings as
    /// columns, best first), each row with its run's id, its cells as text and the numbers
    /// they sort by, and its status for the filters.
    static func table(_ entries: [RunIndex.Entry]) -> Data {
        // Comparison throws only for filters, groups and --best, none of which are given here.
        guard !entries.isEmpty, let comparison = try? Comparison(runs: entries.map(\.run)) else {
            return Data(JSONValue.object([("columns", []), ("runs", []), ("data_note", nil), ("mean_face", nil)]).text.utf8)
        }
        let byFolder = Dictionary(entries.map { ($0.folder.path, $0) }, uniquingKeysWith: { first, _ in first })
        let table = comparison.table
        let shown = table.columns.indices.filter { !table.columns[$0].isMachineOnly }
        let pathColumn = table.columns.firstIndex { $0.key == "path" }
        let columns = JSONValue.array(shown.map { index in
            let column = table.columns[index]
            return .object([("title", .string(column.title)), ("key", .string(column.key)),
                            ("numeric", .bool(column.style != .text && column.style != .parameter)),
                            ("parameter", .bool(column.style == .parameter))])
        })
        let runs = JSONValue.array(table.rows.compactMap { cells in
            guard let pathColumn, case .text(let path) = cells[pathColumn], let entry = byFolder[path] else { return nil }
            return row(entry, cells: shown.map { (cells[$0], table.columns[$0].style) })
        })
        let meanFaces = Set(entries.compactMap(\.run.record.meanFaceRMSEPixels))
        let document = JSONValue.object([("columns", columns), ("runs", runs), ("data_note", .string(comparison.dataNote)),
                                         ("mean_face", .number(meanFaces.count == 1 ? meanFaces.first : nil))])
        return Data(document.text.utf8)
    }

    private static func row(_ entry: RunIndex.Entry, cells: [(ComparisonTable.Cell, ComparisonTable.Style)]) -> JSONValue {
        let run = entry.run
        return .object([("id", .string(entry.id)),
                        ("cells", .array(cells.map { .string($0.0.humanText(style: $0.1)) })),
                        ("values", .array(cells.map { .number($0.0.sortValue) })),
                        ("status", .string(run.statusText)),
                        ("running", .bool(run.isBeingTrained)),
                        ("best", .number(run.bestValidationRMSEPixels)),
                        ("mean_face", .number(run.record.meanFaceRMSEPixels)),
                        ("epochs", .number(entry.epochs))])
    }

    /// `/api/curve?id=…`: a run's epochs.
    static func curve(_ entry: RunIndex.Entry, rows: [MetricsLog.Row]) -> Data {
        Data(JSONValue.object([("id", .string(entry.id)), ("status", .string(entry.run.statusText)),
                               ("mean_face", .number(entry.run.record.meanFaceRMSEPixels)),
                               ("rows", .array(rows.map(rowJSON)))]).text.utf8)
    }

    static func rowJSON(_ row: MetricsLog.Row) -> JSONValue {
        .object([("epoch", .number(row.epoch)), ("val_rmse_px", .number(row.validationRMSEPixels)),
                 ("train_loss", .number(row.trainLoss)), ("val_loss", .number(row.validationLoss)),
                 ("seconds", .number(row.seconds))])
    }

    /// `/api/run?id=…`: what the run page shows besides the pictures.
    static func run(_ entry: RunIndex.Entry, config: String?, hasDiagnostics: Bool, diagnosis: String?) -> Data {
        let record = entry.run.record
        let machine = record.machine
        let keypoints = JSONValue.array((record.bestKeypointRMSE ?? []).map {
            .object([("keypoint", .string($0.keypoint)), ("rmse_px", .number($0.rmsePixels)), ("count", .number($0.count))])
        })
        return Data(JSONValue.object([
            ("id", .string(entry.id)), ("run_id", .string(record.runID)), ("experiment", .string(record.experiment)),
            ("status", .string(entry.run.statusText)), ("detail", .string(record.statusDetail)),
            ("best", .number(entry.run.bestValidationRMSEPixels)), ("best_epoch", .number(entry.run.bestEpoch)),
            ("epochs", .number(entry.epochs)), ("mean_face", .number(record.meanFaceRMSEPixels)),
            ("seed", .string(String(record.seed))), ("started_at", .string(record.startedAt)), ("ended_at", .string(record.endedAt)),
            ("images_per_second", .number(record.trainImagesPerSecond)),
            ("machine", .string("\(machine.cpu), \(machine.threads) thread\(machine.threads == 1 ? "" : "s")")),
            ("keypoints", keypoints), ("config", .string(config)), ("diagnostics", .bool(hasDiagnostics)),
            ("diagnosis", .string(diagnosis)), ("cascade", .bool(record.cascade != nil)),
        ]).text.utf8)
    }

    /// `/api/sweeps`: each sweep's runs counted by state, with their ids where they exist.
    static func sweeps(_ progress: [SweepProgress]) -> Data {
        Data(JSONValue.object([("sweeps", .array(progress.map { sweep in
            .object([("name", .string(sweep.name)), ("kind", .string(sweep.kind)),
                     ("counts", .object(sweep.counts.sorted { $0.key < $1.key }.map { ($0.key, .number($0.value)) })),
                     ("runs", .array(sweep.runs.map { run in
                         .object([("run_id", .string(run.runID)), ("experiment", .string(run.experiment)),
                                  ("state", .string(run.state.rawValue)), ("id", .string(run.id)), ("settings", .string(run.settings))])
                     }))])
        }))]).text.utf8)
    }

    /// A live message: `{"type": "epochs", …}` for a run's new epochs, `{"type": "run", …}`
    /// for a run that appeared, `{"type": "removed", …}` for one deleted.
    static func message(_ change: RunIndex.Change) -> String {
        switch change {
        case .added(let entry):
            return JSONValue.object([("type", "run"), ("id", .string(entry.id)), ("status", .string(entry.run.statusText)),
                                     ("epochs", .number(entry.epochs))]).text
        case .removed(let id):
            return JSONValue.object([("type", "removed"), ("id", .string(id))]).text
        case .updated(let entry, let rows):
            return JSONValue.object([("type", "epochs"), ("id", .string(entry.id)), ("status", .string(entry.run.statusText)),
                                     ("running", .bool(entry.run.isBeingTrained)), ("best", .number(entry.run.bestValidationRMSEPixels)),
                                     ("epochs", .number(entry.epochs)), ("rows", .array(rows.map(rowJSON)))]).text
        }
    }
}
