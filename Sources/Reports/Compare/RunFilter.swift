import Results
/// One `--where` condition on a run's flattened config: `key=value` or `key!=value`.
///
/// Values compare as numbers when both sides read as numbers (`0.01` matches `1e-2`),
/// otherwise as text. A run without the key has no value, so `key=value` excludes it and
/// `key!=value` keeps it.
public struct RunFilter: Sendable, Equatable, CustomStringConvertible {
    public var key: String
    public var value: String
    public var isNegated: Bool

    /// - Throws: `UserError` when `text` is not `key=value` or `key!=value`.
    public init(parsing text: String) throws {
        if let range = text.range(of: "!=") {
            key = String(text[..<range.lowerBound])
            value = String(text[range.upperBound...])
            isNegated = true
        } else if let index = text.firstIndex(of: "=") {
            key = String(text[..<index])
            value = String(text[text.index(after: index)...])
            isNegated = false
        } else {
            throw UserError("--where '\(text)': expected key=value (or key!=value), e.g. model.init.weights=he")
        }
        key = key.trimmingSpaces
        value = value.trimmingSpaces
        if key.isEmpty {
            throw UserError("--where '\(text)': the key before '=' is empty")
        }
    }

    public var description: String { key + (isNegated ? "!=" : "=") + value }

    func matches(_ config: FlatConfig) -> Bool {
        let equal = config[key].map { RunFilter.same($0.text, value) } ?? false
        return equal != isNegated
    }

    static func same(_ a: String, _ b: String) -> Bool {
        if a == b { return true }
        if let x = Double(a), let y = Double(b) { return x == y }
        return false
    }

    /// The runs that pass every filter. Filters on the same key with `=` are alternatives
    /// (`--where seed=1 --where seed=2` keeps both seeds); all others must all hold.
    /// - Throws: `UserError` for a key that no run has, with the closest known key, or when
    ///   no run passes.
    static func apply(_ filters: [RunFilter], to runs: [ComparedRun]) throws -> [ComparedRun] {
        guard !filters.isEmpty else { return runs }
        let known = knownKeys(of: runs)
        for filter in filters where !known.contains(filter.key) {
            throw UserError("--where \(filter): no run has the key '\(filter.key)'"
                              + Suggestion.phrase(for: filter.key, among: known))
        }
        let alternatives = Dictionary(grouping: filters.filter { !$0.isNegated }, by: \.key)
        let exclusions = filters.filter(\.isNegated)
        let kept = runs.filter { run in
            alternatives.values.allSatisfy { options in options.contains { $0.matches(run.config) } }
                && exclusions.allSatisfy { $0.matches(run.config) }
        }
        if kept.isEmpty {
            throw UserError("no run matches " + filters.map { "--where \($0)" }.joined(separator: " ")
                              + " (\(runs.count) run(s) before filtering)")
        }
        return kept
    }
}

/// Every key any of `runs` has, in first-seen order.
func knownKeys(of runs: [ComparedRun]) -> [String] {
    var seen: Set<String> = []
    return runs.flatMap(\.config.keys).filter { seen.insert($0).inserted }
}

extension String {
    var trimmingSpaces: String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
