import Testing
@testable import Engine

@Suite struct NetworkTests {
    static let spec = InitializerSpec(scheme: .he, distribution: .normal, bias: 0)
    static let layers: [LayerDescription] = [
        LayerDescription(.conv(filters: 4, kernel: 3, stride: 1, padding: 1), initializer: spec),
        LayerDescription(.relu),
        LayerDescription(.maxPool(size: 2, stride: 2)),
        LayerDescription(.flatten),
        LayerDescription(.dense(units: 16), initializer: spec),
        LayerDescription(.relu),
        LayerDescription(.dropout(rate: 0.5)),
        LayerDescription(.dense(units: 6), initializer: spec),
    ]

    /// Trains `steps` steps from `seed` and returns every parameter's bit patterns.
    private func train(seed: UInt64, threads: Int, steps: Int = 6) throws -> [[UInt32]] {
        var initialization = RandomGenerator(seed: seed, stream: .initialization)
        var dropout = RandomGenerator(seed: seed, stream: .dropout)
        let network = try Network(input: Shape(channels: 1, height: 12, width: 12), layers: Self.layers,
                                  maxBatch: 8, threads: threads, rng: &initialization)
        let optimizer = Optimizer(.nesterov, parameters: network.parameters, l2: 1e-3)
        let inputs = randomValues(8 * 144, seed: seed &+ 1)
        let targets = randomValues(8 * 6, seed: seed &+ 2)
        for step in 0..<steps {
            let count = step % 2 == 0 ? 8 : 5  // a short last batch reuses the same buffers
            let output = network.forward(inputs, count: count, training: true, rng: &dropout)
            let (_, gradient) = meanSquaredError(predictions: output, targets: Array(targets[0..<(count * 6)]))
            network.backward(outputGradient: gradient)
            optimizer.step(learningRate: 0.01, momentum: 0.9)
        }
        return network.parameters.map { $0.values.map(\.bitPattern) }
    }

    @Test(arguments: [1, 2, 3])
    func sameSeedAndThreadsGiveBitIdenticalParameters(threads: Int) throws {
        let first = try train(seed: 11, threads: threads)
        #expect(first == (try train(seed: 11, threads: threads)))
        #expect(first != (try train(seed: 12, threads: threads)))
    }

    @Test func trainingReducesTheLoss() throws {
        var rng = RandomGenerator(seed: 3)
        let network = try Network(input: Shape(channels: 1, height: 12, width: 12),
                                  layers: Self.layers.filter { $0.kind != .dropout(rate: 0.5) },
                                  maxBatch: 8, rng: &rng)
        let optimizer = Optimizer(.classicMomentum, parameters: network.parameters)
        let inputs = randomValues(8 * 144, seed: 4)
        let targets = randomValues(8 * 6, seed: 5, low: -0.5, high: 0.5)
        var losses: [Float] = []
        for _ in 0..<40 {
            let output = network.forward(inputs, count: 8, training: true, rng: &rng)
            let (loss, gradient) = meanSquaredError(predictions: output, targets: targets)
            losses.append(loss)
            network.backward(outputGradient: gradient)
            optimizer.step(learningRate: 0.01, momentum: 0.9)
        }
        #expect(losses.last! < 0.5 * losses.first!, "losses \(losses.first!) → \(losses.last!)")
    }

    @Test func parametersAreNamedAndRoundTrip() throws {
        var rng = RandomGenerator(seed: 1)
        let network = try Network(input: Shape(channels: 1, height: 12, width: 12), layers: Self.layers,
                                  maxBatch: 2, rng: &rng)
        #expect(network.parameters.map(\.name) == ["layer1.conv.weight", "layer1.conv.bias",
                                                   "layer5.dense.weight", "layer5.dense.bias",
                                                   "layer8.dense.weight", "layer8.dense.bias"])
        #expect(network.parameterCount == (4 * 9 + 4) + (144 * 16 + 16) + (16 * 6 + 6))
        let saved = network.parameterValues()
        var other = RandomGenerator(seed: 2)
        let copy = try Network(input: Shape(channels: 1, height: 12, width: 12), layers: Self.layers,
                               maxBatch: 2, rng: &other)
        try copy.load(saved)
        let input = randomValues(2 * 144, seed: 3)
        #expect(copy.predict(input, count: 2) == network.predict(input, count: 2))
        var broken = saved
        broken["layer5.dense.bias"] = [1, 2]
        #expect(throws: ParameterMismatch("layer5.dense.bias needs 16 values, got 2")) { try copy.load(broken) }
    }

    @Test func buildErrorsNameTheLayer() {
        var rng = RandomGenerator(seed: 1)
        #expect(throws: ShapeError(layerIndex: 0, message: "conv needs an initializer (scheme, distribution, bias)")) {
            try Network(input: Shape(channels: 1, height: 8, width: 8),
                        layers: [LayerDescription(.conv(filters: 2, kernel: 3, stride: 1, padding: 0))],
                        maxBatch: 1, rng: &rng)
        }
        #expect(throws: ShapeError.self) {
            try Network(input: Shape(channels: 1, height: 8, width: 8),
                        layers: [LayerDescription(.dense(units: 2), initializer: Self.spec)], maxBatch: 1, rng: &rng)
        }
    }
}

@Suite struct BLASKernelPolicyTests {
    static let avx512: Set<String> = ["sse2", "avx2", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]

    @Test func genericOrOlderKernelsOnAVX512MachinesBecomeSkylakeX() {
        #expect(BLASKernel.preferredCoreType(liveCore: "Prescott", cpuFlags: Self.avx512, choice: nil) == "SkylakeX")
        #expect(BLASKernel.preferredCoreType(liveCore: "Haswell", cpuFlags: Self.avx512, choice: nil) == "SkylakeX")
        #expect(BLASKernel.preferredCoreType(liveCore: "SkylakeX", cpuFlags: Self.avx512, choice: nil) == nil)
        #expect(BLASKernel.preferredCoreType(liveCore: "Cooperlake", cpuFlags: Self.avx512, choice: nil) == nil)
    }

    @Test func machinesWithoutAVX512AreLeftAlone() {
        #expect(BLASKernel.preferredCoreType(liveCore: "Haswell", cpuFlags: ["avx2", "avx512f"], choice: nil) == nil)
    }

    @Test func anExplicitChoiceWins() {
        #expect(BLASKernel.preferredCoreType(liveCore: "Prescott", cpuFlags: Self.avx512, choice: "keep") == nil)
        #expect(BLASKernel.preferredCoreType(liveCore: "SkylakeX", cpuFlags: Self.avx512, choice: "Haswell") == "Haswell")
        #expect(BLASKernel.preferredCoreType(liveCore: "Haswell", cpuFlags: Self.avx512, choice: "haswell") == nil)
    }
}
