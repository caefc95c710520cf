import Engine
import YAML

extension ModelSpec.Layer {
    /// Every kind of layer an experiment file can name, in the order "expected …" lists them.
    static let kinds: [Kind<ModelSpec.Layer>] = [.conv, .maxPool, .dense, .relu, .dropout, .flatten]
}

extension Decoding {
    /// One layer in any of its forms: `- relu`, `- maxpool: 2`, `- dense: 500`, `- dropout: 0.5`,
    /// `- conv: {filters: 32, kernel: 3, stride: 1, padding: 0, init: {…}}`,
    /// `- maxpool: {size: 2, stride: 2}`, `- dense: {units: 500, init: {bias: 1}}`.
    func layer(_ node: Node, _ path: [String]) throws(Diagnostic) -> ModelSpec.Layer {
        let (kind, nameNode, value) = try layerParts(node, path)
        let valuePath = path + [kind.name]
        let example = kind.example ?? kind.name
        if kind.keyNames.isEmpty {
            guard value.isNull || value.mapping?.isEmpty == true else {
                throw error("\(kind.name) takes no settings; write '- \(kind.name)'", at: value, path: valuePath)
            }
        } else if value.isNull {
            throw error("\(kind.name) needs settings, e.g. '- \(example)'", at: nameNode, path: valuePath)
        } else if value.mapping == nil {
            guard let shortForm = kind.shortForm else {
                let required = kind.requiredKeyNames.joined(separator: " and ")
                throw error("\(kind.name) needs a mapping with at least \(required), e.g. '\(example)'",
                            at: value, path: valuePath)
            }
            return try shortForm(value, valuePath, self)
        }
        return try kind.decode(value, valuePath, self)
    }

    /// A layer's kind, the node naming it, and its settings (null for `- relu`).
    private func layerParts(_ node: Node, _ path: [String]) throws(Diagnostic) -> (Kind<ModelSpec.Layer>, Node, Node) {
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
        return (kinds.first { $0.name == name }!, nameNode, value)
    }
}
