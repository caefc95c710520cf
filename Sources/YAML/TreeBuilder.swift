/// Turns the event stream of one YAML file into a node tree: expands aliases (within an
/// `AliasBudget`), rejects duplicate keys, too deep nesting, and a second document.
struct TreeBuilder {
    /// Deep enough for any configuration; shallow enough that building, comparing and
    /// freeing the tree recursively stays far from the stack's end.
    static let depthLimit = 256

    private let events: EventParser
    private let source: SourceText
    /// Completed anchored nodes with their sizes in nodes (what an alias to them costs).
    private var anchors: [String: (node: Node, size: Int)] = [:]
    /// Anchors of collections still being built: an alias to one of them is a cycle.
    private var openAnchors: Set<String> = []
    private var budget = AliasBudget()
    private var depth = 0

    init(events: EventParser, source: SourceText) {
        self.events = events
        self.source = source
    }

    /// The root of the file's only document; a null scalar at 1:1 when the file has none.
    mutating func document() throws -> Node {
        guard case .streamStart = try events.next() else { grammarBroken() }
        switch try events.next() {
        case .streamEnd:
            return Node(.scalar(Node.Scalar(text: "", isPlain: true)), mark: Mark(line: 1, column: 1))
        case .documentStart:
            break
        default:
            grammarBroken()
        }
        let root = try node(startingWith: try events.next()).node
        guard case .documentEnd = try events.next() else { grammarBroken() }
        switch try events.next() {
        case .streamEnd:
            return root
        case .documentStart(let mark):
            throw source.diagnostic(at: mark, "several YAML documents in one file; an experiment file holds exactly one")
        default:
            grammarBroken()
        }
    }

    /// The node that `event` starts, with its size in nodes (aliases counted expanded) and the
    /// mark of the event itself (for an alias: where the alias is, not where its anchor is).
    private mutating func node(startingWith event: Event) throws -> (node: Node, size: Int, mark: Mark) {
        switch event {
        case .scalar(let scalar, let anchor, let mark):
            let node = Node(.scalar(scalar), mark: mark)
            if let anchor { anchors[anchor] = (node, 1) }
            return (node, 1, mark)
        case .alias(let anchor, let mark):
            guard let target = anchors[anchor] else {
                if openAnchors.contains(anchor) {
                    throw source.diagnostic(at: mark, "alias '*\(anchor)' refers to a node that contains it")
                }
                throw source.diagnostic(at: mark, "unknown alias '*\(anchor)': no anchor '&\(anchor)' before it")
            }
            guard budget.spend(target.size) else {
                throw source.diagnostic(at: mark, "aliases expand to more than \(AliasBudget.limit) nodes; "
                    + "refusing to expand further (is this a \"billion laughs\" file?)")
            }
            return (target.node, target.size, mark)
        case .sequenceStart(let anchor, let mark):
            return try collection(anchor: anchor, mark: mark) { builder in try builder.sequenceItems() }
        case .mappingStart(let anchor, let mark):
            return try collection(anchor: anchor, mark: mark) { builder in try builder.mappingPairs() }
        default:
            grammarBroken()
        }
    }

    /// Builds a sequence or mapping between its start and end events, keeping track of depth
    /// and of its anchor while it is open.
    private mutating func collection(
        anchor: String?, mark: Mark, body: (inout TreeBuilder) throws -> (Node.Content, Int)
    ) throws -> (node: Node, size: Int, mark: Mark) {
        guard depth < Self.depthLimit else {
            throw source.diagnostic(at: mark, "collections nested more than \(Self.depthLimit) levels deep")
        }
        depth += 1
        if let anchor { openAnchors.insert(anchor) }
        let (content, childrenSize) = try body(&self)
        if let anchor { openAnchors.remove(anchor) }
        depth -= 1
        let node = Node(content, mark: mark)
        if let anchor { anchors[anchor] = (node, 1 + childrenSize) }
        return (node, 1 + childrenSize, mark)
    }

    private mutating func sequenceItems() throws -> (Node.Content, Int) {
        var items: [Node] = []
        var size = 0
        while true {
            let event = try events.next()
            if case .sequenceEnd = event { return (.sequence(items), size) }
            let item = try node(startingWith: event)
            items.append(item.node)
            size += item.size
        }
    }

    private mutating func mappingPairs() throws -> (Node.Content, Int) {
        var pairs: [Node.Pair] = []
        var size = 0
        // Where each key first appeared: scalar keys by text (quoted or not, `a` and "a" are
        // the same key to every reader of these files), other keys compared by content.
        var scalarKeys: [String: Mark] = [:]
        var otherKeys: [(key: Node, mark: Mark)] = []
        while true {
            let event = try events.next()
            if case .mappingEnd = event { return (.mapping(pairs), size) }
            let key = try node(startingWith: event)
            let first: Mark?
            if let scalar = key.node.scalar {
                first = scalarKeys[scalar.text]
                if first == nil { scalarKeys[scalar.text] = key.mark }
            } else {
                first = otherKeys.first { $0.key.hasSameContent(as: key.node) }?.mark
                if first == nil { otherKeys.append((key.node, key.mark)) }
            }
            if let first {
                let place = first.line == key.mark.line ? "column \(first.column) of this line" : "line \(first.line)"
                throw source.diagnostic(at: key.mark, "duplicate key \(key.node.kindDescription); it first appears on \(place)")
            }
            let value = try node(startingWith: try events.next())
            pairs.append(Node.Pair(key: key.node, value: value.node))
            size += key.size + value.size
        }
    }

    /// libyaml guarantees the event grammar (stream → document → node …); reaching here means
    /// libyaml itself is broken, which no user can fix.
    private func grammarBroken() -> Never {
        preconditionFailure("libyaml produced events out of the YAML grammar's order")
    }
}
