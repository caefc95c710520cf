import Testing
@testable import Engine

/// The fused conv → (affine) → ReLU or leaky ReLU → maxpool pass against its twin, the
/// same layers run one by one: the same outputs and gradients, bit for bit.
@Suite struct FusedPassTests {
    static let spec = InitializerSpec(scheme: .he, distribution: .uniform, bias: 0.1)
    static let layers: [LayerDescription] = [
        // The direct kernel (one channel, valid) pooled from its wide output: 22 windows per
        // row, one 16-window vector step and a tail; 8 filters, so that the next (valid,
        // 8-channel) convolution takes the tap-GEMM path
        LayerDescription(.conv(filters: 8, kernel: 3, stride: 1, padding: 0), initializer: spec),
        LayerDescription(.relu),
        LayerDescription(.maxPool(size: 2, stride: 2)),
        // 2×2/2 windows pooled from the tap-GEMM path's wide output (odd size: a last row
        // and column no window covers)
        LayerDescription(.conv(filters: 8, kernel: 2, stride: 1, padding: 0), initializer: spec),
        LayerDescription(.relu),
        LayerDescription(.maxPool(size: 2, stride: 2)),
        // a padded convolution (im2col, pooled from its plane) and overlapping 3×3/2 windows:
        // two windows may send gradient to the same position
        LayerDescription(.conv(filters: 4, kernel: 3, stride: 1, padding: 1), initializer: spec),
        LayerDescription(.relu),
        LayerDescription(.maxPool(size: 3, stride: 2)),
        // the direct kernel with an input gradient (4 channels, 5 filters: groups of 4 and 1)
        // and windows with gaps between them
        LayerDescription(.conv(filters: 5, kernel: 2, stride: 1, padding: 0), initializer: spec),
        LayerDescription(.relu),
        LayerDescription(.maxPool(size: 2, stride: 3)),
        LayerDescription(.flatten),
        LayerDescription(.dense(units: 8), initializer: spec),
        LayerDescription(.relu),
        LayerDescription(.dropout(rate: 0.25)),
        LayerDescription(.dense(units: 3), initializer: spec),
    ]
    static let input = Shape(channels: 1, height: 46, width: 46)

    /// Trains a few steps and returns each step's outputs and then every parameter, as bits.
    private func train(fused: Bool, threads: Int) throws -> [[UInt32]] {
        var initialization = RandomGenerator(seed: 5, stream: .initialization)
        var dropout = RandomGenerator(seed: 5, stream: .dropout)
        let network = try Network(input: Self.input, layers: Self.layers, maxBatch: 6, threads: threads,
                                  fusesLayers: fused, rng: &initialization)
        let optimizer = Optimizer(.classicMomentum, parameters: network.parameters)
        // The left half of every image is zero: its windows tie on the bias (positive), so
        // the first-maximum rule is exercised, and negative pre-activations block gradient.
        var inputs = randomValues(6 * Self.input.count, seed: 6)
        for i in inputs.indices where i % 46 < 23 { inputs[i] = 0 }
        let targets = randomValues(6 * 3, seed: 7)
        var record: [[UInt32]] = []
        for step in 0..<4 {
            let count = step == 2 ? 4 : 6
            let output = network.forward(inputs, count: count, training: true, rng: &dropout)
            record.append(output.map(\.bitPattern))
            let (_, gradient) = meanSquaredError(predictions: output, targets: Array(targets[0..<(count * 3)]))
            network.backward(outputGradient: gradient)
            optimizer.step(learningRate: 0.05, momentum: 0.9)
        }
        record.append(network.predict(inputs, count: 6).map(\.bitPattern))
        return record + network.parameters.map { $0.values.map(\.bitPattern) }
    }

    @Test(arguments: [1, 2, 3])
    func fusedEqualsLayerByLayer(threads: Int) throws {
        let fused = try train(fused: true, threads: threads)
        let separate = try train(fused: false, threads: threads)
        #expect(fused.count == separate.count)
        for (index, (a, b)) in zip(fused, separate).enumerated() {
            #expect(a == b, "record \(index) differs")
        }
    }

    /// The vector kernels run at every instruction-set level this CPU has (AVX-512, AVX2 with
    /// FMA, portable C) and must give the same bits at each: the same operations in the same
    /// order, FMA exactly rounded everywhere.
    @Test func everyKernelLevelGivesTheSameBits() throws {
        let levels = VectorKernels.availableLevels
        defer { VectorKernels.use(levels[0]) }
        var records: [[[UInt32]]] = []
        for level in levels {
            VectorKernels.use(level)
            records.append(try train(fused: true, threads: 2))
        }
        for (level, record) in zip(levels.dropFirst(), records.dropFirst()) {
            #expect(record == records[0], "\(level) differs from \(levels[0])")
        }
    }

    /// Ties everywhere: a 1×1 identity convolution passes inputs drawn from {−1, 0, ½, 1}
    /// straight to the pool, so windows tie often and the input gradient shows which
    /// position each window chose (the first maximum in row-major order, as MaxPool does).
    /// 2×2/2 rows of 18, 6 and 3 windows run the pooling kernel's 16-, 4- and one-window steps,
    /// with winners (training) and without (inference).
    @Test(arguments: [(2, 2, 37), (2, 2, 13), (2, 2, 7), (3, 2, 37), (2, 3, 37)])
    func tiesGoToTheFirstMaximum(size: Int, stride: Int, width: Int) throws {
        let shape = Shape(channels: 2, height: 7, width: width), count = 3
        func makeConvolution() throws -> Convolution {
            let convolution = try Convolution(input: shape, filters: 2, kernel: 1)
            convolution.weight.values = [1, 0, 0, 1]
            convolution.bias.values = [0, 0]
            return convolution
        }
        var draw = RandomGenerator(seed: 9)
        let levels: [Float] = [-1, 0, 0.5, 1]
        let input = (0..<(count * shape.count)).map { _ in levels[Int(draw.uniform() * 4) % 4] }
        var rng = RandomGenerator(seed: 0)

        let fused = ConvolutionActivationPool(convolution: try makeConvolution(), affine: nil, negativeSlope: 0,
                                              pool: try MaxPool(input: shape, size: size, stride: stride, maxBatch: count),
                                              maxBatch: count)
        let outputCount = count * fused.outputShape.count
        let outputGradient = randomValues(outputCount, seed: 10)
        var output = [Float](repeating: 0, count: outputCount)
        var inputGradient = [Float](repeating: 0, count: input.count)
        fused.forward(input: input, output: &output, count: count, training: true, rng: &rng)
        fused.backward(input: input, output: output, outputGradient: outputGradient,
                       inputGradient: &inputGradient, count: count)

        let convolution = try makeConvolution(), relu = ReLU(input: shape)
        let pool = try MaxPool(input: shape, size: size, stride: stride, maxBatch: count)
        var convolved = [Float](repeating: 0, count: count * shape.count), pooled = output
        var poolGradient = convolved, expectedInputGradient = inputGradient
        convolution.forward(input: input, output: &convolved, count: count, training: true, rng: &rng)
        relu.forward(input: convolved, output: &convolved, count: count, training: true, rng: &rng)
        pool.forward(input: convolved, output: &pooled, count: count, training: true, rng: &rng)
        pool.backward(input: convolved, output: pooled, outputGradient: outputGradient,
                      inputGradient: &poolGradient, count: count)
        var reluGradient = poolGradient
        relu.backward(input: convolved, output: convolved, outputGradient: poolGradient,
                      inputGradient: &reluGradient, count: count)
        convolution.backward(input: input, output: convolved, outputGradient: reluGradient,
                             inputGradient: &expectedInputGradient, count: count)

        #expect(output.map(\.bitPattern) == pooled.map(\.bitPattern))
        #expect(inputGradient.map(\.bitPattern) == expectedInputGradient.map(\.bitPattern))
        #expect(fused.convolution.weight.gradient == convolution.weight.gradient)
        #expect(fused.convolution.bias.gradient == convolution.bias.gradient)
        #expect(inputGradient.contains { $0 != 0 })

        // An inference forward pools without winners, at every kernel level: the same outputs.
        let kernelLevels = VectorKernels.availableLevels
        defer { VectorKernels.use(kernelLevels[0]) }
        for level in kernelLevels {
            VectorKernels.use(level)
            var inferred = [Float](repeating: .nan, count: outputCount)
            fused.forward(input: input, output: &inferred, count: count, training: false, rng: &rng)
            #expect(inferred.map(\.bitPattern) == output.map(\.bitPattern), "\(level)")
        }
    }

    /// A fixed per-channel affine standing in for batch normalisation at inference.
    final class FixedAffine: ChannelAffine {
        let scale: [Float], shift: [Float]
        init(channels: Int, seed: UInt64) {
            scale = randomValues(channels, seed: seed, low: -1.5, high: 1.5)
            shift = randomValues(channels, seed: seed + 1, low: -0.5, high: 0.5)
        }
        func inferenceAffine() -> (scale: [Float], shift: [Float]) { (scale, shift) }
    }

    /// Convolutions of every algorithm: the direct wide kernel, tap GEMMs, the wide layout over
    /// a padded copy (padding on two sides only, so the crop is checked), and im2col (a padded
    /// 1×1: its plane has the bias; the wide ones add it as they pool).
    static let convolutions: [(label: String, shape: Shape, filters: Int, kernel: Int, padding: Padding)] = [
        ("direct", Shape(channels: 2, height: 11, width: 13), 3, 3, .none),
        ("tap GEMM", Shape(channels: 16, height: 9, width: 10), 4, 2, .none),
        ("direct over 8 channels", Shape(channels: 8, height: 9, width: 10), 4, 2, .none),
        ("padded wide", Shape(channels: 2, height: 10, width: 9), 3, 3, Padding(top: 1, left: 0, bottom: 0, right: 2)),
        ("padded tap GEMM", Shape(channels: 9, height: 8, width: 7), 3, 3, .same(input: Shape(channels: 9, height: 8, width: 7), window: 3, stride: 1)),
        ("im2col", Shape(channels: 2, height: 10, width: 9), 3, 1, Padding(top: 1, left: 0, bottom: 0, right: 2)),
    ]
    /// 2×2/2 (the pooling kernels for ReLU), overlapping 3×3/2, gapped 2×2/3.
    static let pools: [(size: Int, stride: Int)] = [(2, 2), (3, 2), (2, 3)]

    /// The fused pass against Convolution, the affine and activation computed here, and
    /// MaxPool, run one by one: forward always, backward without an affine (inference only).
    @Test(arguments: [1, 2, 3])
    func fusedEqualsTheChain(threads: Int) throws {
        for c in Self.convolutions {
            for (size, stride) in Self.pools {
                for slope: Float in [0, 0.1] {
                    for withAffine in [false, true] {
                        try expectFusedEqualsTheChain(c, size: size, stride: stride, slope: slope, withAffine: withAffine,
                                                      count: 5, threads: threads)
                    }
                }
            }
        }
    }

    /// Tap GEMMs over several samples per product (small planes, many filters) give the
    /// one-sample bits, with enough samples that the backward's fixed chunks hold several
    /// products (8×8: eight samples a product, chunks of 12 and 13 samples at 200), the last
    /// one partial. Few filters, or larger planes, keep one sample a product.
    @Test(arguments: [1, 2, 3])
    func severalSamplesPerProductEqualTheChain(threads: Int) throws {
        let cases: [(label: String, shape: Shape, filters: Int, kernel: Int, padding: Padding)] = [
            ("tap GEMM 5×5", Shape(channels: 16, height: 5, width: 5), 64, 2, .none),
            ("tap GEMM 8×7", Shape(channels: 8, height: 8, width: 7), 64, 3, .none),
            ("tap GEMM 8×8", Shape(channels: 16, height: 8, width: 8), 64, 2, .none),
        ]
        for (c, count) in zip(cases, [37, 37, 200]) {
            let layer = try Convolution(input: c.shape, filters: c.filters, kernel: c.kernel, padding: c.padding)
            #expect(layer.algorithm.samplesPerCall >= 8, "\(c.label)")
            for slope: Float in [0, 0.1] {
                try expectFusedEqualsTheChain(c, size: 2, stride: 2, slope: slope, withAffine: false,
                                              count: count, threads: threads)
            }
        }
        let fewFilters = try Convolution(input: Shape(channels: 16, height: 5, width: 5), filters: 32, kernel: 2)
        let largerPlanes = try Convolution(input: Shape(channels: 16, height: 9, width: 9), filters: 64, kernel: 2)
        #expect(fewFilters.algorithm.samplesPerCall == 1 && largerPlanes.algorithm.samplesPerCall == 1)
    }

    /// The forward of an algorithm that takes several samples a product runs one chunk a thread,
    /// of near-equal size, so that its products are as long as they can be.
    @Test func severalSamplesPerProductRunInOneChunkAThread() throws {
        let algorithm = try Convolution(input: Shape(channels: 16, height: 5, width: 5), filters: 64, kernel: 2).algorithm
        #expect(algorithm.samplesPerCall > 1)
        for threads in [1, 2, 3, 7] {
            for count in [1, 5, 26, 100, 257] {
                let chunks = algorithm.forwardChunks(count: count, threads: threads)
                let label = "\(count) samples at \(threads) threads: \(chunks)"
                #expect(chunks.count == min(count, threads), "\(label)")
                #expect(chunks.first?.lowerBound == 0 && chunks.last?.upperBound == count, "\(label)")
                #expect(zip(chunks, chunks.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound }, "\(label)")
                let sizes = chunks.map(\.count)
                #expect(sizes.max()! - sizes.min()! <= 1, "\(label)")
            }
        }
    }

    /// Runs `count` samples through the fused pass and through the layers one by one, and
    /// expects the same bits of output and, without an affine, of every gradient.
    private func expectFusedEqualsTheChain(_ c: (label: String, shape: Shape, filters: Int, kernel: Int, padding: Padding),
                                           size: Int, stride: Int, slope: Float, withAffine: Bool,
                                           count: Int, threads: Int) throws {
        let label = "\(c.label) pool \(size)/\(stride) slope \(slope) affine \(withAffine) count \(count) threads \(threads)"
        func makeConvolution() throws -> Convolution {
            let convolution = initialized(try Convolution(input: c.shape, filters: c.filters,
                                                          kernel: c.kernel, padding: c.padding))
            convolution.threads = threads
            return convolution
        }
        let convolution = try makeConvolution()
        let pool = try MaxPool(input: convolution.outputShape, size: size, stride: stride, maxBatch: count)
        pool.threads = threads
        let affine = withAffine ? FixedAffine(channels: c.filters, seed: 21) : nil
        let fused = ConvolutionActivationPool(convolution: try makeConvolution(), affine: affine,
                                              negativeSlope: slope, pool: pool, maxBatch: count)
        fused.threads = threads
        #expect((fused.convolution.algorithm is Im2colConvolution) == (c.label == "im2col"), "\(label)")
        #expect((fused.convolution.algorithm is PaddedWideConvolution) == c.label.hasPrefix("padded"), "\(label)")

        // The left third of each row is zero: windows tie on the bias, and
        // negative values reach the activation.
        var input = randomValues(count * c.shape.count, seed: 22)
        for i in input.indices where i % c.shape.width < c.shape.width / 3 { input[i] = 0 }
        let training = !withAffine
        var rng = RandomGenerator(seed: 0)
        var output = [Float](repeating: 0, count: count * fused.outputShape.count)
        fused.forward(input: input, output: &output, count: count, training: training, rng: &rng)

        // The chain, one layer at a time.
        let planeShape = convolution.outputShape, area = planeShape.height * planeShape.width
        var z = [Float](repeating: 0, count: count * planeShape.count)
        convolution.forward(input: input, output: &z, count: count, training: training, rng: &rng)
        if let affine {
            for i in z.indices {
                let f = (i / area) % c.filters
                z[i] = z[i] * affine.scale[f] + affine.shift[f]
            }
        }
        let relu = ReLU(input: planeShape)
        var activated = z
        if slope == 0 {
            relu.forward(input: z, output: &activated, count: count, training: training, rng: &rng)
        } else {
            activated = z.map { $0 > 0 ? $0 : slope * $0 }
        }
        var pooled = output
        pool.forward(input: activated, output: &pooled, count: count, training: training, rng: &rng)
        #expect(firstDifference(output, pooled) == nil, "\(label): output")
        if withAffine { return }

        let outputGradient = randomValues(output.count, seed: 23)
        var inputGradient = [Float](repeating: 0, count: input.count)
        fused.backward(input: input, output: output, outputGradient: outputGradient,
                       inputGradient: &inputGradient, count: count)
        var poolGradient = z
        pool.backward(input: activated, output: pooled, outputGradient: outputGradient,
                      inputGradient: &poolGradient, count: count)
        var zGradient = poolGradient
        if slope == 0 {
            relu.backward(input: z, output: activated, outputGradient: poolGradient,
                          inputGradient: &zGradient, count: count)
        } else {
            for i in z.indices { zGradient[i] = z[i] > 0 ? poolGradient[i] : slope * poolGradient[i] }
        }
        var expectedInputGradient = inputGradient
        convolution.backward(input: input, output: z, outputGradient: zGradient,
                             inputGradient: &expectedInputGradient, count: count)
        #expect(firstDifference(inputGradient, expectedInputGradient) == nil, "\(label): input gradient")
        #expect(firstDifference(fused.convolution.weight.gradient, convolution.weight.gradient) == nil,
                "\(label): weight gradient")
        #expect(firstDifference(fused.convolution.bias.gradient, convolution.bias.gradient) == nil,
                "\(label): bias gradient")
        #expect(inputGradient.contains { $0 != 0 }, "\(label)")
        // Buffers for one sample per thread, gradients per chunk: the workspaces do not grow with
        // the batch's chunks (16 planes a layer: 28 MB of nouri's 405 MB peak in training).
        let algorithm = fused.convolution.algorithm, chunks = Parallelism.batchChunks(count: count).count
        #expect(algorithm.workspaces.count == Parallelism.workers(chunks: chunks, threads: threads), "\(label)")
        #expect(algorithm.partials.count == chunks, "\(label)")
    }

    /// The first index whose bits differ (or the count, when the lengths do), nil when none.
    private func firstDifference(_ a: [Float], _ b: [Float]) -> Int? {
        guard a.count == b.count else { return min(a.count, b.count) }
        return a.indices.first { a[$0].bitPattern != b[$0].bitPattern }
    }

    @Test func canFuseOnlyWhatFitsAByte() throws {
        let convolution = try Convolution(input: Shape(channels: 1, height: 20, width: 20), filters: 2, kernel: 3)
        let fits = try MaxPool(input: convolution.outputShape, size: 15, stride: 1, maxBatch: 1)
        let tooLarge = try MaxPool(input: convolution.outputShape, size: 16, stride: 1, maxBatch: 1)
        let elsewhere = try MaxPool(input: Shape(channels: 2, height: 17, width: 18), size: 2, stride: 2, maxBatch: 1)
        #expect(ConvolutionActivationPool.canFuse(convolution: convolution, pool: fits))
        #expect(!ConvolutionActivationPool.canFuse(convolution: convolution, pool: tooLarge))
        #expect(!ConvolutionActivationPool.canFuse(convolution: convolution, pool: elsewhere))
    }
}
