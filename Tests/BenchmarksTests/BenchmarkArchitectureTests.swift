import Benchmarks
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
}
