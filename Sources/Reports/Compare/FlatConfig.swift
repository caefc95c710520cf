import Experiments
import YAML

/// A resolved experiment flattened into dotted keys, in the order the keys appear in
/// `config.yaml`: `train.learning_rate`, `model.init.weights`, `model.layers.0.conv.filters` …
/// Mapping keys join with `.`, list items by their 0-based index. Comparing runs key by key
/// needs no knowledge of the experiment's typed spec, so any field a future spec adds is
/// compared too.
///
/// Synthetic keys stand for whole lists, so that runs can be filtered and grouped by them and
/// tables show one column, not one per item: `model.layers` (and a cascade's
/// `cascade.model.layers`), whose value is the compact architecture (`conv32k3-relu-pool2-…-dense30`,
/// see `Architecture`), and a cascade's `cascade.groups` (`left_eye_center+right_eye_center,nose_tip`).
public struct FlatConfig: Sendable, Equatable {
    public struct Value: Sendable, Equatable {
        /// The scalar as written (`0.01`, `he`, `null`); `{}` or `[]` for an empty collection.
        public var text: String
        /// False for quoted scalars: they are strings even when they look like numbers.
        public var isPlain: Bool
    }

    /// Dotted keys in file order.
    public private(set) var keys: [String] = []
    private var values: [String: Value] = [:]

    public static let architectureKey = "model.layers"

    /// The lists written as one value: their key, and how the value reads.
    static let compactLists: [(key: String, text: @Sendable ([Node]) -> String)] = [
        (architectureKey, { Architecture.text(layers: $0) }),
        ("cascade.model.layers", { Architecture.text(layers: $0) }),
        ("cascade.groups", { groups in
            groups.map { group in (group.sequence ?? [group]).compactMap { $0.scalar?.text }.joined(separator: "+") }
                .joined(separator: ",")
        }),
    ]

    public init(_ root: Node) {
        add(root, prefix: "")
        for (key, text) in Self.compactLists {
            guard let items = root.value(atPath: key.split(separator: ".").map(String.init))?.sequence else { continue }
            // Placed where the items start, so that columns follow the file's order.
            if values.updateValue(Value(text: text(items), isPlain: false), forKey: key) == nil {
                keys.insert(key, at: keys.firstIndex { $0.hasPrefix(key + ".") } ?? keys.endIndex)
            }
        }
    }

    public subscript(key: String) -> Value? { values[key] }

    /// The compact list key that `key` is one item of (`model.layers.3.dense.units` → `model.layers`), if any.
    static func compactKey(of key: String) -> String? {
        compactLists.map(\.key).first { key.hasPrefix($0 + ".") }
    }

    private mutating func add(_ node: Node, prefix: String) {
        switch node.content {
        case .scalar(let scalar):
            set(prefix, Value(text: scalar.text, isPlain: scalar.isPlain))
        case .sequence(let items):
            if items.isEmpty { set(prefix, Value(text: "[]", isPlain: true)) }
            for (index, item) in items.enumerated() { add(item, prefix: join(prefix, String(index))) }
        case .mapping(let pairs):
            if pairs.isEmpty { set(prefix, Value(text: "{}", isPlain: true)) }
            for pair in pairs { add(pair.value, prefix: join(prefix, pair.key.scalar?.text ?? "?")) }
        }
    }

    private mutating func set(_ key: String, _ value: Value) {
        if values.updateValue(value, forKey: key) == nil { keys.append(key) }
    }

    private func join(_ prefix: String, _ component: String) -> String {
        prefix.isEmpty ? component : prefix + "." + component
    }
}

extension Node {
    /// The value reached by following mapping keys, or nil where a key is missing.
    func value(atPath path: [String]) -> Node? {
        var node = self
        for key in path {
            guard let next = node.mapping?.first(where: { $0.key.scalar?.text == key })?.value else { return nil }
            node = next
        }
        return node
    }
}
