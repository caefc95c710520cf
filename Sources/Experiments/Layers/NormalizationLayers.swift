import Engine
import YAML

/// `- batchnorm`, or `- batchnorm: {momentum: 0.1, epsilon: 1e-5}`: batch normalisation
/// (`Engine.BatchNorm`), per channel of a conv output and per unit of a dense one; batch
/// statistics in training, the running ones (saved with the weights) in inference. Its γ
/// starts at 1 and β at 0, whatever the initializer.
struct BatchNormLayer: LayerType {
    var momentum: Double = 0.1
    var epsilon: Double = 1e-5

    static let keys = KeyTable<BatchNormLayer>([
        .number("momentum", \.momentum, rule: "between 0 and 1", sample: "0.01") { $0 >= 0 && $0 <= 1 },
        .number("epsilon", \.epsilon, rule: "greater than 0", sample: "0.001") { $0 > 0 && $0.isFinite },
    ])

    static var kind: Kind<ModelSpec.Layer> {
        .layer(BatchNormLayer(), "batchnorm", synonyms: ["batch_norm", "bn", "batchnormalization"], keys: keys)
    }

    func sizes(inputs: [Shape]) throws(ShapeProblem) -> LayerSizes {
        let input = inputs[0]
        let output = try BatchNorm.outputShape(for: input, momentum: Float(momentum), epsilon: Float(epsilon))
        return try LayerSizes(output: output, parameters: product(2, input.channels), flops: product(2, input.count),
                              label: summaryLabel)
    }

    var summaryLabel: String { "batchnorm" }
    var architectureToken: String { "bn" }
    func planRole(inputs: [Shape]) -> FusionRole { .channelAffine }

    func makeOperation(inputs: [Shape], name: String, maxBatch: Int) throws(ShapeProblem) -> NetworkNode.Operation {
        .layer(try BatchNorm(input: inputs[0], momentum: Float(momentum), epsilon: Float(epsilon), maxBatch: maxBatch, name: name))
    }
}

/// `- leaky_relu`, `- leaky_relu: 0.1` or `- leaky_relu: {slope: 0.1}`: y = x > 0 ? x : slope·x
/// (`Engine.LeakyReLU`), in place; the slope defaults to 0.01, as in PyTorch.
struct LeakyReLULayer: LayerType {
    var slope: Double = 0.01

    static let keys = KeyTable<LeakyReLULayer>([
        .number("slope", \.slope, called: "leaky_relu slope", rule: "at least 0 and less than 1", sample: "0.2") { $0 >= 0 && $0 < 1 },
    ])

    static var kind: Kind<ModelSpec.Layer> {
        .layer(LeakyReLULayer(), "leaky_relu", synonyms: ["leakyrelu", "lrelu"], example: "leaky_relu: 0.1", keys: keys,
               shortForm: { slope, path, decoding throws(Diagnostic) in
                   LeakyReLULayer(slope: try decoding.number(slope, path, name: "leaky_relu slope",
                                                             rule: "at least 0 and less than 1") { $0 >= 0 && $0 < 1 })
               },
               writesShortForm: true)
    }

    func sizes(inputs: [Shape]) throws(ShapeProblem) -> LayerSizes { LayerSizes(elementWise: inputs[0]) }

    var summaryLabel: String { "leaky_relu \(slope)" }
    var architectureToken: String { "lrelu\(slope)" }
    func planRole(inputs: [Shape]) -> FusionRole { .activation(negativeSlope: Float(slope)) }
    var worksInPlace: Bool { true }

    func makeOperation(inputs: [Shape], name: String, maxBatch: Int) throws(ShapeProblem) -> NetworkNode.Operation {
        .layer(try LeakyReLU(input: inputs[0], slope: Float(slope)))
    }
}

/// `- global_avgpool`: C×H×W → C×1×1, the mean of each channel (`Engine.GlobalAveragePool`).
struct GlobalAveragePoolLayer: LayerType {
    static var kind: Kind<ModelSpec.Layer> {
        .layer(GlobalAveragePoolLayer(), "global_avgpool", synonyms: ["global_avg_pool", "gap", "globalaveragepooling"],
               keys: KeyTable([]))
    }

    func sizes(inputs: [Shape]) throws(ShapeProblem) -> LayerSizes {
        try LayerSizes(output: try GlobalAveragePool.outputShape(for: inputs[0]), parameters: 0, flops: inputs[0].count,
                       label: summaryLabel)
    }

    var summaryLabel: String { "global_avgpool" }
    var architectureToken: String { "gap" }

    func makeOperation(inputs: [Shape], name: String, maxBatch: Int) throws(ShapeProblem) -> NetworkNode.Operation {
        .layer(try GlobalAveragePool(input: inputs[0]))
    }
}
