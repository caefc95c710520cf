import Engine
import YAML

extension Decoding {
    func model(_ node: Node, _ path: [String]) throws(Diagnostic) -> ModelSpec {
        try ModelSpec.keys.decode(node, path, from: ModelSpec(layers: []), decoding: self)
    }

    /// A non-empty list of layers, each in any of its kind's forms, and then the whole
    /// network's shapes: a list that decodes but cannot be built (a kernel larger than its
    /// input, dense before flatten, not 30 outputs) is an error at the offending layer's line.
    func layers(_ node: Node, _ path: [String]) throws(Diagnostic) -> [ModelSpec.Layer] {
        guard let items = node.sequence else {
            throw error("expected a list of layers, found \(node.kindDescription)", at: node, path: path)
        }
        guard !items.isEmpty else {
            throw error("a model needs at least one layer", at: node, path: path)
        }
        var layers: [ModelSpec.Layer] = []
        for (index, item) in items.enumerated() {
            layers.append(try layer(item, path + [String(index)]))
        }
        do {
            // Shapes do not depend on the initializer.
            _ = try ModelSummary(model: ModelSpec(layers: layers))
        } catch {
            throw layerError(error.message, index: error.layerIndex, of: items, path)
        }
        return layers
    }

    /// An error about the whole layer `index` of the list `items` at `path`, at the layer's
    /// line: "model.layers.2: dense needs a flat input …".
    func layerError(_ message: String, index: Int, of items: [Node], _ path: [String]) -> Diagnostic {
        let layerPath = path + [String(index)]
        let message = "\(dotted(layerPath)): \(message)"
        // An override anywhere inside the layer (or above it) is the likelier cause than the file.
        if let override = overrides.last(where: { $0.keyPath.starts(with: layerPath) || layerPath.starts(with: $0.keyPath) }) {
            return override.diagnostic(message)
        }
        return source.diagnostic(at: items.indices.contains(index) ? items[index].mark : nil, message)
    }
}
