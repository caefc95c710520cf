import Testing
@testable import Engine

/// What one forward and backward leave behind: everything that must not depend on threads.
struct LayerPass: Equatable {
    var output: [Float]
    var inputGradient: [Float]
    var parameterGradients: [[Float]]
    var state: [[Float]]
}

/// One forward (and a backward with dLoss/dOutput from `gradientSeed`) of `layer` at `threads`.
func runLayer(_ layer: any Layer, input: [Float], count: Int, training: Bool = true,
              threads: Int = 1, gradientSeed: UInt64 = 41) -> LayerPass {
    layer.threads = threads
    var output = [Float](repeating: .nan, count: count * layer.outputShape.count)
    var rng = RandomGenerator(seed: 0)
    layer.forward(input: input, output: &output, count: count, training: training, rng: &rng)
    let outputGradient = randomValues(output.count, seed: gradientSeed)
    var inputGradient = [Float](repeating: .nan, count: input.count)
    layer.backward(input: input, output: output, outputGradient: outputGradient,
                   inputGradient: &inputGradient, count: count)
    return LayerPass(output: output, inputGradient: inputGradient,
                     parameterGradients: layer.parameters.map(\.gradient), state: layer.state.map(\.values))
}

/// `make()` run at 1, 2 and 3 threads (a fresh layer each time) gives the same bits.
func expectSameBitsAtAnyThreadCount(_ label: String, input: [Float], count: Int, training: Bool = true,
                                    _ make: () throws -> any Layer) rethrows {
    let one = runLayer(try make(), input: input, count: count, training: training, threads: 1)
    #expect(one.output.allSatisfy(\.isFinite) && one.inputGradient.allSatisfy(\.isFinite), "\(label): not finite")
    for threads in [2, 3] {
        #expect(runLayer(try make(), input: input, count: count, training: training, threads: threads) == one,
                "\(label): \(threads) threads differ from 1")
    }
}

private func expectAllPass(_ results: [String: GradientChecker.Result], _ label: String,
                           tolerance: Double = GradientCheckTests.tolerance) {
    #expect(!results.isEmpty)
    for (name, result) in results.sorted(by: { $0.key < $1.key }) {
        #expect(result.maxError < tolerance,
                "\(label) \(name): error \(result.maxError) at \(result.worstIndex) (scale \(result.scale))")
    }
}

private func forward(_ layer: any Layer, _ input: [Float], count: Int, training: Bool = false) -> [Float] {
    var output = [Float](repeating: .nan, count: count * layer.outputShape.count)
    var rng = RandomGenerator(seed: 0)
    layer.forward(input: input, output: &output, count: count, training: training, rng: &rng)
    return output
}

private func expectShapeProblem(_ label: String, _ body: () throws(ShapeProblem) -> Void) {
    do throws(ShapeProblem) {
        try body()
        Issue.record("\(label): accepted")
    } catch {
        #expect(!error.message.isEmpty)
    }
}

// MARK: - Batch normalisation

@Suite("BatchNorm")
struct BatchNormTests {
    static let convShape = Shape(channels: 3, height: 4, width: 5)
    static let denseShape = Shape(channels: 6, height: 1, width: 1)

    /// γ around 1 and β, running mean and running variance away from their starting values,
    /// so that a γ, β or statistic that is ignored or misplaced changes the output.
    static func prepared(_ shape: Shape, maxBatch: Int, name: String = "bn", momentum: Float = 0.1,
                         seed: UInt64 = 31) throws -> BatchNorm {
        let layer = try BatchNorm(input: shape, momentum: momentum, maxBatch: maxBatch, name: name)
        let c = shape.channels
        layer.gamma.values = randomValues(c, seed: seed, low: 0.5, high: 1.5)
        layer.beta.values = randomValues(c, seed: seed &+ 1)
        layer.runningMean.values = randomValues(c, seed: seed &+ 2)
        layer.runningVariance.values = randomValues(c, seed: seed &+ 3, low: 0.5, high: 2)
        return layer
    }

    @Test(arguments: [(convShape, 3), (denseShape, 5)], [true, false])
    func gradient(_ sized: (Shape, Int), training: Bool) throws {
        let (shape, count) = sized
        let layer = try Self.prepared(shape, maxBatch: count)
        let results = GradientChecker.checkLayer(layer, count: count, input: randomValues(count * shape.count, seed: 32),
                                                 training: training, epsilon: 1e-3)
        #expect(Set(results.keys) == ["input", "bn.gamma", "bn.beta"])
        expectAllPass(results, "batchnorm \(shape) \(training ? "training" : "inference")")
    }

    @Test func namesRolesAndStartingValues() throws {
        let layer = try BatchNorm(input: Self.convShape, maxBatch: 2, name: "layer3.batchnorm")
        #expect(layer.parameters.map(\.name) == ["layer3.batchnorm.gamma", "layer3.batchnorm.beta"])
        #expect(layer.parameters.map(\.role) == [.scale, .bias])
        #expect(layer.state.map(\.name) == ["layer3.batchnorm.running_mean", "layer3.batchnorm.running_var"])
        #expect(layer.state.map(\.role) == [.state, .state])
        #expect((layer.parameters + layer.state).allSatisfy { $0.shape == [3] })
        #expect(layer.gamma.values == [1, 1, 1] && layer.beta.values == [0, 0, 0])
        #expect(layer.runningMean.values == [0, 0, 0] && layer.runningVariance.values == [1, 1, 1])
        #expect(layer.outputShape == Self.convShape && !layer.worksInPlace)
        #expect(layer.momentum == 0.1 && layer.epsilon == 1e-5)
    }

    /// With γ = 1 and β = 0 every channel of the output has mean 0 and (biased) variance
    /// σ²/(σ² + ε) ≈ 1, whatever each channel's own offset and spread.
    @Test(arguments: [(convShape, 3), (denseShape, 7)])
    func normalisesEachChannel(shape: Shape, count: Int) throws {
        let layer = try BatchNorm(input: shape, maxBatch: count)
        let plane = shape.height * shape.width
        let raw = randomValues(count * shape.count, seed: 33)
        let x = raw.indices.map { i -> Float in
            let c = (i / plane) % shape.channels
            return raw[i] * Float(c + 1) + Float(3 * c) - 2
        }
        let y = forward(layer, x, count: count, training: true)
        for c in 0..<shape.channels {
            let values = (0..<count).flatMap { n in (0..<plane).map { Double(y[(n * shape.channels + c) * plane + $0]) } }
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)
            #expect(abs(mean) < 1e-6, "channel \(c) mean \(mean)")
            #expect(abs(variance - 1) < 2e-4, "channel \(c) variance \(variance)")
        }
    }

    /// running ← (1 − momentum)·running + momentum·batch, with the unbiased variance, from
    /// non-trivial starting values and over two steps.
    @Test(arguments: [Float(0.1), 0.35])
    func runningStatisticsFollowTheFormula(momentum: Float) throws {
        let shape = Shape(channels: 2, height: 3, width: 2), count = 3
        let layer = try Self.prepared(shape, maxBatch: count, momentum: momentum)
        let plane = shape.height * shape.width, m = Double(momentum)
        var expectedMean = layer.runningMean.values.map(Double.init)
        var expectedVariance = layer.runningVariance.values.map(Double.init)
        for step in 0..<2 {
            let x = randomValues(count * shape.count, seed: 34 + UInt64(step), low: -1, high: 3)
            _ = forward(layer, x, count: count, training: true)
            for c in 0..<shape.channels {
                let values = (0..<count).flatMap { n in (0..<plane).map { Double(x[(n * shape.channels + c) * plane + $0]) } }
                let mean = values.reduce(0, +) / Double(values.count)
                let unbiased = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)
                expectedMean[c] = (1 - m) * expectedMean[c] + m * mean
                expectedVariance[c] = (1 - m) * expectedVariance[c] + m * unbiased
            }
            for c in 0..<shape.channels {
                #expect(abs(Double(layer.runningMean.values[c]) - expectedMean[c]) < 1e-6, "step \(step) mean \(c)")
                #expect(abs(Double(layer.runningVariance.values[c]) - expectedVariance[c]) < 1e-6, "step \(step) var \(c)")
            }
        }
        // An inference forward reads the statistics and leaves them alone.
        let before = layer.state.map(\.values)
        _ = forward(layer, randomValues(count * shape.count, seed: 36), count: count)
        #expect(layer.state.map(\.values) == before)
    }

    /// The inference forward is exactly x·scale[c] + shift[c] from `inferenceAffine()` (what a
    /// fused pass applies), and that is (x − mean)/√(var + ε)·γ + β.
    @Test(arguments: [(convShape, 3), (denseShape, 4)])
    func inferenceIsTheAffineBitForBit(shape: Shape, count: Int) throws {
        let layer = try Self.prepared(shape, maxBatch: count)
        let x = randomValues(count * shape.count, seed: 37)
        let y = forward(layer, x, count: count)
        let (scale, shift) = layer.inferenceAffine()
        let plane = shape.height * shape.width
        let gamma = layer.gamma.values, beta = layer.beta.values
        let mean = layer.runningMean.values, variance = layer.runningVariance.values
        for i in x.indices {
            let c = (i / plane) % shape.channels
            #expect(y[i] == x[i] * scale[c] + shift[c], "value \(i)")
            let formula = (Double(x[i]) - Double(mean[c])) / (Double(variance[c]) + 1e-5).squareRoot()
                * Double(gamma[c]) + Double(beta[c])
            #expect(abs(Double(y[i]) - formula) < 1e-5, "value \(i)")
        }
        let affine: any ChannelAffine = layer
        #expect(affine.inferenceAffine().scale == scale)
    }

    /// One value per channel: σ² = 0, x̂ = 0, so y = β, dx = 0, and the running variance (no
    /// spread to learn from) stays; nothing is NaN.
    @Test func batchOfOneOnOneByOneIsFinite() throws {
        let shape = Shape(channels: 3, height: 1, width: 1)
        let layer = try Self.prepared(shape, maxBatch: 1)
        let varianceBefore = layer.runningVariance.values, meanBefore = layer.runningMean.values
        let x: [Float] = [0.5, -2, 7]
        let pass = runLayer(layer, input: x, count: 1)
        #expect(pass.output == layer.beta.values)
        #expect(pass.inputGradient == [0, 0, 0])
        let gradients = pass.parameterGradients.joined()
        #expect(gradients.allSatisfy { $0.isFinite })
        #expect(layer.runningVariance.values == varianceBefore)
        for c in 0..<3 {
            #expect(abs(layer.runningMean.values[c] - (0.9 * meanBefore[c] + 0.1 * x[c])) < 1e-6)
        }
    }

    /// γ = 1, β = 0 and fresh statistics whatever the spec says, without a draw from the generator.
    @Test func initializeIgnoresTheSpecAndDrawsNothing() throws {
        let layer = try Self.prepared(Self.convShape, maxBatch: 2)
        var rng = RandomGenerator(seed: 38)
        let before = rng
        layer.initialize(InitializerSpec(scheme: .he, distribution: .normal, bias: 0.7), using: &rng)
        #expect(rng == before)
        #expect(layer.gamma.values == [1, 1, 1] && layer.beta.values == [0, 0, 0])
        #expect(layer.runningMean.values == [0, 0, 0] && layer.runningVariance.values == [1, 1, 1])
    }

    /// Copying `state` (and the parameters) into a fresh layer reproduces its inference exactly.
    @Test func stateRoundTrips() throws {
        let shape = Self.convShape, count = 3
        let trained = try Self.prepared(shape, maxBatch: count)
        for step in 0..<3 { _ = forward(trained, randomValues(count * shape.count, seed: 50 + UInt64(step)), count: count, training: true) }
        let fresh = try BatchNorm(input: shape, maxBatch: count, name: "bn")
        for (source, target) in zip(trained.parameters + trained.state, fresh.parameters + fresh.state) {
            #expect(source.name == target.name)
            target.values = source.values
        }
        let x = randomValues(count * shape.count, seed: 53)
        #expect(forward(fresh, x, count: count) == forward(trained, x, count: count))
        #expect(fresh.inferenceAffine() == trained.inferenceAffine())
    }

    @Test(arguments: [Shape(channels: 5, height: 3, width: 4), Shape(channels: 7, height: 1, width: 1)], [true, false])
    func sameBitsAtAnyThreadCount(shape: Shape, training: Bool) throws {
        let count = 4
        try expectSameBitsAtAnyThreadCount("batchnorm \(shape)", input: randomValues(count * shape.count, seed: 39),
                                           count: count, training: training) {
            try Self.prepared(shape, maxBatch: count)
        }
    }

    @Test func refusesBadSettings() {
        for (momentum, epsilon) in [(Float(-0.1), Float(1e-5)), (1.5, 1e-5), (.nan, 1e-5), (0.1, 0), (0.1, -1), (0.1, .nan), (0.1, .infinity)] {
            expectShapeProblem("momentum \(momentum) epsilon \(epsilon)") { () throws(ShapeProblem) in
                _ = try BatchNorm.outputShape(for: Self.convShape, momentum: momentum, epsilon: epsilon)
            }
        }
        #expect((try? BatchNorm.outputShape(for: Self.convShape, momentum: 1, epsilon: 1e-3)) == Self.convShape)
    }
}

// MARK: - Leaky ReLU

@Suite("LeakyReLU")
struct LeakyReLUTests {
    static let shape = Shape(channels: 2, height: 3, width: 3)

    @Test(arguments: [Float(0), 0.1, 0.5])
    func gradient(slope: Float) throws {
        let layer = try LeakyReLU(input: Self.shape, slope: slope)
        expectAllPass(GradientChecker.checkLayer(layer, count: 2, input: valuesAwayFromZero(36, seed: 60)),
                      "leakyrelu \(slope)")
    }

    @Test func knownValues() throws {
        let layer = try LeakyReLU(input: Shape(channels: 5, height: 1, width: 1), slope: 0.25)
        let x: [Float] = [-2, -0.5, 0, 3, 0.125]
        let y = forward(layer, x, count: 1)
        #expect(y == [-0.5, -0.125, 0, 3, 0.125])
        var dx = [Float](repeating: .nan, count: 5)
        layer.backward(input: x, output: y, outputGradient: [4, 4, 4, 4, 4], inputGradient: &dx, count: 1)
        #expect(dx == [1, 1, 1, 4, 4])
        #expect(layer.slope == 0.25 && layer.outputShape == layer.inputShape)
    }

    /// Sharing one buffer for input and output, and one for both gradients, as `Network` does.
    @Test func inPlaceMatchesSeparateBuffers() throws {
        let layer = try LeakyReLU(input: Self.shape, slope: 0.2)
        #expect(layer.worksInPlace)
        let count = 3
        let x = randomValues(count * Self.shape.count, seed: 61)
        let separate = runLayer(layer, input: x, count: count)
        var buffer = x
        var rng = RandomGenerator(seed: 0)
        buffer.withUnsafeMutableBufferPointer { b in
            layer.forward(input: b.baseAddress!, output: b.baseAddress!, count: count, training: true, rng: &rng)
        }
        #expect(buffer == separate.output)
        var gradient = randomValues(buffer.count, seed: 41)
        gradient.withUnsafeMutableBufferPointer { g in
            layer.backward(input: buffer, output: buffer, outputGradient: g.baseAddress!,
                           inputGradient: g.baseAddress!, count: count)
        }
        #expect(gradient == separate.inputGradient)
    }

    @Test func refusesSlopesOutsideZeroToOne() throws {
        for slope in [Float(1), 1.5, -0.01, .nan] {
            expectShapeProblem("slope \(slope)") { () throws(ShapeProblem) in _ = try LeakyReLU(input: Self.shape, slope: slope) }
        }
        #expect(try LeakyReLU.outputShape(for: Self.shape, slope: 0) == Self.shape)
    }

    @Test func sameBitsAtAnyThreadCount() throws {
        try expectSameBitsAtAnyThreadCount("leakyrelu", input: randomValues(5 * Self.shape.count, seed: 62), count: 5) {
            try LeakyReLU(input: Self.shape, slope: 0.1)
        }
    }
}

// MARK: - Pooling

/// A pooling configuration; `same` asks for `Padding.same` on the shape.
struct PoolCase: Sendable, CustomTestStringConvertible {
    var shape: Shape, size: Int, stride: Int, padding: Padding
    var testDescription: String { "\(shape) \(size)/\(stride) pad \(padding)" }

    static func same(_ shape: Shape, size: Int, stride: Int) -> PoolCase {
        PoolCase(shape: shape, size: size, stride: stride,
                 padding: Padding.same(input: shape, window: size, stride: stride))
    }
}

let oddSquare = Shape(channels: 2, height: 7, width: 7)
let poolCases: [PoolCase] = [
    PoolCase(shape: Shape(channels: 2, height: 7, width: 6), size: 2, stride: 2, padding: .none),
    PoolCase(shape: Shape(channels: 2, height: 7, width: 6), size: 3, stride: 2, padding: .none),
    .same(oddSquare, size: 2, stride: 2),   // padding 0,0,1,1
    .same(oddSquare, size: 3, stride: 1),   // padding 1 all round
    .same(Shape(channels: 1, height: 5, width: 8), size: 3, stride: 2),
    PoolCase(shape: Shape(channels: 2, height: 6, width: 5), size: 3, stride: 2,
             padding: Padding(top: 2, left: 0, bottom: 1, right: 2)),
]

@Suite("Padded pooling shapes")
struct PoolShapeTests {
    @Test func sameOnOddSizes() throws {
        let half = Padding.same(input: oddSquare, window: 2, stride: 2)
        #expect(half == Padding(top: 0, left: 0, bottom: 1, right: 1))
        #expect(try MaxPool.outputShape(for: oddSquare, size: 2, stride: 2, padding: half) == Shape(channels: 2, height: 4, width: 4))
        #expect(try AveragePool.outputShape(for: oddSquare, size: 2, stride: 2, padding: half) == Shape(channels: 2, height: 4, width: 4))
        let one = Padding.same(input: oddSquare, window: 3, stride: 1)
        #expect(one == Padding(1))
        #expect(try MaxPool.outputShape(for: oddSquare, size: 3, stride: 1, padding: one) == oddSquare)
        #expect(try AveragePool.outputShape(for: oddSquare, size: 3, stride: 1, padding: one) == oddSquare)
        // Floor, per direction: (6 + 2 + 1 − 3)/2 + 1 = 4 rows, (5 + 0 + 2 − 3)/2 + 1 = 3 columns.
        #expect(try AveragePool.outputShape(for: Shape(channels: 2, height: 6, width: 5), size: 3, stride: 2,
                                            padding: Padding(top: 2, left: 0, bottom: 1, right: 2))
                == Shape(channels: 2, height: 4, width: 3))
    }

    @Test func unpaddedMaxPoolShapesAndMessagesAreUnchanged() throws {
        #expect(try MaxPool.outputShape(for: Shape(channels: 3, height: 9, width: 8), size: 2, stride: 2)
                == Shape(channels: 3, height: 4, width: 4))
        #expect(try MaxPool.outputShape(for: Shape(channels: 1, height: 7, width: 6), size: 3, stride: 2)
                == Shape(channels: 1, height: 3, width: 2))
        do throws(ShapeProblem) {
            _ = try MaxPool(input: Shape(channels: 9216, height: 1, width: 1), size: 2, stride: 2, maxBatch: 1)
            Issue.record("accepted")
        } catch {
            #expect(error.message == "maxpool window 2×2 is larger than its input 9216×1×1")
        }
    }

    @Test func refusesPaddingAsWideAsTheWindow() throws {
        let shape = Shape(channels: 1, height: 5, width: 5)
        let bad: [(Int, Int, Padding)] = [
            (2, 1, Padding(top: 2, left: 0, bottom: 0, right: 0)),
            (3, 1, Padding(top: 0, left: 0, bottom: 0, right: 3)),
            (3, 1, Padding(top: 0, left: -1, bottom: 0, right: 0)),
            (0, 1, .none), (2, 0, .none),
        ]
        for (size, stride, padding) in bad {
            expectShapeProblem("maxpool \(size)/\(stride) \(padding)") { () throws(ShapeProblem) in
                _ = try MaxPool.outputShape(for: shape, size: size, stride: stride, padding: padding)
            }
            expectShapeProblem("avgpool \(size)/\(stride) \(padding)") { () throws(ShapeProblem) in
                _ = try AveragePool(input: shape, size: size, stride: stride, padding: padding, maxBatch: 1)
            }
        }
        // A window as large as the padded input fits once; one larger does not.
        #expect(try AveragePool.outputShape(for: Shape(channels: 1, height: 5, width: 5), size: 7, stride: 1, padding: Padding(3))
                == Shape(channels: 1, height: 5, width: 5))
        expectShapeProblem("window larger than padded input") { () throws(ShapeProblem) in
            _ = try AveragePool.outputShape(for: Shape(channels: 1, height: 2, width: 5), size: 5, stride: 1, padding: Padding(1))
        }
    }
}

@Suite("AveragePool")
struct AveragePoolTests {
    @Test(arguments: poolCases)
    func gradient(_ c: PoolCase) throws {
        let layer = try AveragePool(input: c.shape, size: c.size, stride: c.stride, padding: c.padding, maxBatch: 2)
        expectAllPass(GradientChecker.checkLayer(layer, count: 2, input: randomValues(2 * c.shape.count, seed: 70)),
                      "avgpool \(c.testDescription)")
    }

    @Test func handMadeFourByFour() throws {
        let layer = try AveragePool(input: Shape(channels: 1, height: 4, width: 4), size: 2, stride: 2, maxBatch: 1)
        let x: [Float] = (0..<16).map(Float.init)
        let y = forward(layer, x, count: 1)
        #expect(y == [2.5, 4.5, 10.5, 12.5])
        var dx = [Float](repeating: .nan, count: 16)
        layer.backward(input: x, output: y, outputGradient: [4, 8, 12, 16], inputGradient: &dx, count: 1)
        #expect(dx == [1, 1, 2, 2,
                       1, 1, 2, 2,
                       3, 3, 4, 4,
                       3, 3, 4, 4])
    }

    /// Padding is not counted: a constant input stays constant up to the border (a divisor of
    /// size² there would give 4/9 in the corners), and the corners of 1…9 are means of four.
    @Test func paddingIsNotCountedInTheDivisor() throws {
        let shape = Shape(channels: 1, height: 3, width: 3)
        let layer = try AveragePool(input: shape, size: 3, stride: 1, padding: Padding(1), maxBatch: 1)
        #expect(forward(layer, [Float](repeating: 2, count: 9), count: 1) == [Float](repeating: 2, count: 9))
        let x: [Float] = (1...9).map(Float.init)
        #expect(forward(layer, x, count: 1) == [3, 3.5, 4,
                                                4.5, 5, 5.5,
                                                6, 6.5, 7])
        // dx of all-ones dy: Σ over the windows covering a position of 1/(their count).
        var dx = [Float](repeating: .nan, count: 9)
        layer.backward(input: x, output: x, outputGradient: [Float](repeating: 36, count: 9), inputGradient: &dx, count: 1)
        let corner: Float = 36 / 4 + 36 / 6 + 36 / 6 + 36 / 9   // 9 + 6 + 6 + 4 = 25
        let edge: Float = 36 / 4 * 2 + 36 / 6 * 3 + 36 / 9      // 18 + 18 + 4 (top middle)
        #expect(dx[0] == corner && dx[2] == corner && dx[6] == corner && dx[8] == corner)
        #expect(dx[1] == edge && dx[3] == edge && dx[5] == edge && dx[7] == edge)
        // The centre is covered by all nine windows: four corners, four edges and the middle.
        let centre: Float = 36 / 4 * 4 + 36 / 6 * 4 + 36 / 9  // 36 + 24 + 4
        #expect(dx[4] == centre)
        // Asymmetric "same" (bottom and right only): the last row and column average fewer values.
        let half = try AveragePool(input: Shape(channels: 1, height: 3, width: 3), size: 2, stride: 2,
                                   padding: Padding.same(input: shape, window: 2, stride: 2), maxBatch: 1)
        #expect(forward(half, x, count: 1) == [3, 4.5, 7.5, 9])
    }

    @Test(arguments: poolCases, [1, 2, 3])
    func matchesNaive(_ c: PoolCase, threads: Int) throws {
        let count = 5
        let layer = try AveragePool(input: c.shape, size: c.size, stride: c.stride, padding: c.padding, maxBatch: count)
        let x = randomValues(count * c.shape.count, seed: 71)
        let pass = runLayer(layer, input: x, count: count, threads: threads)
        let expected = NaiveKernels.pool(input: x, shape: c.shape, count: count, size: c.size, stride: c.stride,
                                         padding: c.padding, average: true)
        let gradient = NaiveKernels.averagePoolBackward(outputGradient: randomValues(expected.count, seed: 41),
                                                        shape: c.shape, count: count, size: c.size,
                                                        stride: c.stride, padding: c.padding)
        #expect(pass.output.count == expected.count)
        #expect(zip(pass.output, expected).allSatisfy { abs($0 - $1) < 1e-6 })
        #expect(zip(pass.inputGradient, gradient).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    @Test(arguments: poolCases)
    func sameBitsAtAnyThreadCount(_ c: PoolCase) throws {
        try expectSameBitsAtAnyThreadCount("avgpool \(c.testDescription)", input: randomValues(7 * c.shape.count, seed: 72), count: 7) {
            try AveragePool(input: c.shape, size: c.size, stride: c.stride, padding: c.padding, maxBatch: 7)
        }
    }
}

@Suite("Padded MaxPool")
struct PaddedMaxPoolTests {
    @Test(arguments: poolCases.filter { !$0.padding.isNone })
    func gradient(_ c: PoolCase) throws {
        let layer = try MaxPool(input: c.shape, size: c.size, stride: c.stride, padding: c.padding, maxBatch: 2)
        #expect(layer.padding == c.padding)
        let results = GradientChecker.checkLayer(layer, count: 2, input: distinctValues(2 * c.shape.count, seed: 73),
                                                 epsilon: 2e-3)
        expectAllPass(results, "maxpool \(c.testDescription)")
    }

    /// Every path (2×2/2 unrolled, general, padded) against the definition, bit for bit; and
    /// padding is never picked, even where every value in the window is negative.
    @Test(arguments: poolCases, [1, 3])
    func matchesNaive(_ c: PoolCase, threads: Int) throws {
        let count = 3
        let layer = try MaxPool(input: c.shape, size: c.size, stride: c.stride, padding: c.padding, maxBatch: count)
        for (label, x) in [("mixed", randomValues(count * c.shape.count, seed: 74)),
                           ("negative", randomValues(count * c.shape.count, seed: 75, low: -3, high: -1))] {
            let pass = runLayer(layer, input: x, count: count, threads: threads)
            let expected = NaiveKernels.pool(input: x, shape: c.shape, count: count, size: c.size, stride: c.stride,
                                             padding: c.padding, average: false)
            #expect(pass.output == expected, "\(label)")
            // Each output's gradient lands on an input equal to that output (its argmax).
            let dy = randomValues(expected.count, seed: 41)
            #expect(abs(pass.inputGradient.reduce(0, +) - dy.reduce(0, +)) < 1e-4, "\(label)")
        }
    }

    @Test func handMadePaddedWindows() throws {
        // 3×3 of negatives, 3×3 windows, padding 1: zeros around must never win.
        let layer = try MaxPool(input: Shape(channels: 1, height: 3, width: 3), size: 3, stride: 1,
                                padding: Padding(1), maxBatch: 1)
        let x: [Float] = [-1, -5, -3,
                          -4, -9, -2,
                          -8, -6, -7]
        let y = forward(layer, x, count: 1)
        #expect(y == [-1, -1, -2,
                      -1, -1, -2,
                      -4, -2, -2])
        var dx = [Float](repeating: .nan, count: 9)
        layer.backward(input: x, output: y, outputGradient: [1, 2, 3, 4, 5, 6, 7, 8, 9], inputGradient: &dx, count: 1)
        #expect(dx == [12, 0, 0,
                       7, 0, 26,
                       0, 0, 0])
    }

    @Test(arguments: poolCases)
    func sameBitsAtAnyThreadCount(_ c: PoolCase) throws {
        try expectSameBitsAtAnyThreadCount("maxpool \(c.testDescription)", input: distinctValues(7 * c.shape.count, seed: 76), count: 7) {
            try MaxPool(input: c.shape, size: c.size, stride: c.stride, padding: c.padding, maxBatch: 7)
        }
    }
}

@Suite("GlobalAveragePool")
struct GlobalAveragePoolTests {
    @Test(arguments: [Shape(channels: 3, height: 4, width: 5), Shape(channels: 4, height: 1, width: 1)])
    func gradient(shape: Shape) throws {
        let layer = try GlobalAveragePool(input: shape)
        #expect(layer.outputShape == Shape(channels: shape.channels, height: 1, width: 1))
        expectAllPass(GradientChecker.checkLayer(layer, count: 3, input: randomValues(3 * shape.count, seed: 80)),
                      "global avgpool \(shape)")
    }

    @Test func knownValues() throws {
        let layer = try GlobalAveragePool(input: Shape(channels: 2, height: 2, width: 2))
        let x: [Float] = [1, 2, 3, 6,   -1, -1, -1, 7,
                          0, 0, 0, 0,   8, 8, 8, 8]
        let y = forward(layer, x, count: 2)
        #expect(y == [3, 1, 0, 8])
        var dx = [Float](repeating: .nan, count: 16)
        layer.backward(input: x, output: y, outputGradient: [4, -8, 2, 1], inputGradient: &dx, count: 2)
        #expect(dx == [1, 1, 1, 1,   -2, -2, -2, -2,   0.5, 0.5, 0.5, 0.5,   0.25, 0.25, 0.25, 0.25])
        #expect(try GlobalAveragePool.outputShape(for: Shape(channels: 5, height: 7, width: 3)) == Shape(channels: 5, height: 1, width: 1))
        expectShapeProblem("empty") { () throws(ShapeProblem) in
            _ = try GlobalAveragePool.outputShape(for: Shape(channels: 5, height: 0, width: 3))
        }
    }

    @Test func sameBitsAtAnyThreadCount() throws {
        let shape = Shape(channels: 3, height: 5, width: 4)
        try expectSameBitsAtAnyThreadCount("global avgpool", input: randomValues(7 * shape.count, seed: 81), count: 7) {
            try GlobalAveragePool(input: shape)
        }
    }
}
