import Testing
@testable import Engine

/// Graphs: values read by several nodes, merges, and the execution plan's fusion and sharing.
@Suite struct GraphTests {
    static let spec = InitializerSpec(scheme: .xavier, distribution: .normal, bias: 0.05)
    static let input = Shape(channels: 1, height: 10, width: 10)

    /// conv → relu ─┬─ conv → relu ─ add ─ concat → maxpool → flatten → dense
    ///              ├──────────────────┘      │
    ///              └─ conv 1×1 ──────────────┘
    /// and an add that reads one value twice: the first relu's output has four reading slots.
    static func residual(seed: UInt64, threads: Int = 1, fuses: Bool = true, maxBatch: Int = 3) throws -> Network {
        var rng = RandomGenerator(seed: seed)
        func initialized<L: Layer>(_ layer: L) -> L {
            layer.initialize(spec, using: &rng)
            return layer
        }
        let stem = initialized(try Convolution(input: input, filters: 4, kernel: 3, padding: 1, name: "stem"))
        let branch = initialized(try Convolution(input: stem.outputShape, filters: 4, kernel: 3, padding: 1, name: "branch"))
        let side = initialized(try Convolution(input: stem.outputShape, filters: 2, kernel: 1, name: "side"))
        let joined = Shape(channels: 6, height: 10, width: 10)
        let pool = try MaxPool(input: joined, size: 2, stride: 2, maxBatch: maxBatch)
        let dense = initialized(try Dense(input: Shape(channels: 6 * 25, height: 1, width: 1), units: 4, name: "head"))
        let nodes = [
            NetworkNode(name: "stem", layer: stem, input: 0),                                      // value 1
            NetworkNode(name: "relu1", layer: ReLU(input: stem.outputShape), input: 1),            // value 2
            NetworkNode(name: "branch", layer: branch, input: 2),                                  // value 3
            NetworkNode(name: "relu2", layer: ReLU(input: branch.outputShape), input: 3),          // value 4
            NetworkNode(name: "add", merge: try Add(inputs: [stem.outputShape, branch.outputShape]), inputs: [2, 4]),
            NetworkNode(name: "twice", merge: try Add(inputs: [stem.outputShape, stem.outputShape]), inputs: [5, 2]),
            NetworkNode(name: "side", layer: side, input: 2),                                      // value 7
            NetworkNode(name: "concat", merge: try Concat(inputs: [stem.outputShape, side.outputShape]), inputs: [6, 7]),
            NetworkNode(name: "pool", layer: pool, input: 8),
            NetworkNode(name: "flatten", layer: Flatten(input: pool.outputShape), input: 9),
            NetworkNode(name: "head", layer: dense, input: 10),
        ]
        return Network(input: input, nodes: nodes, maxBatch: maxBatch, threads: threads, fusesLayers: fuses)
    }

    @Test(arguments: [1, 2])
    func everyParameterOfAGraphMatchesFiniteDifferences(threads: Int) throws {
        let network = try Self.residual(seed: 5, threads: threads)
        let count = 3
        let input = randomValues(count * 100, seed: 6)
        let targets = randomValues(count * 4, seed: 7)
        func loss() -> (Double, [Float]) {
            var unused = RandomGenerator(seed: 0)
            let output = network.forward(input, count: count, training: true, rng: &unused)
            let (value, gradient) = meanSquaredError(predictions: output, targets: targets)
            return (Double(value), gradient)
        }
        network.backward(outputGradient: loss().1)
        #expect(network.parameters.map(\.name) == ["stem.weight", "stem.bias", "branch.weight", "branch.bias",
                                                   "side.weight", "side.bias", "head.weight", "head.bias"])
        for parameter in network.parameters {
            let analytic = parameter.gradient
            let result = GradientChecker.check(values: parameter.valuePointer, count: parameter.count,
                                               analytic: analytic, epsilon: 1e-3, skippingKinks: 1e-3) {
                parameter.markChanged()
                return loss().0
            }
            #expect(result.maxError < 1e-3, "\(parameter.name): error \(result.maxError) at \(result.worstIndex)")
        }
    }

    /// Trains a few steps and returns every parameter's bits.
    static func trained(_ network: Network) -> [[UInt32]] {
        let optimizer = Optimizer(.adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8), parameters: network.parameters)
        let input = randomValues(3 * 100, seed: 8), targets = randomValues(3 * 4, seed: 9)
        var unused = RandomGenerator(seed: 0)
        for step in 0..<4 {
            let count = step == 3 ? 2 : 3
            let output = network.forward(input, count: count, training: true, rng: &unused)
            network.backward(outputGradient: meanSquaredError(predictions: output, targets: Array(targets.prefix(count * 4))).gradient)
            optimizer.step(learningRate: 0.01, momentum: 0)
        }
        return network.parameters.map { $0.values.map(\.bitPattern) }
    }

    @Test func graphsGiveTheSameBitsAtEveryThreadCount() throws {
        let one = Self.trained(try Self.residual(seed: 5, threads: 1))
        for threads in [2, 3] {
            #expect(Self.trained(try Self.residual(seed: 5, threads: threads)) == one, "\(threads) threads")
        }
        #expect(Self.trained(try Self.residual(seed: 5, fuses: false)) == one)
    }

    @Test func mergesComputeSumsAndStacks() throws {
        let shape = Shape(channels: 1, height: 1, width: 2)
        let add = try Add(inputs: [shape, shape, shape])
        let concat = try Concat(inputs: [shape, Shape(channels: 2, height: 1, width: 2)])
        var sum = [Float](repeating: 0, count: 4)
        let a: [Float] = [1, 2, 3, 4], b: [Float] = [10, 20, 30, 40], c: [Float] = [100, 200, 300, 400, 500, 600, 700, 800]
        add.forward(inputs: [a, b, a].map { UnsafePointer($0.withUnsafeBufferPointer { $0.baseAddress! }) }, output: &sum, count: 2)
        #expect(sum == [12, 24, 36, 48])
        var stacked = [Float](repeating: 0, count: 12)
        a.withUnsafeBufferPointer { a in
            c.withUnsafeBufferPointer { c in
                concat.forward(inputs: [a.baseAddress!, c.baseAddress!], output: &stacked, count: 2)
            }
        }
        #expect(stacked == [1, 2, 100, 200, 300, 400, 3, 4, 500, 600, 700, 800])
        var first = [Float](repeating: -1, count: 4), second = [Float](repeating: -1, count: 8)
        first.withUnsafeMutableBufferPointer { first in
            second.withUnsafeMutableBufferPointer { second in
                concat.backward(outputGradient: stacked, inputGradients: [first.baseAddress!, second.baseAddress!], count: 2)
            }
        }
        #expect(first == a && second == c)
        #expect(throws: ShapeProblem("add needs inputs of one shape, got 1×1×2, 2×1×2")) {
            try Add(inputs: [shape, Shape(channels: 2, height: 1, width: 2)])
        }
        #expect(throws: ShapeProblem("concat stacks channels of one height and width, got 1×1×2, 1×2×1")) {
            try Concat(inputs: [shape, Shape(channels: 1, height: 2, width: 1)])
        }
    }

    /// conv → batchnorm → leaky relu → maxpool → flatten → dense: training runs the batch norm
    /// on its own (batch statistics) and fuses nothing; inference fuses all four into the
    /// convolution's pass. Either way the bits are those of every layer run on its own.
    static func normalised(seed: UInt64, fuses: Bool, threads: Int) throws -> Network {
        var rng = RandomGenerator(seed: seed)
        let conv = try Convolution(input: input, filters: 3, kernel: 3, padding: .same(input: input, window: 3, stride: 1), name: "c")
        conv.initialize(spec, using: &rng)
        let norm = try BatchNorm(input: conv.outputShape, maxBatch: 4, name: "n")
        norm.initialize(spec, using: &rng)
        let pool = try MaxPool(input: conv.outputShape, size: 2, stride: 2, maxBatch: 4)
        let dense = try Dense(input: Shape(channels: pool.outputShape.count, height: 1, width: 1), units: 4, name: "d")
        dense.initialize(spec, using: &rng)
        return Network(input: input, chain: [conv, norm, try LeakyReLU(input: conv.outputShape, slope: 0.1), pool,
                                             Flatten(input: pool.outputShape), dense],
                       maxBatch: 4, threads: threads, fusesLayers: fuses)
    }

    @Test(arguments: [1, 2])
    func batchNormAndLeakyReLUFuseAtInferenceWithTheSameBits(threads: Int) throws {
        let fused = try Self.normalised(seed: 3, fuses: true, threads: threads)
        let alone = try Self.normalised(seed: 3, fuses: false, threads: threads)
        let input = randomValues(4 * 100, seed: 4), targets = randomValues(4 * 4, seed: 5)
        for network in [fused, alone] {
            let optimizer = Optimizer(.classicMomentum, parameters: network.parameters)
            var unused = RandomGenerator(seed: 0)
            for _ in 0..<3 {
                let output = network.forward(input, count: 4, training: true, rng: &unused)
                network.backward(outputGradient: meanSquaredError(predictions: output, targets: targets).gradient)
                optimizer.step(learningRate: 0.05, momentum: 0.9)
            }
        }
        #expect(fused.parameterValues() == alone.parameterValues())
        #expect(fused.state.map(\.values) != [[0, 0, 0], [1, 1, 1]], "the running statistics moved")
        #expect(fused.predict(input, count: 4).map(\.bitPattern) == alone.predict(input, count: 4).map(\.bitPattern))
    }

    static func node(_ inputs: [Int], _ role: FusionRole, inPlace: Bool = false) -> ExecutionPlan.Node {
        ExecutionPlan.Node(inputs: inputs, role: role, worksInPlace: inPlace)
    }

    @Test func fusionAppliesWhereEachValueHasOneReader() {
        let relu = FusionRole.activation(negativeSlope: 0)
        // conv → relu → pool → flatten → dense: one fused step, flatten in place.
        let chain = [Self.node([0], .convolution), Self.node([1], relu, inPlace: true), Self.node([2], .maxPool),
                     Self.node([3], .reshape, inPlace: true), Self.node([4], .other)]
        let plan = ExecutionPlan(nodes: chain, fuses: true, training: true)
        #expect(plan.steps.map(\.nodes) == [[0, 1, 2], [3], [4]])
        #expect(plan.buffer == [0, nil, nil, 3, 3, 5])
        #expect(ExecutionPlan(nodes: chain, fuses: false, training: true).steps.count == 5)
        // The relu's output also read by an add: nothing fused, the relu still in place on the conv's output.
        let branched = [Self.node([0], .convolution), Self.node([1], relu, inPlace: true), Self.node([2], .maxPool),
                        Self.node([2], .other), Self.node([3, 4], .other)]
        let branchedPlan = ExecutionPlan(nodes: branched, fuses: true, training: true)
        #expect(branchedPlan.steps.map(\.nodes) == [[0], [1], [2], [3], [4]])
        #expect(branchedPlan.buffer[2] == 1)
        // A relu on a value someone else reads too is not in place.
        let shared = [Self.node([0], .other), Self.node([1], relu, inPlace: true), Self.node([1, 2], .other)]
        #expect(ExecutionPlan(nodes: shared, fuses: true, training: true).buffer == [0, 1, 2, 3])
        // A channel affine between joins only at inference.
        let normalised = [Self.node([0], .convolution), Self.node([1], .channelAffine), Self.node([2], relu, inPlace: true),
                          Self.node([3], .maxPool), Self.node([4], .other)]
        #expect(ExecutionPlan(nodes: normalised, fuses: true, training: true).steps.map(\.nodes) == [[0], [1], [2], [3], [4]])
        #expect(ExecutionPlan(nodes: normalised, fuses: true, training: false).steps.map(\.nodes) == [[0, 1, 2, 3], [4]])
    }
}
