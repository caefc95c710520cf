/// Bounds how many nodes alias expansion may add to one document.
///
/// Each alias is expanded into a copy of its anchored node, so a few lines that alias
/// aliases of aliases ("billion laughs") describe 10⁹ nodes. Copies share storage, so the
/// parser itself would survive, but every consumer walking the tree would not: the budget
/// stops the parse at the alias that crosses the limit.
struct AliasBudget {
    /// More than any hand-written configuration file needs by orders of magnitude.
    static let limit = 100_000

    private(set) var spent = 0

    /// Records that an alias added `nodes` nodes; false once the total passes `limit`.
    mutating func spend(_ nodes: Int) -> Bool {
        spent += nodes
        return spent <= Self.limit
    }
}
