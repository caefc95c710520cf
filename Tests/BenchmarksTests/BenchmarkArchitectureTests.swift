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

    /// `--profile`'s table: a row per step of the plan (fused groups as one), whose FLOPs add
    /// up to the step's, then the batch's copy, the optimizer and the rest, all within the step.
    @Test func theProfileAccountsForTheWholeStep() throws {
        let result = try Benchmark(architecture: .cnnSmall, batchSize: 4, steps: 2, windows: 1, profiles: true).run()
        let table = try #require(result.profile)
        #expect(table.rows.map(\.label).first == "conv1+relu1+maxpool1 (conv 2@5×5)")
        #expect(table.rows.suffix(3).map(\.label) == ["copying the batch in", "optimizer", "loss, and waits between sections"])
        #expect(table.rows.count == 4 + 8 + 3)
        #expect(table.rows.reduce(0) { $0 + $1.flops } == Double(4 * BenchmarkArchitecture.cnnSmall.trainingFLOPs))
        let accounted = table.rows.reduce(0) { $0 + $1.milliseconds }
        #expect(table.stepMilliseconds > 0 && abs(accounted - table.stepMilliseconds) <= 1e-6 * table.stepMilliseconds)
        #expect(table.description.split(separator: "\n").count == table.rows.count + 2)
        #expect(try Benchmark(architecture: .mlp, batchSize: 2, steps: 1, windows: 1).run().profile == nil)
    }
}
