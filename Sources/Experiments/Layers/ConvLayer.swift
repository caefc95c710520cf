import Engine
import YAML

/// `- conv: {filters: 32, kernel: 3, stride: 1, padding: 0, init: {weights: he}}`: a 2-D
/// convolution (`Engine.Convolution`); `padding: same` keeps ⌈size / stride⌉. `filters` and
/// `kernel` are required, so their zeros never reach a layer.
struct ConvLayer: LayerType, OverridesInitializer, HasPadding {
    var filters = 0
    var kernel = 0
    var stride = Defaults.convStride
    var padding = PaddingSetting.pixels(Defaults.convPadding)
    var initializer = InitializerOverride()

    static let keys = KeyTable<ConvLayer>([
        .integer("filters", \.filters, atLeast: 1, required: "conv: {filters: 32, kernel: 3}", sample: "4"),
        .integer("kernel", \.kernel, atLeast: 1, required: "conv: {filters: 32, kernel: 3}", sample: "5"),
        .integer("stride", \.stride, atLeast: 1, sample: "2"),
        .padding(writesNone: true),
        .initializer,
    ])

    static var kind: Kind<ModelSpec.Layer> {
        .layer(ConvLayer(), "conv", synonyms: ["conv2d"], example: "conv: {filters: 32, kernel: 3}", keys: keys)
    }

    var initializerOverride: InitializerOverride? { initializer }

    func sizes(inputs: [Shape]) throws(ShapeProblem) -> LayerSizes {
        let input = inputs[0]
        let padding = try padding.resolved(input: input, window: kernel, stride: stride, label: summaryLabel)
        let output = try Convolution.outputShape(for: input, filters: filters, kernel: kernel, stride: stride, padding: padding)
        let positions = product(output.channels, output.height, output.width)
        return try LayerSizes(output: output, parameters: sum(product(filters, input.channels, kernel, kernel), filters),
                              flops: product(2, positions, input.channels, kernel, kernel), label: summaryLabel)
    }

    var summaryLabel: String {
        "conv \(filters)@\(kernel)×\(kernel)" + (stride == 1 ? "" : "/\(stride)") + padding.summarySuffix
    }

    var architectureToken: String {
        "conv\(filters)k\(kernel)" + (stride == 1 ? "" : "s\(stride)") + padding.tokenSuffix
    }

    func planRole(inputs: [Shape]) -> FusionRole { .convolution }

    func makeOperation(inputs: [Shape], name: String, maxBatch: Int) throws(ShapeProblem) -> NetworkNode.Operation {
        let padding = try padding.resolved(input: inputs[0], window: kernel, stride: stride, label: summaryLabel)
        return .layer(try Convolution(input: inputs[0], filters: filters, kernel: kernel, stride: stride, padding: padding, name: name))
    }
}
