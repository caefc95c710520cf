import Testing
@testable import Engine

@Suite("Finite-difference gradient checks")
struct GradientCheckTests {
    static let tolerance = 2e-3

    private func expectAllPass(_ results: [String: GradientChecker.Result], _ label: String) {
        for (name, result) in results.sorted(by: { $0.key < $1.key }) {
            #expect(result.maxError < Self.tolerance,
                    "\(label) \(name): error \(result.maxError) at \(result.worstIndex) (scale \(result.scale))")
        }
    }

    struct ConvolutionCase: CustomTestStringConvertible, Sendable {
        var shape: Shape, filters: Int, kernel: Int, stride: Int, padding: Padding
        var testDescription: String { "\(shape) → \(filters)@\(kernel)×\(kernel) s\(stride) p\(padding)" }
    }

    static let convolutionCases: [ConvolutionCase] = [
        // the direct kernel (stride 1, valid, under 8 channels): a tail only, then 16-position blocks too
        .init(shape: Shape(channels: 1, height: 6, width: 6), filters: 2, kernel: 3, stride: 1, padding: Padding(0)),
        .init(shape: Shape(channels: 2, height: 7, width: 9), filters: 5, kernel: 2, stride: 1, padding: Padding(0)),
        .init(shape: Shape(channels: 2, height: 5, width: 7), filters: 3, kernel: 3, stride: 2, padding: Padding(1)),
        .init(shape: Shape(channels: 3, height: 6, width: 5), filters: 2, kernel: 2, stride: 1, padding: Padding(2)),
        .init(shape: Shape(channels: 2, height: 7, width: 7), filters: 4, kernel: 4, stride: 3, padding: Padding(1)),
        .init(shape: Shape(channels: 3, height: 4, width: 4), filters: 2, kernel: 1, stride: 1, padding: Padding(0)),
        // the tap-GEMM path (stride 1, valid, 8 or more channels and 64 or more products per output)
        .init(shape: Shape(channels: 16, height: 4, width: 5), filters: 3, kernel: 2, stride: 1, padding: Padding(0)),
        // the direct kernel over 8 channels (k = 2: 32 products per output)
        .init(shape: Shape(channels: 8, height: 4, width: 5), filters: 3, kernel: 2, stride: 1, padding: Padding(0)),
        // per-side padding: TensorFlow's "same" for even kernels (the odd one bottom and right)
        .init(shape: Shape(channels: 2, height: 5, width: 6), filters: 3, kernel: 2, stride: 1,
              padding: .same(input: Shape(channels: 2, height: 5, width: 6), window: 2, stride: 1)),
        .init(shape: Shape(channels: 2, height: 6, width: 5), filters: 2, kernel: 4, stride: 1,
              padding: .same(input: Shape(channels: 2, height: 6, width: 5), window: 4, stride: 1)),
        .init(shape: Shape(channels: 2, height: 7, width: 6), filters: 3, kernel: 2, stride: 2,
              padding: .same(input: Shape(channels: 2, height: 7, width: 6), window: 2, stride: 2)),
        .init(shape: Shape(channels: 1, height: 7, width: 8), filters: 2, kernel: 4, stride: 2,
              padding: .same(input: Shape(channels: 1, height: 7, width: 8), window: 4, stride: 2)),
    ]

    @Test(arguments: convolutionCases)
    func convolution(_ c: ConvolutionCase) throws {
        let layer = initialized(try Convolution(input: c.shape, filters: c.filters, kernel: c.kernel,
                                                stride: c.stride, padding: c.padding))
        let count = 2
        let results = GradientChecker.checkLayer(layer, count: count, input: randomValues(count * c.shape.count, seed: 11))
        expectAllPass(results, c.testDescription)
    }

    @Test func dense() throws {
        let layer = initialized(try Dense(input: Shape(channels: 7, height: 1, width: 1), units: 5))
        expectAllPass(GradientChecker.checkLayer(layer, count: 3, input: randomValues(21, seed: 12)), "dense")
    }

    @Test(arguments: [(2, 2), (3, 2), (2, 1), (3, 3)])
    func maxPool(size: Int, stride: Int) throws {
        let shape = Shape(channels: 2, height: 7, width: 6)
        let layer = try MaxPool(input: shape, size: size, stride: stride, maxBatch: 2)
        let results = GradientChecker.checkLayer(layer, count: 2, input: distinctValues(2 * shape.count, seed: 13),
                                                 epsilon: 2e-3)
        expectAllPass(results, "maxpool \(size)/\(stride)")
    }

    @Test func relu() {
        let shape = Shape(channels: 2, height: 3, width: 3)
        let layer = ReLU(input: shape)
        expectAllPass(GradientChecker.checkLayer(layer, count: 2, input: valuesAwayFromZero(36, seed: 14)), "relu")
    }

    @Test func dropoutInTraining() throws {
        let shape = Shape(channels: 20, height: 1, width: 1)
        let layer = try Dropout(input: shape, rate: 0.4, maxBatch: 3)
        let results = GradientChecker.checkLayer(layer, count: 3, input: randomValues(60, seed: 15), training: true)
        expectAllPass(results, "dropout")
    }

    @Test func flatten() {
        let layer = Flatten(input: Shape(channels: 2, height: 2, width: 3))
        expectAllPass(GradientChecker.checkLayer(layer, count: 2, input: randomValues(24, seed: 16)), "flatten")
    }

    @Test func maskedLoss() {
        let count = 24
        var predictions = randomValues(count, seed: 17)
        let targets = randomValues(count, seed: 18)
        let mask: [Float] = (0..<count).map { $0 % 3 == 1 ? 0 : 1 }
        let analytic = meanSquaredError(predictions: predictions, targets: targets, mask: mask).gradient
        let result = predictions.withUnsafeMutableBufferPointer { p in
            GradientChecker.check(values: p.baseAddress!, count: count, analytic: analytic, epsilon: 1e-3) {
                Double(meanSquaredError(predictions: Array(p), targets: targets, mask: mask).loss)
            }
        }
        #expect(result.maxError < Self.tolerance, "loss error \(result.maxError)")
        for i in 0..<count where mask[i] == 0 { #expect(analytic[i] == 0) }
    }

    static let convolutional: [LayerDescription] = [
        LayerDescription(.conv(filters: 3, kernel: 3, stride: 1, padding: 0), initializer: spec),
        LayerDescription(.relu),
        LayerDescription(.maxPool(size: 2, stride: 2)),
        LayerDescription(.conv(filters: 4, kernel: 2, stride: 2, padding: 1), initializer: spec),
        LayerDescription(.relu),
        LayerDescription(.flatten),
        LayerDescription(.dense(units: 6), initializer: spec),
        LayerDescription(.relu),
        LayerDescription(.dropout(rate: 0.3)),
        LayerDescription(.dense(units: 4), initializer: spec),
    ]
    /// Starts with in-place layers, which then need no gradient buffers at all.
    static let perceptron: [LayerDescription] = [
        LayerDescription(.relu),
        LayerDescription(.flatten),
        LayerDescription(.dense(units: 7), initializer: spec),
        LayerDescription(.relu),
        LayerDescription(.dropout(rate: 0.5)),
        LayerDescription(.dense(units: 4), initializer: spec),
    ]
    static let spec = InitializerSpec(scheme: .xavier, distribution: .normal, bias: 0.05)

    /// conv → relu → pool → conv(padded, strided) → relu → flatten → dense → relu → dropout → dense,
    /// and relu → flatten → dense → relu → dropout → dense, under masked MSE (relu, dropout and
    /// flatten sharing buffers in place): every parameter of the whole network against the loss.
    @Test(arguments: [1, 2], [false, true])
    func wholeNetwork(threads: Int, convolutional: Bool) throws {
        let description = convolutional ? Self.convolutional : Self.perceptron
        var rng = RandomGenerator(seed: 21)
        let network = try Network(input: Shape(channels: 1, height: 10, width: 10), layers: description,
                                  maxBatch: 3, threads: threads, rng: &rng)
        let count = 3
        let input = randomValues(count * 100, seed: 22)
        let targets = randomValues(count * 4, seed: 23)
        let mask: [Float] = (0..<(count * 4)).map { $0 % 5 == 2 ? 0 : 1 }

        func loss() -> (Double, [Float]) {
            var dropout = RandomGenerator(seed: 24)
            let output = network.forward(input, count: count, training: true, rng: &dropout)
            let (value, gradient) = meanSquaredError(predictions: output, targets: targets, mask: mask)
            return (Double(value), gradient)
        }
        network.backward(outputGradient: loss().1)
        for parameter in network.parameters {
            let analytic = parameter.gradient
            // Written through the pointer: say so, as the optimizer does (packed copies follow).
            let result = GradientChecker.check(values: parameter.valuePointer, count: parameter.count,
                                               analytic: analytic, epsilon: 1e-3) {
                parameter.markChanged()
                return loss().0
            }
            #expect(result.maxError < 1e-3, "\(parameter.name): error \(result.maxError) at \(result.worstIndex)")
        }
    }
}
