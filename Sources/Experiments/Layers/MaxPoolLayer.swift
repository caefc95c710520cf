import Engine
import YAML

/// `- maxpool: {size: 2, stride: 2, padding: 0}`, or `- maxpool: 2` for the size with the same
/// stride (`Engine.MaxPool`); padded positions are never picked. `size` is required, so its
/// zero never reaches a layer.
struct MaxPoolLayer: LayerType, PoolSettings {
    var size = 0
    /// nil: the pool size, so that windows do not overlap.
    var stride: Int?
    var padding = PaddingSetting.pixels(0)

    static let keys = poolKeys(MaxPoolLayer.self, name: "maxpool")

    static var kind: Kind<ModelSpec.Layer> {
        .layer(MaxPoolLayer(), "maxpool", synonyms: ["pool", "max_pool"], example: "maxpool: 2", keys: keys,
               shortForm: { size, path, decoding throws(Diagnostic) in
                   MaxPoolLayer(size: try decoding.integer(size, path, atLeast: 1, name: "maxpool size"))
               })
    }

    func sizes(inputs: [Shape]) throws(ShapeProblem) -> LayerSizes {
        let output = try MaxPool.outputShape(for: inputs[0], size: size, stride: windowStride,
                                             padding: try enginePadding(inputs[0], label: summaryLabel))
        return try windowSizes(output, label: summaryLabel)
    }

    var summaryLabel: String { "maxpool " + windowLabel }
    var architectureToken: String { "pool" + windowToken }

    func planRole(inputs: [Shape]) -> FusionRole {
        guard let padding = try? enginePadding(inputs[0], label: summaryLabel) else { return .other }
        return MaxPool.fusionRole(size: size, padding: padding)
    }

    func makeOperation(inputs: [Shape], name: String, maxBatch: Int) throws(ShapeProblem) -> NetworkNode.Operation {
        .layer(try MaxPool(input: inputs[0], size: size, stride: windowStride,
                           padding: try enginePadding(inputs[0], label: summaryLabel), maxBatch: maxBatch))
    }
}

/// `- avgpool: {size: 2, stride: 2, padding: same}`, or `- avgpool: 2` (`Engine.AveragePool`):
/// the mean of each window's values inside the input (padding is not counted).
struct AveragePoolLayer: LayerType, PoolSettings {
    var size = 0
    var stride: Int?
    var padding = PaddingSetting.pixels(0)

    static let keys = poolKeys(AveragePoolLayer.self, name: "avgpool")

    static var kind: Kind<ModelSpec.Layer> {
        .layer(AveragePoolLayer(), "avgpool", synonyms: ["avg_pool", "averagepool", "average_pool"], example: "avgpool: 2",
               keys: keys,
               shortForm: { size, path, decoding throws(Diagnostic) in
                   AveragePoolLayer(size: try decoding.integer(size, path, atLeast: 1, name: "avgpool size"))
               })
    }

    func sizes(inputs: [Shape]) throws(ShapeProblem) -> LayerSizes {
        let output = try AveragePool.outputShape(for: inputs[0], size: size, stride: windowStride,
                                                 padding: try enginePadding(inputs[0], label: summaryLabel))
        return try windowSizes(output, label: summaryLabel)
    }

    var summaryLabel: String { "avgpool " + windowLabel }
    var architectureToken: String { "avg" + windowToken }

    func makeOperation(inputs: [Shape], name: String, maxBatch: Int) throws(ShapeProblem) -> NetworkNode.Operation {
        .layer(try AveragePool(input: inputs[0], size: size, stride: windowStride,
                               padding: try enginePadding(inputs[0], label: summaryLabel), maxBatch: maxBatch))
    }
}

/// What max- and average-pooling are written with: a window size, a stride that defaults to
/// the size, and padding.
protocol PoolSettings: HasPadding, Hashable {
    var size: Int { get set }
    var stride: Int? { get set }
}

extension PoolSettings {
    var windowStride: Int { stride ?? size }

    /// `2×2`, `3×3/2`, `2×2 same`.
    var windowLabel: String { "\(size)×\(size)" + (windowStride == size ? "" : "/\(windowStride)") + padding.summarySuffix }
    /// `2`, `3s2`, `2same`.
    var windowToken: String { "\(size)" + (windowStride == size ? "" : "s\(windowStride)") + padding.tokenSuffix }

    /// The Engine's padding for this input (`same` resolved, huge numbers refused).
    func enginePadding(_ input: Shape, label: String) throws(ShapeProblem) -> Padding {
        try padding.resolved(input: input, window: size, stride: windowStride, label: label)
    }

    /// No parameters; one comparison or addition per window value.
    func windowSizes(_ output: Shape, label: String) throws(ShapeProblem) -> LayerSizes {
        try LayerSizes(output: output, parameters: 0, flops: product(output.channels, output.height, output.width, size, size),
                       label: label)
    }

    /// A left-out stride is the size: `{size: 2}` and `{size: 2, stride: 2}` are one layer.
    static func == (left: Self, right: Self) -> Bool {
        left.size == right.size && left.windowStride == right.windowStride && left.padding == right.padding
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(size)
        hasher.combine(windowStride)
        hasher.combine(padding)
    }
}

/// `size` (required), `stride`, `padding`.
private func poolKeys<Settings: PoolSettings>(_: Settings.Type, name: String) -> KeyTable<Settings> {
    KeyTable<Settings>([
        Key("size", required: "\(name): {size: 2, stride: 2}", sample: "3",
            decode: { pool, value, path, decoding throws(Diagnostic) in
                pool.size = try decoding.integer(value, path, atLeast: 1)
            },
            encode: { pool in plain("\(pool.size)") }),
        Key("stride", sample: "1",
            decode: { pool, value, path, decoding throws(Diagnostic) in
                pool.stride = try decoding.integer(value, path, atLeast: 1)
            },
            encode: { pool in plain("\(pool.windowStride)") }),
        .padding(writesNone: false),
    ])
}
