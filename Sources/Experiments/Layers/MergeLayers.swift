import Engine
import YAML

/// `- add: [stem, branch]`, or `- add: {inputs: [stem, branch]}`: the element-wise sum of
/// two or more values of one shape (`Engine.Add`), a residual connection.
struct AddLayer: LayerType {
    static var kind: Kind<ModelSpec.Layer> { mergeKind("add", AddLayer()) }
    static var isMerge: Bool { true }

    func sizes(inputs: [Shape]) throws(ShapeProblem) -> LayerSizes {
        let output = try Add.outputShape(for: inputs)
        return try LayerSizes(output: output, parameters: 0, flops: product(inputs.count - 1, output.count), label: "add")
    }

    var summaryLabel: String { "add" }
    var architectureToken: String { "add" }

    func makeOperation(inputs: [Shape], name: String, maxBatch: Int) throws(ShapeProblem) -> NetworkNode.Operation {
        .merge(try Add(inputs: inputs))
    }
}

/// `- concat: [left, right]`, or `- concat: {inputs: [left, right]}`: two or more values of
/// one height and width stacked over channels (`Engine.Concat`).
struct ConcatLayer: LayerType {
    static var kind: Kind<ModelSpec.Layer> { mergeKind("concat", ConcatLayer()) }
    static var isMerge: Bool { true }

    func sizes(inputs: [Shape]) throws(ShapeProblem) -> LayerSizes {
        try LayerSizes(output: try Concat.outputShape(for: inputs), parameters: 0, flops: 0, label: "concat")
    }

    var summaryLabel: String { "concat" }
    var architectureToken: String { "concat" }

    func makeOperation(inputs: [Shape], name: String, maxBatch: Int) throws(ShapeProblem) -> NetworkNode.Operation {
        .merge(try Concat(inputs: inputs))
    }
}

/// A merge's one setting, the names of what it reads, as a list or under `inputs`.
private func mergeKind(_ name: String, _ type: some LayerType) -> Kind<ModelSpec.Layer> {
    let example = "\(name): [stem, branch]"
    let keys = KeyTable<ModelSpec.Layer>([
        Key("inputs", required: example, sample: "[input, input, input]",
            decode: { layer, value, path, decoding throws(Diagnostic) in
                layer.inputs = try decoding.mergeInputs(value, path, example: example)
            },
            encode: { layer in sequence(layer.inputs.map(string)) }),
    ])
    return Kind(name, example: example, keys: keys,
                shortForm: { value, path, decoding throws(Diagnostic) in
                    ModelSpec.Layer(type, inputs: try decoding.mergeInputs(value, path, example: example))
                },
                writesShortForm: true,
                decode: { settings, path, decoding throws(Diagnostic) in
                    try keys.decode(settings, path, from: ModelSpec.Layer(type), decoding: decoding)
                },
                encode: { layer in layer.type.base.isEqual(to: type) ? keys.encode(layer) : nil })
}

extension Decoding {
    /// Two or more layer names.
    fileprivate func mergeInputs(_ node: Node, _ path: [String], example: String) throws(Diagnostic) -> [String] {
        guard let items = node.sequence, items.count >= 2 else {
            let found = node.sequence.map { "a list of \($0.count)" } ?? node.kindDescription
            throw error("a merge reads a list of two or more layer names, e.g. '\(example)', found \(found)",
                        at: node, path: path)
        }
        var names: [String] = []
        for (index, item) in items.enumerated() {
            names.append(try layerName(item, path + [String(index)], defining: false))
        }
        return names
    }
}
