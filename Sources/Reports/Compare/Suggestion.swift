import Experiments

/// "did you mean" for a dotted config key a person typed on the command line (`--where`,
/// `--group-by`); the distance is the one experiment files use (`Experiments.editDistance`).
enum Suggestion {
    /// The known key the person most likely meant, or nil when none is close:
    /// first a key that ends with what was typed (`weights` → `model.init.weights`), then the
    /// key closest in edit distance, measured against the whole key and against its last
    /// components (as many as were typed, so `weight` finds `model.init.weights`), when that
    /// distance is at most a third of the length (at least 2).
    static func closest(to typed: String, among known: [String]) -> String? {
        if let suffixMatch = known.filter({ $0.hasSuffix("." + typed) }).min(by: { $0.count < $1.count }) {
            return suffixMatch
        }
        let typedComponents = typed.split(separator: ".").count
        let limit = max(2, typed.count / 3)
        let scored = known.map { key -> (key: String, distance: Int) in
            let tail = key.split(separator: ".").suffix(typedComponents).joined(separator: ".")
            return (key, min(editDistance(typed, key), editDistance(typed, tail)))
        }.filter { $0.distance <= limit }
        return scored.min { ($0.distance, $0.key.count, $0.key) < ($1.distance, $1.key.count, $1.key) }?.key
    }

    /// " (did you mean 'x'?)" or "".
    static func phrase(for typed: String, among known: [String]) -> String {
        closest(to: typed, among: known).map { " (did you mean '\($0)'?)" } ?? ""
    }
}
