import Engine
import YAML

/// `- maxpool: {size: 2, stride: 2}`, or `- maxpool: 2` for the size with the same stride
/// (`Engine.MaxPool`). `size` is required, so its zero never reaches a layer.
struct MaxPoolLayer: LayerType {
    var size = 0
    /// nil: the pool size, so that windows do not overlap.
    var stride: Int?

    static let keys = KeyTable<MaxPoolLayer>([
        .integer("size", \.size, atLeast: 1, required: "maxpool: {size: 2, stride: 2}", sample: "3"),
        Key("stride", sample: "1",
            decode: { pool, value, path, decoding throws(Diagnostic) in
                pool.stride = try decoding.integer(value, path, atLeast: 1)
            },
            encode: { pool in plain("\(pool.windowStride)") }),
    ])

    static var kind: Kind<ModelSpec.Layer> {
        .layer(MaxPoolLayer(), "maxpool", synonyms: ["pool"], example: "maxpool: 2", keys: keys,
               shortForm: { size, path, decoding throws(Diagnostic) in
                   MaxPoolLayer(size: try decoding.integer(size, path, atLeast: 1, name: "maxpool size"))
               })
    }

    var windowStride: Int { stride ?? size }

    /// A left-out stride is the size: `{size: 2}` and `{size: 2, stride: 2}` are one layer.
    static func == (left: MaxPoolLayer, right: MaxPoolLayer) -> Bool {
        left.size == right.size && left.windowStride == right.windowStride
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(size)
        hasher.combine(windowStride)
    }

    func sizes(inputs: [Shape]) throws(ShapeProblem) -> LayerSizes {
        let output = try LayerKind.maxPool(size: size, stride: windowStride).outputShape(for: inputs[0])
        return try LayerSizes(output: output, parameters: 0,
                              flops: product(output.channels, output.height, output.width, size, size), label: summaryLabel)
    }

    var summaryLabel: String { "maxpool \(size)×\(size)" + (windowStride == size ? "" : "/\(windowStride)") }
    var architectureToken: String { "pool\(size)" + (windowStride == size ? "" : "s\(windowStride)") }
    var planRole: FusionRole { MaxPool.fusionRole(size: size) }

    func makeOperation(inputs: [Shape], name: String, maxBatch: Int) throws(ShapeProblem) -> NetworkNode.Operation {
        .layer(try MaxPool(input: inputs[0], size: size, stride: windowStride, maxBatch: maxBatch))
    }
}
