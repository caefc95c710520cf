import Engine
import YAML

/// `- relu`: y = max(0, x) (`Engine.ReLU`), in place.
struct ReLULayer: LayerType {
    static var kind: Kind<ModelSpec.Layer> { .layer(ReLULayer(), "relu", keys: KeyTable([])) }
    func sizes(inputs: [Shape]) throws(ShapeProblem) -> LayerSizes { LayerSizes(elementWise: inputs[0]) }
    var summaryLabel: String { "relu" }
    var architectureToken: String { "relu" }
    func planRole(inputs: [Shape]) -> FusionRole { .activation(negativeSlope: 0) }
    var worksInPlace: Bool { true }

    func makeOperation(inputs: [Shape], name: String, maxBatch: Int) throws(ShapeProblem) -> NetworkNode.Operation {
        .layer(ReLU(input: inputs[0]))
    }
}

/// `- flatten`: C×H×W → (C·H·W)×1×1, moving nothing (`Engine.Flatten`).
struct FlattenLayer: LayerType {
    static var kind: Kind<ModelSpec.Layer> { .layer(FlattenLayer(), "flatten", keys: KeyTable([])) }
    func sizes(inputs: [Shape]) throws(ShapeProblem) -> LayerSizes {
        LayerSizes(elementWise: Shape(channels: inputs[0].count, height: 1, width: 1), flopsPerValue: 0)
    }
    var summaryLabel: String { "flatten" }
    var architectureToken: String { "flatten" }
    func planRole(inputs: [Shape]) -> FusionRole { .reshape }
    var worksInPlace: Bool { true }

    func makeOperation(inputs: [Shape], name: String, maxBatch: Int) throws(ShapeProblem) -> NetworkNode.Operation {
        .layer(Flatten(input: inputs[0]))
    }
}
