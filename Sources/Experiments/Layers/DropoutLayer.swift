import Engine
import YAML

/// `- dropout: 0.5`, or `- dropout: {rate: 0.5}`: inverted dropout (`Engine.Dropout`). The rate
/// is required, so the 0 it starts from never reaches a layer.
struct DropoutLayer: LayerType {
    var rate: Float = 0

    static let keys = KeyTable<DropoutLayer>([
        Key("rate", required: "dropout: {rate: 0.5}", sample: "0.5",
            decode: { layer, value, path, decoding throws(Diagnostic) in
                layer.rate = try decoding.dropoutRate(value, path)
            },
            encode: { layer in plain("\(layer.rate)") }),
    ])

    static var kind: Kind<ModelSpec.Layer> {
        .layer(DropoutLayer(), "dropout", example: "dropout: 0.5", keys: keys,
               shortForm: { rate, path, decoding throws(Diagnostic) in DropoutLayer(rate: try decoding.dropoutRate(rate, path)) },
               writesShortForm: true)
    }

    func sizes(inputs: [Shape]) throws(ShapeProblem) -> LayerSizes { LayerSizes(elementWise: inputs[0]) }

    var summaryLabel: String { "dropout \(rate)" }
    var architectureToken: String { "drop\(rate)" }
    var worksInPlace: Bool { true }

    func makeOperation(inputs: [Shape], name: String, maxBatch: Int) throws(ShapeProblem) -> NetworkNode.Operation {
        .layer(try Dropout(input: inputs[0], rate: rate, maxBatch: maxBatch))
    }
}

extension Decoding {
    /// Named "dropout rate" in messages whichever form gave it.
    fileprivate func dropoutRate(_ node: Node, _ path: [String]) throws(Diagnostic) -> Float {
        Float(try number(node, path, name: "dropout rate", rule: "at least 0 and less than 1") { $0 >= 0 && $0 < 1 })
    }
}
