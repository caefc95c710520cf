/// The did-you-mean part of an error message: the candidate closest to what was written,
/// or nil when nothing is close enough to be a likely typo.
///
/// Close means: the same word once case, `_` and `-` are ignored (`batch-size`), a known
/// synonym (`glorot` → `xavier`), or an edit distance (insertions, deletions, substitutions
/// and swaps of neighbours) of at most 1 for words up to 4 letters, 2 up to 8, and 3 beyond.
public func suggestion(for written: String, among candidates: [String], synonyms: [String: String] = [:]) -> String? {
    let folded = fold(written)
    if let match = candidates.first(where: { fold($0) == folded }) { return match }
    if let synonym = synonyms[folded], candidates.contains(synonym) { return synonym }
    var best: (candidate: String, distance: Int)?
    for candidate in candidates {
        let distance = editDistance(folded, fold(candidate))
        let length = max(folded.count, candidate.count)
        let allowed = length <= 4 ? 1 : length <= 8 ? 2 : 3
        if distance <= allowed, distance < best?.distance ?? Int.max {
            best = (candidate, distance)
        }
    }
    return best?.candidate
}

/// " (did you mean 'x'?)" or "".
func didYouMean(_ written: String, among candidates: [String], synonyms: [String: String] = [:],
                prefix: String = "") -> String {
    guard let match = suggestion(for: written, among: candidates, synonyms: synonyms) else { return "" }
    return " (did you mean '\(prefix)\(match)'?)"
}

/// Names people use for the same thing in other frameworks.
let initializerSynonyms = ["glorot": "xavier", "kaiming": "he", "msra": "he",
                           "gaussian": "normal", "randn": "normal", "rand": "uniform"]

private func fold(_ word: String) -> String {
    String(word.lowercased().filter { $0 != "_" && $0 != "-" })
}

/// Optimal-string-alignment distance: Levenshtein plus swaps of two neighbouring letters.
public func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    // d[i][j] = distance between a[..<i] and b[..<j]
    var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
    for i in 0...a.count { d[i][0] = i }
    for j in 0...b.count { d[0][j] = j }
    for i in 1...a.count {
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
            }
        }
    }
    return d[a.count][b.count]
}

/// "a, b or c" for messages that list what is allowed.
func listing(_ words: [String]) -> String {
    guard words.count > 1 else { return words.first ?? "" }
    return words.dropLast().joined(separator: ", ") + " or " + words.last!
}
