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

    /// Trains `steps` steps from `seed` and returns every parameter's bit patterns;
    /// `profiled` times the steps (`Network.startProfiling`) and hands back the profile.
    private func train(seed: UInt64, threads: Int, steps: Int = 6, inputKept: Bool = false,
                       profiled: ((StepProfile) -> Void)? = nil) throws -> [[UInt32]] {
        var initialization = RandomGenerator(seed: seed, stream: .initialization)
        var dropout = RandomGenerator(seed: seed, stream: .dropout)
        let network = try Network(input: Shape(channels: 1, height: 12, width: 12), layers: Self.layers,
                                  maxBatch: 8, threads: threads, rng: &initialization)
        if let profiled { profiled(network.startProfiling()) }
        let optimizer = Optimizer(.nesterov, parameters: network.parameters, l2: 1e-3)
        let inputs = randomValues(8 * 144, seed: seed &+ 1)
        let targets = randomValues(8 * 6, seed: seed &+ 2)
        for step in 0..<steps {
            let count = step % 2 == 0 ? 8 : 5  // a short last batch reuses the same buffers
            inputs.withUnsafeBufferPointer { inputs in
                let output = network.forward(inputs, count: count, training: true, inputKept: inputKept, rng: &dropout)
                let (_, gradient) = meanSquaredError(predictions: Array(output), targets: Array(targets[0..<(count * 6)]))
                network.backward(outputGradient: gradient)
            }
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

    /// A profiled run trains to the same bits, and its profile times every step of the plan
    /// (the conv → relu → pool group as one) in every training step, backward only where a
    /// gradient flows.
    @Test(arguments: [1, 2])
    func profilingTimesEveryStepAndChangesNoBits(threads: Int) throws {
        var profile: StepProfile?
        let profiled = try train(seed: 11, threads: threads, steps: 4) { profile = $0 }
        #expect(profiled == (try train(seed: 11, threads: threads, steps: 4)))
        let recorded = try #require(profile)
        #expect(recorded.steps == 4)
        #expect(recorded.stepNodes == [[0, 1, 2], [3], [4], [5], [6], [7]])
        #expect(recorded.forwardSeconds.allSatisfy { $0 > 0 })
        #expect(recorded.backwardSeconds.allSatisfy { $0 > 0 })
        #expect(recorded.inputCopySeconds > 0)
    }

    /// A training forward that reads a kept input in place, and the backward that reads it
    /// there again, train to the same bits as one that copies it, at any thread count.
    @Test(arguments: [1, 2])
    func readingAKeptInputInPlaceChangesNoBits(threads: Int) throws {
        #expect((try train(seed: 11, threads: threads, inputKept: true)) == (try train(seed: 11, threads: threads)))
    }

    /// A network whose first layer works in place (dropout, then ReLU, over the input) copies a
    /// kept input all the same: the caller's batch is never written.
    @Test func aKeptInputIsNeverWritten() throws {
        let layers = [LayerDescription(.dropout(rate: 0.5)), LayerDescription(.relu), LayerDescription(.flatten),
                      LayerDescription(.dense(units: 3), initializer: Self.spec)]
        var initialization = RandomGenerator(seed: 3, stream: .initialization)
        var dropout = RandomGenerator(seed: 3, stream: .dropout)
        let network = try Network(input: Shape(channels: 1, height: 4, width: 4), layers: layers, maxBatch: 4,
                                  threads: 1, rng: &initialization)
        let inputs = randomValues(4 * 16, seed: 5)
        inputs.withUnsafeBufferPointer { inputs in
            _ = network.forward(inputs, count: 4, training: true, inputKept: true, rng: &dropout)
            network.backward(outputGradient: [Float](repeating: 1, count: 4 * 3))
        }
        #expect(inputs.map(\.bitPattern) == randomValues(4 * 16, seed: 5).map(\.bitPattern))
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

/// The promise that lets a run be checked anywhere: training gives the same bits at every
/// thread count and every kernel level, because no sum's order depends on either.
@Suite struct MachineIndependenceTests {
    static let spec = InitializerSpec(scheme: .he, distribution: .normal, bias: 0.01)
    /// Every way a convolution and a dense layer are computed: im2col (stride 2), per-tap GEMMs
    /// fused with ReLU and pooling (8 channels, 72 products per output), the direct kernel
    /// over a padded copy (9 channels, 36 products), per-tap GEMMs over a padded copy (12
    /// channels, 108), dense products in both directions.
    static let layers: [LayerDescription] = [
        LayerDescription(.conv(filters: 8, kernel: 3, stride: 2, padding: 1), initializer: spec),
        LayerDescription(.relu),
        LayerDescription(.conv(filters: 9, kernel: 3, stride: 1, padding: 0), initializer: spec),
        LayerDescription(.relu),
        LayerDescription(.maxPool(size: 2, stride: 2)),
        LayerDescription(.conv(filters: 12, kernel: 2, stride: 1, padding: 1), initializer: spec),
        LayerDescription(.relu),
        LayerDescription(.conv(filters: 10, kernel: 3, stride: 1, padding: 1), initializer: spec),
        LayerDescription(.relu),
        LayerDescription(.flatten),
        LayerDescription(.dense(units: 40), initializer: spec),
        LayerDescription(.relu),
        LayerDescription(.dropout(rate: 0.25)),
        LayerDescription(.dense(units: 30), initializer: spec),
    ]

    /// Trains a few steps with batches of 37 and 5 faces (more and fewer samples than the
    /// batch is cut into for its sums) and returns every parameter's bits.
    static func train(threads: Int) throws -> [[UInt32]] {
        var initialization = RandomGenerator(seed: 7, stream: .initialization)
        var dropout = RandomGenerator(seed: 7, stream: .dropout)
        let network = try Network(input: Shape(channels: 1, height: 22, width: 22), layers: layers,
                                  maxBatch: 37, threads: threads, rng: &initialization)
        let optimizer = Optimizer(.adam(), parameters: network.parameters, l2: 1e-4)
        let inputs = randomValues(37 * 22 * 22, seed: 8), targets = randomValues(37 * 30, seed: 9, low: -0.5, high: 0.5)
        for step in 0..<4 {
            let count = step == 2 ? 5 : 37
            let output = network.forward(Array(inputs.prefix(count * 22 * 22)), count: count, training: true, rng: &dropout)
            network.backward(outputGradient: meanSquaredError(predictions: output, targets: Array(targets.prefix(count * 30))).gradient)
            optimizer.step(learningRate: 0.001, momentum: 0)
        }
        let predictions = network.forward(Array(inputs.prefix(11 * 22 * 22)), count: 11, training: false, rng: &dropout)
        return network.parameters.map { $0.values.map(\.bitPattern) } + [predictions.map(\.bitPattern)]
    }

    @Test func everyThreadCountAndKernelLevelGivesTheSameBits() throws {
        let levels = VectorKernels.availableLevels
        defer { VectorKernels.use(levels[0]) }
        let reference = try Self.train(threads: 1)
        for level in levels {
            VectorKernels.use(level)
            for threads in [1, 2, 3, 4, 7] where !(level == levels[0] && threads == 1) {
                #expect(try Self.train(threads: threads) == reference, "\(level), \(threads) threads")
            }
        }
    }
}
