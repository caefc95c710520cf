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
    public let table: ComparisonTable

    /// - Parameters:
    ///   - groupKeys: config keys to group by; each group shows mean ± std over its runs.
    /// - Throws: `RunnerError` when a filter or group key names a key no run has (with the
    ///   closest known key), or when no run passes the filters.
    public init(runs: [ComparedRun], filters: [RunFilter] = [], groupKeys: [String] = []) throws {
        let kept = try RunFilter.apply(filters, to: runs)
        let known = knownKeys(of: kept)
        for key in groupKeys where !known.contains(key) {
            throw RunnerError("--group-by: no run has the key '\(key)'" + Suggestion.phrase(for: key, among: known))
        }
        let runs = Comparison.sorted(kept)
        let differingKeys = DifferingParameters.keys(in: runs)
        self.runs = runs
        self.differingKeys = differingKeys
        self.groupKeys = groupKeys
        if groupKeys.isEmpty {
            groups = []
            table = ComparisonTable(runs: runs, parameters: differingKeys)
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
            table = ComparisonTable(groups: groups, parameters: groupKeys + constant)
        }
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
    /// in table order, labelled by the differing keys.
    public var curves: CurvePlot {
        let names = shortNames(for: groupKeys.isEmpty ? differingKeys : groupKeys)
        if groupKeys.isEmpty {
            return CurvePlot(series: runs.map { run in
                var label = differingKeys.map { "\(names[$0]!)=\(run.config[$0]?.text ?? "-")" }.joined(separator: ", ")
                if label.isEmpty { label = run.label }
                if run.record.status != .completed { label += " (\(run.record.status.rawValue))" }
                return CurvePlot.Series(label: label, rows: run.rows)
            })
        }
        return CurvePlot(series: groups.map { group in
            let label = zip(groupKeys, group.values).map { "\(names[$0]!)=\($1 ?? "-")" }.joined(separator: ", ")
            return CurvePlot.Series(label: label + " (n=\(group.runs.count))", meanOf: group.runs.map(\.rows))
        })
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
