/// "did you mean" for a key a person typed. (The Experiments layer has its own; to be shared.)
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

    /// Levenshtein distance: the fewest single-character insertions, deletions and
    /// substitutions that turn `a` into `b`. O(|a|·|b|) time, O(|b|) memory.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(substitution, previous[j] + 1, current[j - 1] + 1)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// " (did you mean 'x'?)" or "".
    static func phrase(for typed: String, among known: [String]) -> String {
        closest(to: typed, among: known).map { " (did you mean '\($0)'?)" } ?? ""
    }
}
