import Engine
@testable import Experiments
import Testing

/// The estimate's parts, counted by hand, and the checked sizes against the Engine's own.
@Suite struct MemoryEstimateTests {
    func estimate(_ text: String) throws -> MemoryEstimate {
        let experiment = try Experiment.decode(text: text, path: "x.yaml")
        return MemoryEstimate(experiment, summary: try ModelSummary(model: experiment.model))
    }

    @Test func aDenseNetOnSyntheticFacesAddsUp() throws {
        let estimate = try estimate("model: {layers: [flatten, {dense: 30}]}\ntrain: {epochs: 1}")
        #expect(estimate.batchRows == 128)
        #expect(estimate.data == 2000 * (9216 + 30 * 4))
        #expect(estimate.input == 128 * 9216 * 4)
        // Weights and gradients for plain SGD; flatten works in place.
        #expect(estimate.parameters == [0, (9216 * 30 + 30) * 4 * 2])
        #expect(estimate.activations == [0, 128 * 30 * 4 * 2])
    }

    @Test func adamKeepsTwoMomentsAndMomentumOneVelocity() throws {
        let layers = "model: {layers: [flatten, {dense: 30}]}\n"
        let adam = try estimate(layers + "train: {epochs: 1, optimizer: adam}")
        let momentum = try estimate(layers + "train: {epochs: 1, optimizer: {sgd: {momentum: 0.9}}}")
        #expect(adam.parameters[1] == Double(9216 * 30 + 30) * 4 * 4)
        #expect(momentum.parameters[1] == Double(9216 * 30 + 30) * 4 * 3)
    }

    @Test func theBatchIsAtMostTheSyntheticFacesAndADataFileCountsNone() throws {
        let small = try estimate("data: {synthetic: {count: 500}, validation: {holdout: 100}}\n"
                                 + "model: {layers: [flatten, {dense: 30}]}\ntrain: {epochs: 1, batch_size: 100000}")
        #expect(small.batchRows == 500)
        let file = try estimate("data: {train: faces.csv}\nmodel: {layers: [flatten, {dense: 30}]}\ntrain: {epochs: 1, batch_size: 100000}")
        #expect(file.batchRows == 100000)
        #expect(file.data == 0)
    }

    @Test func aConvTheEngineMayFuseWithReluAndMaxpoolStoresNoOutput() throws {
        let estimate = try estimate("""
            model: {layers: [{conv: {filters: 4, kernel: 3}}, relu, {maxpool: 2}, {conv: {filters: 2, kernel: 3}}, relu, flatten, {dense: 30}]}
            train: {epochs: 1, batch_size: 1}
            """)
        let stored: [Int] = [0, 0, 4 * 47 * 47 * 8, 2 * 45 * 45 * 8, 0, 0, 30 * 8]
        #expect(estimate.activations == stored.map(Double.init))
    }

    /// The registry's sizes and plan roles are what the Engine builds, for every layer of every
    /// shipped experiment: output shapes, parameter counts, fusion roles and in-place work.
    @Test(arguments: ["cnn4", "cnn5", "demo", "mlp", "nouri", "nouri-adam", "reference", "resnet"])
    func checkedSizesAreTheEnginesSizes(name: String) throws {
        let experiment = try Experiment.load(contentsOfFile: packageRoot().appendingPathComponent("experiments/\(name).yaml").path)
        let summary = try ModelSummary(model: experiment.model)
        var rng = RandomGenerator(seed: 1)
        let network = try experiment.model.makeNetwork(maxBatch: 1, threads: 1, rng: &rng)
        for (index, (row, node)) in zip(summary.rows, network.nodes).enumerated() {
            let layer = experiment.model.layers[index].type.base
            #expect(row.output == node.operation.outputShape)
            #expect(row.parameters == node.operation.parameters.reduce(0) { $0 + $1.count })
            #expect(row.name == node.name)
            if case .layer(let built) = node.operation {
                #expect(layer.planRole(inputs: node.operation.inputShapes) == built.fusionRole
                        && layer.worksInPlace == built.worksInPlace, "\(row.label)")
            }
        }
    }
}
