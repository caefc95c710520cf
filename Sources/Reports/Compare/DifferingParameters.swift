/// The config keys whose values are not the same in every one of a set of runs: the columns
/// that tell the runs apart. A key that some runs lack counts as differing.
///
/// A list shown as one value (the architecture `model.layers`, a cascade's groups: see
/// `FlatConfig.compactLists`) is one column rather than one per item; an item keeps its own
/// column only when the list's value does not already account for it (two runs with the same
/// architecture text but a different value at that key).
enum DifferingParameters {
    static func keys(in runs: [ComparedRun]) -> [String] {
        guard runs.count > 1 else { return [] }
        let differing = knownKeys(of: runs).filter { key in
            let first = runs[0].config[key]?.text
            return runs.dropFirst().contains { $0.config[key]?.text != first }
        }
        return differing.filter { key in
            guard let list = FlatConfig.compactKey(of: key) else { return true }
            return !isDetermined(key, by: list, in: runs)
        }
    }

    /// Whether runs that agree on `other` always agree on `key`.
    static func isDetermined(_ key: String, by other: String, in runs: [ComparedRun]) -> Bool {
        var seen: [String: String] = [:]
        for run in runs {
            let value = run.config[key]?.text ?? "\u{0}absent"
            let cause = run.config[other]?.text ?? "\u{0}absent"
            if let earlier = seen.updateValue(value, forKey: cause), earlier != value { return false }
        }
        return true
    }
}
