import Experiments
import YAML

/// A resolved experiment flattened into dotted keys, in the order the keys appear in
/// `config.yaml`: `train.learning_rate`, `model.init.weights`, `model.layers.0.conv.filters` …
/// Mapping keys join with `.`, list items by their 0-based index. Comparing runs key by key
/// needs no knowledge of the experiment's typed spec, so any field a future spec adds is
/// compared too.
///
/// One synthetic key is added when the config has a `model.layers` list:
/// `model.layers` itself, whose value is the compact architecture (`conv32k3-relu-pool2-…-dense30`,
/// see `Architecture`), so that runs can be filtered and grouped by architecture.
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

    public init(_ root: Node) {
        add(root, prefix: "")
        if let layers = root.value(atPath: ["model", "layers"])?.sequence {
            let key = FlatConfig.architectureKey
            // Placed where the layers start, so that columns follow the file's order.
            if values.updateValue(Value(text: Architecture.text(layers: layers), isPlain: false), forKey: key) == nil {
                keys.insert(key, at: keys.firstIndex(where: FlatConfig.isLayerDetail) ?? keys.endIndex)
            }
        }
    }

    public subscript(key: String) -> Value? { values[key] }

    /// Whether `key` names one of the list items under `model.layers` (not the synthetic key).
    static func isLayerDetail(_ key: String) -> Bool {
        key.hasPrefix(architectureKey + ".")
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
