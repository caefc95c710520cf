import Engine
import YAML

extension Decoding {
    /// One layer in any of its kind's forms — `- relu`, `- maxpool: 2`, `- dense: 500`,
    /// `- dropout: 0.5`, `- add: [stem, branch]`, `- conv: {filters: 32, kernel: 3, init: {…}}` —
    /// with the keys every kind takes in its mapping: `name` (what other layers read it by)
    /// and, for all but merges, `input` (the layer it reads instead of the one above it).
    func layer(_ node: Node, _ path: [String]) throws(Diagnostic) -> ModelSpec.Layer {
        let (type, nameNode, given) = try layerParts(node, path)
        let kind = type.kind
        let valuePath = path + [kind.name]
        let example = kind.example ?? kind.name
        var value = given, layerName: String?, input: String?
        if let pairs = given.mapping {
            var settings: [Node.Pair] = []
            for pair in pairs {
                switch pair.key.scalar?.text {
                case "name":
                    layerName = try self.layerName(pair.value, valuePath + ["name"], defining: true)
                case "input" where !type.isMerge:
                    input = try self.layerName(pair.value, valuePath + ["input"], defining: false)
                case "input":
                    throw error("\(kind.name) reads the layers its 'inputs' lists, e.g. '- \(example)'",
                                at: pair.key, path: valuePath + ["input"])
                default:
                    settings.append(pair)
                }
            }
            value = Node(.mapping(settings), mark: given.mark)
        }
        if kind.keyNames.isEmpty && !(value.isNull || value.mapping?.isEmpty == true) {
            throw error("\(kind.name) takes no settings; write '- \(kind.name)'", at: value, path: valuePath)
        }
        if value.isNull && !kind.requiredKeyNames.isEmpty {
            throw error("\(kind.name) needs settings, e.g. '- \(example)'", at: nameNode, path: valuePath)
        }
        var layer: ModelSpec.Layer
        if !value.isNull && value.mapping == nil {
            guard let shortForm = kind.shortForm else {
                let required = kind.requiredKeyNames.joined(separator: " and ")
                throw error("\(kind.name) needs a mapping with at least \(required), e.g. '\(example)'",
                            at: value, path: valuePath)
            }
            layer = try shortForm(value, valuePath, self)
        } else {
            // A mapping, or null: every setting takes its default (`- relu`, `- batchnorm`).
            layer = try kind.decode(value, valuePath, self)
        }
        layer.name = layerName
        if let input { layer.inputs = [input] }
        return layer
    }

    /// A layer's type, the node naming its kind, and its settings (null for `- relu`).
    private func layerParts(_ node: Node, _ path: [String]) throws(Diagnostic) -> (any LayerType.Type, Node, Node) {
        let nameNode: Node, value: Node
        if node.scalar != nil, !node.isNull {
            nameNode = node
            value = Node(.scalar(Node.Scalar(text: "")), mark: node.mark)  // `- relu` has null settings
        } else if let pairs = node.mapping, pairs.count == 1 {
            nameNode = pairs[0].key
            value = pairs[0].value
        } else if let pairs = node.mapping, pairs.count > 1 {
            let keys = pairs.map { "'\($0.key.scalar?.text ?? "?")'" }.joined(separator: ", ")
            throw error("a layer is one key naming its type, found \(keys); put its settings inside it, "
                        + "e.g. '- dense: {units: 500, init: {bias: 1}}'", at: node, path: path)
        } else {
            throw error("expected a layer such as '- relu', '- dense: 500' or '- conv: {filters: 32, kernel: 3}', "
                        + "found \(node.kindDescription)", at: node, path: path)
        }
        let kinds = ModelSpec.Layer.kinds
        let name = try choice(nameNode, path, what: "layer", among: kinds.map(\.name),
                              synonyms: Kind.synonyms(among: kinds))
        return (ModelSpec.Layer.types.first { $0.kind.name == name }!, nameNode, value)
    }

    /// A layer's name: a letter, then letters, digits, `_` or `-` (it prefixes parameter names,
    /// `stem.weight`). `input` names the network's input, so a layer may read it but not take it.
    func layerName(_ node: Node, _ path: [String], defining: Bool) throws(Diagnostic) -> String {
        guard let text = node.scalar?.text, !node.isNull else {
            throw error("expected a layer name, found \(node.kindDescription)", at: node, path: path)
        }
        guard isLayerName(text) else {
            throw error("'\(text)' is not a layer name: a letter, then letters, digits, '_' or '-', at most 64 in all",
                        at: node, path: path)
        }
        if defining && text == ModelGraph.inputName {
            throw error("'\(text)' names the network's input; choose another name", at: node, path: path)
        }
        return text
    }
}

func isLayerName(_ text: String) -> Bool {
    guard let first = text.unicodeScalars.first, first.isASCIILetter, text.count <= 64 else { return false }
    return text.unicodeScalars.allSatisfy { $0.isASCIILetter || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" }
}

extension Unicode.Scalar {
    fileprivate var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
}

extension ModelSpec.Layer {
    /// The layer as the canonical form writes it: its kind's own form (`- relu`, `- dense:
    /// {units: 500}`, `- dropout: 0.5`), with `name` and `input` after the settings when given.
    var canonicalNode: Node {
        let kind = Swift.type(of: type.base).kind
        var wiring: [(String, Node)] = []
        if let name { wiring.append(("name", string(name))) }
        if !Swift.type(of: type.base).isMerge, let input = inputs.first { wiring.append(("input", string(input))) }
        guard !wiring.isEmpty, let settings = kind.encode(self)?.mapping else {
            return Kind.canonicalNode(of: self, among: [kind])
        }
        let pairs = settings.map { ($0.key.scalar?.text ?? "", $0.value) } + wiring
        return mapping([(kind.name, mapping(pairs))])
    }
}
