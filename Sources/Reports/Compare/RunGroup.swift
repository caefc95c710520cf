/// Runs that share the values of the `--group-by` keys, e.g. the three seeds of one initializer.
public struct RunGroup: Sendable {
    /// The group keys' values, in the order of the keys; nil where the runs lack the key.
    public var values: [String?]
    /// In the comparison's order (best RMSE first).
    public var runs: [ComparedRun]

    /// `<value>, <value>` for legends, or `key=value` pairs when `keys` is given.
    func label(keys: [String]) -> String {
        zip(keys, values).map { "\($0)=\($1 ?? "-")" }.joined(separator: ", ")
    }

    /// Mean of the group's best RMSE values (nil when none has one): the group's sort key.
    var meanBestRMSE: Double? { Summary(runs.map(\.bestValidationRMSEPixels))?.mean }

    /// `3 completed` or `2 completed, 1 diverged`, most frequent first.
    var statusCounts: String {
        var counts: [String: Int] = [:]
        for run in runs { counts[run.statusText, default: 0] += 1 }
        return counts.sorted { ($1.value, $0.key) < ($0.value, $1.key) }
            .map { "\($0.value) \($0.key)" }.joined(separator: ", ")
    }

    /// Splits `runs` (already sorted) into groups by the values at `keys`; groups come in
    /// order of mean best RMSE (groups without one last), ties in order of first appearance.
    static func grouping(_ runs: [ComparedRun], by keys: [String]) -> [RunGroup] {
        var groups: [RunGroup] = []
        var index: [[String?]: Int] = [:]
        for run in runs {
            let values = keys.map { run.config[$0]?.text }
            if let position = index[values] {
                groups[position].runs.append(run)
            } else {
                index[values] = groups.count
                groups.append(RunGroup(values: values, runs: [run]))
            }
        }
        return groups.enumerated().sorted { a, b in
            switch (a.element.meanBestRMSE, b.element.meanBestRMSE) {
            case let (x?, y?) where x != y: return x < y
            case (_?, nil): return true
            case (nil, _?): return false
            default: return a.offset < b.offset
            }
        }.map(\.element)
    }
}
