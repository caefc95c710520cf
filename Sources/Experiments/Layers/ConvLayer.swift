import Engine
import YAML

/// `- conv: {filters: 32, kernel: 3, stride: 1, padding: 0, init: {weights: he}}`: a 2-D
/// convolution (`Engine.Convolution`). `filters` and `kernel` are required, so their zeros
/// never reach a layer.
struct ConvLayer: LayerType, OverridesInitializer {
    var filters = 0
    var kernel = 0
    var stride = Defaults.convStride
    var padding = Defaults.convPadding
    var initializer = InitializerOverride()

    static let keys = KeyTable<ConvLayer>([
        .integer("filters", \.filters, atLeast: 1, required: "conv: {filters: 32, kernel: 3}", sample: "4"),
        .integer("kernel", \.kernel, atLeast: 1, required: "conv: {filters: 32, kernel: 3}", sample: "5"),
        .integer("stride", \.stride, atLeast: 1, sample: "2"),
        .integer("padding", \.padding, atLeast: 0, sample: "1"),
        .initializer,
    ])

    static var kind: Kind<ModelSpec.Layer> {
        .layer(ConvLayer(), "conv", synonyms: ["conv2d"], example: "conv: {filters: 32, kernel: 3}", keys: keys)
    }

    var initializerOverride: InitializerOverride? { initializer }

    func sizes(inputs: [Shape]) throws(ShapeProblem) -> LayerSizes {
        let input = inputs[0]
        // The padding is the one number shape inference adds before checking it.
        guard sum(product(2, padding), max(input.height, input.width)) != nil else {
            throw ShapeProblem("\(summaryLabel) is too large: its sizes do not fit a 64-bit integer")
        }
        let output = try engineKind.outputShape(for: input)
        let positions = product(output.channels, output.height, output.width)
        return try LayerSizes(output: output, parameters: sum(product(filters, input.channels, kernel, kernel), filters),
                              flops: product(2, positions, input.channels, kernel, kernel), label: summaryLabel)
    }

    private var engineKind: LayerKind { .conv(filters: filters, kernel: kernel, stride: stride, padding: padding) }

    var summaryLabel: String {
        "conv \(filters)@\(kernel)×\(kernel)" + (stride == 1 ? "" : "/\(stride)") + (padding == 0 ? "" : " pad \(padding)")
    }

    var architectureToken: String {
        "conv\(filters)k\(kernel)" + (stride == 1 ? "" : "s\(stride)") + (padding == 0 ? "" : "p\(padding)")
    }

    var planRole: FusionRole { .convolution }

    func makeOperation(inputs: [Shape], name: String, maxBatch: Int) throws(ShapeProblem) -> NetworkNode.Operation {
        .layer(try Convolution(input: inputs[0], filters: filters, kernel: kernel, stride: stride, padding: padding, name: name))
    }
}
