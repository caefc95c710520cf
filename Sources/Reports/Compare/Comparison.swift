import Results
/// What `kplab compare` shows: the runs that pass the filters, best first; the config keys
/// that tell them apart; optional groups; the table; and the curves.
public struct Comparison: Sendable {
    public enum Format: String, CaseIterable, Sendable {
        /// Aligned plain text for a terminal.
        case table
        case csv, json, markdown
    }

    /// Filtered, sorted by best validation RMSE in pixels (runs without one last, ties by label).
    public let runs: [ComparedRun]
    /// Config keys whose values differ between `runs`, in config order.
    public let differingKeys: [String]
    /// The `--group-by` keys; empty when not grouping.
    public let groupKeys: [String]
    /// Empty when not grouping.
    public let groups: [RunGroup]
    public private(set) var table: ComparisonTable
    /// Said when the runs trained on different faces (data fingerprints), whose RMSEs do not
    /// compare; nil when they all share theirs.
    public let dataNote: String?

    /// - Parameters:
    ///   - groupKeys: config keys to group by; each group shows mean ± std over its runs.
    ///   - best: keep only this many runs, those with the lowest best validation RMSE (runs
    ///     without one are never among them): an ensemble's members, say.
    /// - Throws: `UserError` when a filter or group key names a key no run has (with the
    ///   closest known key), or when no run passes the filters (or has a validation RMSE, with `best`).
    ///   - columns: show only these columns (by key or title) after the first; nil: all.
    public init(runs: [ComparedRun], filters: [RunFilter] = [], groupKeys: [String] = [], best: Int? = nil,
                columns: [String]? = nil) throws {
        let kept = try RunFilter.apply(filters, to: runs)
        let known = knownKeys(of: kept)
        for key in groupKeys where !known.contains(key) {
            throw UserError("--group-by: no run has the key '\(key)'" + Suggestion.phrase(for: key, among: known))
        }
        var runs = Comparison.sorted(kept)
        if let best {
            runs = Array(runs.prefix { $0.bestValidationRMSEPixels != nil }.prefix(best))
            guard !runs.isEmpty else { throw UserError("--best: none of the \(kept.count) runs has a validation RMSE yet") }
        }
        // Config keys asked for by --columns show even when every run has the same value.
        let asked = (columns ?? []).filter { known.contains($0) }
        let differingKeys = DifferingParameters.keys(in: runs)
        self.runs = runs
        self.differingKeys = differingKeys
        self.groupKeys = groupKeys
        let fingerprints = Dictionary(grouping: runs, by: \.record.dataFingerprint)
        dataNote = fingerprints.count < 2 ? nil
            : "note: these runs trained on \(fingerprints.count) different sets of faces ("
                + fingerprints.sorted { $0.value.count > $1.value.count }
                    .map { "data \($0.key.prefix(8)): \($0.value.count) run\($0.value.count == 1 ? "" : "s")" }
                    .joined(separator: ", ")
                + "); their RMSEs compare only within one (the data column)"
        if groupKeys.isEmpty {
            groups = []
            table = ComparisonTable(runs: runs, parameters: differingKeys + asked.filter { !differingKeys.contains($0) },
                                    showsData: fingerprints.count > 1)
        } else {
            let groups = RunGroup.grouping(runs, by: groupKeys)
            self.groups = groups
            // Keys that vary inside a group (the seeds averaged over) are left out; keys that
            // are constant inside every group still describe the group.
            let constant = differingKeys.filter { key in
                !groupKeys.contains(key) && groups.allSatisfy { group in
                    group.runs.allSatisfy { $0.config[key]?.text == group.runs[0].config[key]?.text }
                }
            }
            let parameters = groupKeys + constant
            table = ComparisonTable(groups: groups, parameters: parameters + asked.filter { !parameters.contains($0) })
        }
        if let columns { table = try table.keeping(columns) }
    }

    public func text(_ format: Format) -> String {
        switch format {
        case .table: return table.plainText
        case .csv: return table.csv
        case .json: return table.json
        case .markdown: return table.markdown
        }
    }

    /// The per-epoch curves: one series per run, or per group (the mean curve) when grouping,
    /// in table order. The legend's columns are the differing keys' short names (the group
    /// keys and the number of runs averaged when grouping), and `status` when some run did not complete.
    public var curves: CurvePlot { curves(measure: .pixels) }

    /// The mean face's RMSE the runs share, or nil when they differ (different faces).
    var sharedMeanFace: Double? {
        let values = Set(runs.compactMap(\.record.meanFaceRMSEPixels))
        return values.count == 1 ? values.first : nil
    }

    /// `curves` in pixels (RMSE, with the mean face as a line) or in normalised losses.
    public func curves(measure: CurvePlot.Measure) -> CurvePlot {
        var plot = unitlessCurves
        plot.measure = measure
        plot.meanFace = sharedMeanFace
        return plot
    }

    private var unitlessCurves: CurvePlot {
        if groupKeys.isEmpty {
            let names = shortNames(for: differingKeys)
            let showStatus = runs.contains { $0.record.status != .completed || $0.isCollapsed }
            var columns = differingKeys.map { names[$0]! }
            if columns.isEmpty { columns = ["run"] }
            if showStatus { columns.append("status") }
            return CurvePlot(series: runs.map { run in
                var values = differingKeys.map { run.config[$0]?.text ?? "-" }
                if values.isEmpty { values = [run.label] }
                if showStatus { values.append(run.record.status == .completed && !run.isCollapsed ? "" : run.statusText) }
                let label = run.label + ": " + zip(columns, values).filter { !$1.isEmpty }
                    .map { "\($0)=\($1)" }.joined(separator: ", ")
                return CurvePlot.Series(label: label, legendValues: values, rows: run.rows)
            }, legendColumns: columns)
        }
        let names = shortNames(for: groupKeys)
        let columns = groupKeys.map { names[$0]! } + ["runs"]
        return CurvePlot(series: groups.map { group in
            // A diverged run's last finite losses can be 1e6 times the others'; averaged in,
            // they would draw a spike that no run of the group shows. They are left out of the
            // mean curve (unless the whole group diverged) and counted in the legend.
            let diverged = group.runs.filter { $0.record.status == .diverged }
            let averaged = diverged.count == group.runs.count ? group.runs : group.runs.filter { $0.record.status != .diverged }
            let count = averaged.count == group.runs.count ? "\(group.runs.count)"
                : "\(averaged.count) of \(group.runs.count) (\(diverged.count) diverged)"
            let values = group.values.map { $0 ?? "-" } + [count]
            let label = "mean of " + zip(columns, values).map { "\($0)=\($1)" }.joined(separator: ", ")
            return CurvePlot.Series(label: label, legendValues: values, meanOf: averaged.map(\.rows))
        }, legendColumns: columns)
    }

    static func sorted(_ runs: [ComparedRun]) -> [ComparedRun] {
        runs.sorted { a, b in
            let x = a.bestValidationRMSEPixels, y = b.bestValidationRMSEPixels
            switch (x, y) {
            case let (x?, y?) where x != y: return x < y
            case (_?, nil): return true
            case (nil, _?): return false
            default: return (a.label, a.folder) < (b.label, b.folder)
            }
        }
    }
}

/// The shortest dotted suffix of each key that no other key ends with:
/// `model.init.weights` → `weights`, unless another key also ends in `.weights`.
func shortNames(for keys: [String]) -> [String: String] {
    var names: [String: String] = [:]
    for key in keys {
        let parts = key.split(separator: ".").map(String.init)
        var name = key
        for count in 1...max(parts.count, 1) {
            let candidate = parts.suffix(count).joined(separator: ".")
            let clashes = keys.contains { $0 != key && ($0 == candidate || $0.hasSuffix("." + candidate)) }
            if !clashes { name = candidate; break }
        }
        names[key] = name
    }
    return names
}
