import Engine
import YAML

extension Decoding {
    static let layerNames = ["conv", "maxpool", "dense", "relu", "dropout", "flatten"]
    static let initializerKeys = ["weights", "distribution", "bias"]

    /// The model section, then the whole network's shapes: a model that decodes but cannot
    /// be built (a kernel larger than its input, dense before flatten, not 30 outputs) is an
    /// error at the offending layer's line.
    func model(_ node: Node, _ path: [String]) throws(Diagnostic) -> ModelSpec {
        let fields = try Fields(node, path, allowed: ["init", "layers"],
                                expected: "a mapping with init and layers", decoding: self)
        var initializer = Defaults.initializer
        if let global = fields["init"] {
            initializer = try initializerOverride(global, fields.path("init")).applied(to: initializer)
        }
        let layersPath = fields.path("layers")
        let layersNode = try fields.required("layers", example: "layers: [flatten, {dense: 30}]", decoding: self)
        guard let items = layersNode.sequence else {
            throw error("expected a list of layers, found \(layersNode.kindDescription)", at: layersNode, path: layersPath)
        }
        guard !items.isEmpty else {
            throw error("a model needs at least one layer", at: layersNode, path: layersPath)
        }
        var layers: [ModelSpec.Layer] = []
        for (index, item) in items.enumerated() {
            layers.append(try layer(item, layersPath + [String(index)]))
        }
        let model = ModelSpec(initializer: initializer, layers: layers)
        do {
            _ = try ModelSummary(model: model)
        } catch {
            let layerPath = layersPath + [String(error.layerIndex)]
            let message = "\(dotted(layerPath)): \(error.message)"
            // An override anywhere inside the layer (or above it) is the likelier cause than the file.
            if let override = overrides.last(where: { $0.keyPath.starts(with: layerPath) || layerPath.starts(with: $0.keyPath) }) {
                throw override.diagnostic(message)
            }
            throw source.diagnostic(at: items[error.layerIndex].mark, message)
        }
        return model
    }

    /// `init: {weights: he, distribution: normal, bias: 0}`, any subset of the three.
    func initializerOverride(_ node: Node, _ path: [String]) throws(Diagnostic) -> InitializerOverride {
        let fields = try Fields(node, path, allowed: Self.initializerKeys,
                                expected: "a mapping like {weights: he, distribution: normal, bias: 0}", decoding: self)
        var override = InitializerOverride()
        if let weights = fields["weights"] {
            override.scheme = try choice(weights, fields.path("weights"), what: "initializer", synonyms: initializerSynonyms)
        }
        if let distribution = fields["distribution"] {
            override.distribution = try choice(distribution, fields.path("distribution"), what: "distribution",
                                               synonyms: initializerSynonyms)
        }
        if let bias = fields["bias"] {
            override.bias = Float(try number(bias, fields.path("bias")))
        }
        return override
    }

    /// One layer in any of its forms: `- relu`, `- maxpool: 2`, `- dense: 500`, `- dropout: 0.5`,
    /// `- conv: {filters: 32, kernel: 3, stride: 1, padding: 0, init: {…}}`,
    /// `- maxpool: {size: 2, stride: 2}`, `- dense: {units: 500, init: {bias: 1}}`.
    func layer(_ node: Node, _ path: [String]) throws(Diagnostic) -> ModelSpec.Layer {
        let (name, nameNode, value) = try layerParts(node, path)
        let valuePath = path + [name]
        switch name {
        case "relu", "flatten":
            guard value.isNull || value.mapping?.isEmpty == true else {
                throw error("\(name) takes no settings; write '- \(name)'", at: value, path: valuePath)
            }
            return ModelSpec.Layer(name == "relu" ? .relu : .flatten)
        case "dropout":
            if value.mapping != nil {
                let fields = try Fields(value, valuePath, allowed: ["rate"], expected: "", decoding: self)
                let rate = try fields.required("rate", example: "dropout: {rate: 0.5}", decoding: self)
                return ModelSpec.Layer(.dropout(rate: try dropoutRate(rate, fields.path("rate"))))
            }
            guard !value.isNull else { throw needsSettings(name, at: nameNode, valuePath) }
            return ModelSpec.Layer(.dropout(rate: try dropoutRate(value, valuePath)))
        case "maxpool":
            if value.mapping != nil {
                let fields = try Fields(value, valuePath, allowed: ["size", "stride"], expected: "", decoding: self)
                let size = try integer(fields.required("size", example: "maxpool: {size: 2, stride: 2}", decoding: self),
                                       fields.path("size"), atLeast: 1)
                let stride = try fields["stride"].map { node throws(Diagnostic) in
                    try integer(node, fields.path("stride"), atLeast: 1)
                }
                return ModelSpec.Layer(.maxPool(size: size, stride: stride ?? size))
            }
            guard !value.isNull else { throw needsSettings(name, at: nameNode, valuePath) }
            let size = try integer(value, valuePath, atLeast: 1, name: "maxpool size")
            return ModelSpec.Layer(.maxPool(size: size, stride: size))
        case "dense":
            if value.mapping != nil {
                let fields = try Fields(value, valuePath, allowed: ["units", "init"], expected: "", decoding: self)
                let units = try integer(fields.required("units", example: "dense: {units: 500}", decoding: self),
                                        fields.path("units"), atLeast: 1)
                return ModelSpec.Layer(.dense(units: units), initializer: try layerInitializer(fields))
            }
            guard !value.isNull else { throw needsSettings(name, at: nameNode, valuePath) }
            return ModelSpec.Layer(.dense(units: try integer(value, valuePath, atLeast: 1, name: "dense units")))
        default: // conv
            guard value.mapping != nil else {
                if value.isNull { throw needsSettings(name, at: nameNode, valuePath) }
                throw error("conv needs a mapping with at least filters and kernel, e.g. 'conv: {filters: 32, kernel: 3}'",
                            at: value, path: valuePath)
            }
            let fields = try Fields(value, valuePath, allowed: ["filters", "kernel", "stride", "padding", "init"],
                                    expected: "", decoding: self)
            let example = "conv: {filters: 32, kernel: 3}"
            let filters = try integer(fields.required("filters", example: example, decoding: self),
                                      fields.path("filters"), atLeast: 1)
            let kernel = try integer(fields.required("kernel", example: example, decoding: self),
                                     fields.path("kernel"), atLeast: 1)
            let stride = try fields["stride"].map { node throws(Diagnostic) in
                try integer(node, fields.path("stride"), atLeast: 1)
            } ?? Defaults.convStride
            let padding = try fields["padding"].map { node throws(Diagnostic) in
                try integer(node, fields.path("padding"), atLeast: 0)
            } ?? Defaults.convPadding
            return ModelSpec.Layer(.conv(filters: filters, kernel: kernel, stride: stride, padding: padding),
                                   initializer: try layerInitializer(fields))
        }
    }

    /// A layer's type name, the node holding it, and its settings (null for `- relu`).
    private func layerParts(_ node: Node, _ path: [String]) throws(Diagnostic) -> (String, Node, Node) {
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
        let name = try choice(nameNode, path, what: "layer", among: Self.layerNames,
                              synonyms: ["linear": "dense", "fc": "dense", "conv2d": "conv", "pool": "maxpool"])
        return (name, nameNode, value)
    }

    private func needsSettings(_ name: String, at node: Node, _ path: [String]) -> Diagnostic {
        let example = ["dropout": "- dropout: 0.5", "maxpool": "- maxpool: 2", "dense": "- dense: 500",
                       "conv": "- conv: {filters: 32, kernel: 3}"][name] ?? ""
        return error("\(name) needs settings, e.g. '\(example)'", at: node, path: path)
    }

    private func dropoutRate(_ node: Node, _ path: [String]) throws(Diagnostic) -> Float {
        Float(try number(node, path, name: "dropout rate", rule: "at least 0 and less than 1") { $0 >= 0 && $0 < 1 })
    }

    private func layerInitializer(_ fields: Fields) throws(Diagnostic) -> InitializerOverride {
        try fields["init"].map { node throws(Diagnostic) in try initializerOverride(node, fields.path("init")) }
            ?? InitializerOverride()
    }
}
