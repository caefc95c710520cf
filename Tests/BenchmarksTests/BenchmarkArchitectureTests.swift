import Benchmarks
import Engine
import Experiments
import Foundation
import Testing

/// The benchmark networks cost what the peers' README says a training step costs per image
/// (forward + backward without the first layer's input gradient): mlp 9.6, cnn-small 5.5,
/// cnn-large ≈27, nouri ≈262 MFLOP.
@Suite struct BenchmarkArchitectureTests {
    @Test(arguments: [(BenchmarkArchitecture.mlp, 9.6), (.cnnSmall, 5.5), (.cnnLarge, 27), (.nouri, 262)])
    func trainingFLOPsMatchThePeers(architecture: BenchmarkArchitecture, megaFLOPs: Double) {
        let measured = Double(architecture.trainingFLOPs) / 1e6
        #expect(abs(measured - megaFLOPs) / megaFLOPs < 0.05, "\(architecture.rawValue): \(measured) MFLOP")
        #expect(architecture.trainingFLOPs < 3 * architecture.forwardFLOPs)
    }

    /// The peers' layers, layer for layer (their README's summaries), and every network builds.
    @Test func theNetworksAreThePeersLayerForLayer() throws {
        let labels = try ModelSummary(model: BenchmarkArchitecture.cnnSmall.experiment.model).rows.map(\.label)
        #expect(labels == ["conv 2@5×5", "relu", "maxpool 2×2", "conv 4@5×5", "relu", "maxpool 2×2", "conv 8@4×4", "relu",
                           "maxpool 2×2", "conv 16@4×4", "relu", "maxpool 2×2", "flatten", "dense 144", "relu", "dropout 0.5",
                           "dense 144", "relu", "dropout 0.5", "dense 30"])
        for architecture in BenchmarkArchitecture.allCases {
            var rng = RandomGenerator(seed: 1)
            let network = try architecture.experiment.makeNetwork(maxBatch: 2, threads: 1, rng: &rng)
            #expect(network.outputShape.count == 30)
        }
    }

    /// The residual net's bench entry is the shipped experiment's model.
    @Test func theResidualNetIsTheShippedExperiment() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let shipped = try Experiment.load(contentsOfFile: root.appendingPathComponent("experiments/resnet.yaml").path)
        #expect(shipped.model.layers == BenchmarkArchitecture.resnet.experiment.model.layers)
        #expect(shipped.train.batchSize == BenchmarkArchitecture.resnet.batchSize)
    }
}
