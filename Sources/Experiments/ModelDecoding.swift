import Engine
import YAML

extension Decoding {
    func model(_ node: Node, _ path: [String]) throws(Diagnostic) -> ModelSpec {
        try ModelSpec.keys.decode(node, path, from: ModelSpec(layers: []), decoding: self)
    }

    /// A non-empty list of layers, each in any of its kind's forms, and then the whole
    /// network's shapes (`modelShapes`): a list that decodes but cannot be built (a kernel
    /// larger than its input, dense before flatten, not 30 outputs) is an error at the
    /// offending layer's line.
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
        // The graph and its shapes do not depend on the initializer.
        for model in modelShapes.models(of: layers) {
            do {
                _ = try ModelSummary(model: model)
            } catch {
                // The layer a cascade adds has no line of its own: its problem is the last layer's.
                let index = min(error.layerIndex, items.count - 1)
                throw layerError(index == error.layerIndex ? error.message : "the cascade ends each level-2 net with "
                                     + "'dense: \(model.outputs)', which fails: \(error.message)",
                                 index: index, keyPath: index == error.layerIndex ? error.keyPath : [], of: items, path)
            }
        }
        return layers
    }

    /// An error about layer `index` of the list `items` at `path` — at the key `keyPath` inside
    /// it when given and found (a misspelt `input`), else at the layer's line: "model.layers.2:
    /// dense needs a flat input …".
    func layerError(_ message: String, index: Int, keyPath: [String] = [], of items: [Node], _ path: [String]) -> Diagnostic {
        let layerPath = path + [String(index)]
        let message = "\(dotted(layerPath + keyPath)): \(message)"
        // An override anywhere inside the layer (or above it) is the likelier cause than the file.
        if let override = overrides.last(where: { $0.keyPath.starts(with: layerPath) || layerPath.starts(with: $0.keyPath) }) {
            return override.diagnostic(message)
        }
        guard items.indices.contains(index) else { return source.diagnostic(at: nil, message) }
        return source.diagnostic(at: (items[index].descendant(at: keyPath) ?? items[index]).mark, message)
    }
}

extension Node {
    /// The node `keyPath` below this one: mapping keys by name, list items by index. A layer
    /// written short (`- add: [a, b]`) has no `inputs` key, so its items are looked for directly.
    fileprivate func descendant(at keyPath: [String]) -> Node? {
        var node = self
        for key in keyPath {
            if let pairs = node.mapping {
                guard let value = pairs.first(where: { $0.key.scalar?.text == key })?.value else { return nil }
                node = value
            } else if let items = node.sequence, let index = Int(key), items.indices.contains(index) {
                node = items[index]
            } else if key == "inputs", node.sequence != nil {
                continue
            } else {
                return nil
            }
        }
        return node
    }
}

/// What a model's layers must fit when they are decoded.
enum ModelShapes {
    /// A whole face in, 30 values out.
    case face
    /// A cascade's level-2 nets: a `side`×`side` patch in, and the layers as written followed by
    /// the `dense` output layer the cascade adds for each group (`outputs`: 2 per keypoint).
    case patch(side: Int, outputs: [Int])

    /// The networks the layers must build into.
    func models(of layers: [ModelSpec.Layer]) -> [ModelSpec] {
        switch self {
        case .face:
            return [ModelSpec(layers: layers)]
        case .patch(let side, let outputs):
            return Set(outputs).sorted().map { ModelSpec(layers: layers).level2(patchSide: side, outputs: $0) }
        }
    }
}

extension ModelSpec {
    /// These layers as a cascade's level-2 net: on a `patchSide`×`patchSide` patch, ending in a
    /// `dense: outputs` layer (with the model's initializer) that predicts its group's keypoints.
    public func level2(patchSide: Int, outputs: Int) -> ModelSpec {
        var model = self
        model.layers.append(Layer(DenseLayer(units: outputs)))
        model.input = Shape(channels: 1, height: patchSide, width: patchSide)
        model.outputs = outputs
        return model
    }
}
