import Engine
import YAML

/// `- dense: {units: 500, init: {bias: 1}}`, or `- dense: 500` for the units alone: a fully
/// connected layer (`Engine.Dense`) on a flat input. `units` is required, so its zero never
/// reaches a layer.
struct DenseLayer: LayerType, OverridesInitializer {
    var units = 0
    var initializer = InitializerOverride()

    static let keys = KeyTable<DenseLayer>([
        .integer("units", \.units, atLeast: 1, required: "dense: {units: 500}", sample: "40"),
        .initializer,
    ])

    static var kind: Kind<ModelSpec.Layer> {
        .layer(DenseLayer(), "dense", synonyms: ["linear", "fc"], example: "dense: 500", keys: keys,
               shortForm: { units, path, decoding throws(Diagnostic) in
                   DenseLayer(units: try decoding.integer(units, path, atLeast: 1, name: "dense units"))
               })
    }

    var initializerOverride: InitializerOverride? { initializer }

    func sizes(inputs: [Shape]) throws(ShapeProblem) -> LayerSizes {
        let input = inputs[0]
        let output = try Dense.outputShape(for: input, units: units)
        return try LayerSizes(output: output, parameters: sum(product(units, input.count), units),
                              flops: product(2, units, input.count), label: summaryLabel)
    }

    var summaryLabel: String { "dense \(units)" }
    var architectureToken: String { "dense\(units)" }

    func makeOperation(inputs: [Shape], name: String, maxBatch: Int) throws(ShapeProblem) -> NetworkNode.Operation {
        .layer(try Dense(input: inputs[0], units: units, name: name))
    }
}
