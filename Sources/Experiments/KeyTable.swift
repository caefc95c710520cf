import YAML

/// The keys of one mapping of an experiment file (`train`, `data.synthetic`, a conv layer's
/// settings…) in canonical order. The decoder reads them, the canonical form writes them,
/// and "unknown key … (did you mean …?)" lists them, all from this one table.
struct KeyTable<Spec>: Sendable {
    let keys: [Key<Spec>]
    /// How a value that is not a mapping is told about: "expected \(expected), found a list".
    let expected: String

    /// `expected` defaults to "a mapping with keys a, b or c".
    init(expected: String? = nil, _ keys: [Key<Spec>]) {
        self.keys = keys
        self.expected = expected ?? "a mapping with keys \(listing(keys.map(\.name)))"
    }

    var names: [String] { keys.map(\.name) }
    var requiredNames: [String] { keys.filter { $0.required != nil }.map(\.name) }
    var samples: [Sample] { keys.flatMap(\.samples) }

    /// The mapping at `path`, its keys checked against this table.
    func fields(_ node: Node, _ path: [String], decoding: Decoding) throws(Diagnostic) -> Fields {
        try Fields(node, path, allowed: names, expected: expected, decoding: decoding)
    }

    /// Reads every key of `fields` into `spec`, in the table's order. A required key that is
    /// missing is an error; an optional one that is left out or null keeps `spec`'s value.
    func decode(_ fields: Fields, into spec: inout Spec, decoding: Decoding) throws(Diagnostic) {
        for key in keys {
            let value: Node
            if let example = key.required {
                value = try fields.required(key.name, example: example, decoding: decoding)
            } else if let given = fields[key.name] {
                value = given
            } else {
                continue
            }
            try key.decode(&spec, value, fields.path(key.name), decoding)
        }
    }

    /// The mapping at `path` read over `start`, for tables without rules between their keys.
    func decode(_ node: Node, _ path: [String], from start: Spec, decoding: Decoding) throws(Diagnostic) -> Spec {
        var spec = start
        try decode(fields(node, path, decoding: decoding), into: &spec, decoding: decoding)
        return spec
    }

    /// The canonical mapping: every key the spec writes, in the table's order.
    func encode(_ spec: Spec) -> Node {
        mapping(keys.compactMap { key in key.encode(spec).map { (key.name, $0) } })
    }
}
