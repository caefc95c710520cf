import Results

/// The comparison as columns and rows of cells, before it is written as text, CSV, JSON,
/// Markdown or HTML. One row per run, or per group with `--group-by`.
public struct ComparisonTable: Sendable {
    public enum Style: Sendable, Equatable {
        /// Free text, left-aligned.
        case text
        /// A config value, left-aligned; typed (number, boolean, null) in JSON.
        case parameter
        /// Whole numbers (epochs); a group mean has one decimal.
        case count
        /// Pixels, 3 decimals.
        case pixels
        /// Losses, 4 significant digits.
        case loss
        /// Durations: `42.5s`, `12m05s`, `3h07m`.
        case duration
        /// Images per second, no decimals.
        case rate
    }

    public struct Column: Sendable, Equatable {
        /// The header people read (table, Markdown, HTML).
        public var title: String
        /// The header programs read (CSV, JSON): a config key or a snake_case name.
        public var key: String
        public var style: Style
        /// Shown only in CSV and JSON (the run folder's path).
        public var isMachineOnly: Bool = false
        /// Cells are `.summary` (mean ± std of a group): two fields in CSV.
        public var holdsSummaries: Bool = false
    }

    public enum Cell: Sendable, Equatable {
        case text(String)
        case parameter(FlatConfig.Value?)
        case number(Double?)
        case summary(Summary?)
    }

    public var columns: [Column]
    public var rows: [[Cell]]

    /// The columns after the parameters, for single runs.
    static var metricColumns: [Column] {
        [Column(title: "best RMSE px", key: "best_val_rmse_px", style: .pixels),
         Column(title: "mean face px", key: "mean_face_rmse_px", style: .pixels),
         Column(title: "best epoch", key: "best_epoch", style: .count),
         Column(title: "train loss", key: "final_train_loss", style: .loss),
         Column(title: "val loss", key: "final_val_loss", style: .loss),
         Column(title: "epochs", key: "epochs_run", style: .count),
         Column(title: "status", key: "status", style: .text),
         Column(title: "wall time", key: "wall_seconds", style: .duration),
         Column(title: "images/s", key: "images_per_second", style: .rate)]
    }

    /// Only the columns `names` asks for (by key or title), in that order, after the first
    /// (the run, or the group's first key) and the machine-only path.
    /// - Throws: `UserError` for a name no column has, with the closest one.
    func keeping(_ names: [String]) throws -> ComparisonTable {
        var kept = [0] + columns.indices.filter { columns[$0].isMachineOnly }
        for name in names {
            guard let index = columns.firstIndex(where: { $0.key == name || $0.title == name }) else {
                let known = columns.filter { !$0.isMachineOnly }.map(\.key)
                throw UserError("--columns: no column '\(name)'" + Suggestion.phrase(for: name, among: known)
                                + "; the columns are \(known.joined(separator: ", "))")
            }
            if !kept.contains(index) { kept.append(index) }
        }
        var table = self
        table.columns = kept.map { columns[$0] }
        table.rows = rows.map { row in kept.map { row[$0] } }
        return table
    }

    /// One row per run, in the order given, with the `parameters` columns first.
    /// - Parameter showsData: add a `data` column (the data fingerprint's first 8 hex digits),
    ///   for runs trained on different faces.
    init(runs: [ComparedRun], parameters: [String], showsData: Bool = false) {
        columns = [Column(title: "run", key: "run", style: .text),
                   Column(title: "path", key: "path", style: .text, isMachineOnly: true)]
            + (showsData ? [Column(title: "data", key: "data_fingerprint", style: .text)] : [])
            + parameters.map { Column(title: $0, key: $0, style: .parameter) }
            + ComparisonTable.metricColumns
        rows = runs.map { run in
            [.text(run.label), .text(run.folder)]
                + (showsData ? [.text(String(run.record.dataFingerprint.prefix(8)))] : [])
                + parameters.map { .parameter(run.config[$0]) }
                + [.number(run.bestValidationRMSEPixels), .number(run.record.meanFaceRMSEPixels),
                   .number(run.bestEpoch.map(Double.init)),
                   .number(run.finalTrainLoss), .number(run.finalValidationLoss), .number(Double(run.epochsRun)),
                   .text(run.statusText), .number(run.wallSeconds),
                   .number(run.record.trainImagesPerSecond)]
        }
    }

    /// One row per group: the `parameters` columns (the group keys and the keys that are the
    /// same within every group), the group's size, then each measure as mean ± std and the
    /// statuses counted (`2 completed, 1 diverged`).
    init(groups: [RunGroup], parameters: [String]) {
        columns = parameters.map { Column(title: $0, key: $0, style: .parameter) }
            + [Column(title: "n", key: "n", style: .count)]
            + ComparisonTable.metricColumns.map { column in
                var column = column
                column.holdsSummaries = column.style != .text
                return column
            }
        rows = groups.map { group in
            let runs = group.runs
            let first = runs[0]
            return parameters.map { .parameter(first.config[$0]) }
                + [.number(Double(runs.count)),
                   .summary(Summary(runs.map(\.bestValidationRMSEPixels))),
                   .summary(Summary(runs.map(\.record.meanFaceRMSEPixels))),
                   .summary(Summary(runs.map { $0.bestEpoch.map(Double.init) })),
                   .summary(Summary(runs.map(\.finalTrainLoss))),
                   .summary(Summary(runs.map(\.finalValidationLoss))),
                   .summary(Summary(runs.map { Double($0.epochsRun) })),
                   .text(group.statusCounts),
                   .summary(Summary(runs.map(\.wallSeconds))),
                   .summary(Summary(runs.map(\.record.trainImagesPerSecond)))]
        }
    }
}
