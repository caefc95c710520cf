/// Fully connected layer: output = input·Wᵀ + b.
///
/// Shapes: input N×I (flat), weights U×I (row u holds unit u's input weights, as PyTorch
/// stores them), bias U, output N×U. A training forward computes Y = X·Wᵀ (the engine's GEMM)
/// split across threads by units, then adds the bias; the weight gradient dW = dYᵀ·X (U×I)
/// and the input gradient dX = dY·W split the inputs, so no partial sums need reducing. Behind
/// a ReLU and dropout most of dY is zeros: both then run over its nonzero values only
/// (`VectorKernels.gemmSkippingZerosOfA`, the same bits; the MLP's first layer's backward in `kplab bench`
/// 6.5 → 1.2 ms).
/// Inference on AVX-512 multiplies against a packed copy of W, repacked only when the weights
/// change (`VectorKernels.denseForwardPacked`: 20–30% faster than OpenBLAS was there);
/// below AVX-512 it runs training's product against W packed once per change as the GEMM
/// packs it; deep layers over a batch run whichever of the two their first calls timed faster
/// on this core (`DenseInferenceChoice`). Both compute each output as one FMA chain
/// over the inputs in order from zero, then the bias: training and inference give the same
/// bits, whatever the batch, the thread count or the path.
/// The naive twin is `NaiveKernels.gemm`.
public final class Dense: Layer {
    public let inputShape: Shape
    /// Threads this layer splits its batch across (set by `Network`).
    public var threads = 1
    public let outputShape: Shape
    public let units: Int
    public let weight: Parameter
    public let bias: Parameter
    public var parameters: [Parameter] { [weight, bias] }
    private let inputs: Int
    /// W packed for inference (allocated by the first inference forward) and the weights'
    /// `version` it was packed from.
    private var packed: UnsafeMutablePointer<Float>?
    private var packedVersion: UInt64?
    /// Elsewhere: each thread's rows of W packed whole as the GEMM packs its right operand
    /// (`VectorKernels.packGEMMOperand`), so that inference does not pack 9.4 MB of the MLP's
    /// first layer again for every batch; and the weights' version and the unit ranges they
    /// were packed for.
    private var gemmPacked: [UnsafeMutablePointer<Float>] = []
    private var gemmPackedFor: (version: UInt64, ranges: [Range<Int>])?
    /// Which kernel deep layers' inference runs, timed on this core (see `DenseInferenceChoice`);
    /// both copies of W stay once both have run (the MLP's first layer: 9.4 MB more).
    private var inferenceChoice = DenseInferenceChoice()

    public init(input: Shape, units: Int, name: String = "dense") throws(ShapeProblem) {
        inputShape = input
        outputShape = try Self.outputShape(for: input, units: units)
        self.units = units
        inputs = input.count
        weight = Parameter(name: name + ".weight", role: .weight, shape: [units, input.count])
        bias = Parameter(name: name + ".bias", role: .bias, shape: [units])
    }

    /// units×1×1, or why the layer cannot take `input`.
    public static func outputShape(for input: Shape, units: Int) throws(ShapeProblem) -> Shape {
        guard units > 0 else { throw ShapeProblem("dense needs at least 1 unit") }
        guard input.height == 1, input.width == 1 else {
            throw ShapeProblem("dense needs a flat input but gets \(input); add '- flatten' before it")
        }
        return Shape(channels: units, height: 1, width: 1)
    }

    deinit {
        packed?.deallocate()
        gemmPacked.forEach { $0.deallocate() }
    }

    /// Dense fans: n_in = input units, n_out = output units.
    public func initialize(_ spec: InitializerSpec, using rng: inout RandomGenerator) {
        weight.withUnsafeMutableValues { spec.fill(weights: $0, fanIn: inputs, fanOut: units, using: &rng) }
        spec.fill(bias: UnsafeMutableBufferPointer(start: bias.valuePointer, count: units))
    }

    public func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                        count: Int, training: Bool, rng: inout RandomGenerator) {
        if !training { return infer(input: input, output: output, count: count) }
        // Split over units, not samples: each thread streams only its rows of W (for the
        // MLP's first layer W is 9.4 MB, far beyond L2). The batch fills the product's tile
        // rows and the units its vector lanes; the other way round (Yᵀ = W·Xᵀ, then a
        // transpose) left 12 of every 112 lanes empty at a batch of 100.
        Parallelism.forEachChunk(count: units, threads: threads, perThread: 1) { _, unitRange in
            // Y[:, units] (N×V) = X (N×I) · W[units]ᵀ (I×V), then + b
            VectorKernels.gemm(transposeA: false, transposeB: true, m: count, n: unitRange.count, k: inputs,
                               a: input, lda: inputs, b: weight.valuePointer + unitRange.lowerBound * inputs, ldb: inputs,
                               accumulate: false, c: output + unitRange.lowerBound, ldc: units)
            addBias(to: output, count: count, units: unitRange)
        }
    }

    /// Y[:, units] += b[units]: after the product, so each output is its chain, then the bias.
    private func addBias(to output: UnsafeMutablePointer<Float>, count: Int, units unitRange: Range<Int>) {
        let bias = bias.valuePointer
        for n in 0..<count {
            let row = output + n * units
            for u in unitRange { row[u] += bias[u] }
        }
    }

    /// Inference by the kernel `DenseInferenceKernel` fixes for this shape, or else by the one
    /// this layer's timing chose (timing it while the choice is on trial).
    private func infer(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int) {
        func run(_ kernel: DenseInferenceKernel) -> Double {
            switch kernel {
            case .packedPanels: inferByPanels(input: input, output: output, count: count)
            case .gemm: inferByGEMM(input: input, output: output, count: count)
            }
        }
        if let kernel = DenseInferenceKernel.fixed(inputs: inputs, count: count) {
            _ = run(kernel)
            return
        }
        let kernel = inferenceChoice.kernel(count: count, threads: threads)
        inferenceChoice.record(kernel, seconds: run(kernel), count: count, threads: threads)
    }

    /// Inference: Y = X·Wᵀ + b from the packed weights, split across threads by panels of units.
    /// Returns the seconds of the product alone, after any repacking.
    private func inferByPanels(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int) -> Double {
        let packed = packed ?? AlignedFloats.allocate(VectorKernels.densePackedCount(units: units, inputs: inputs))
        self.packed = packed
        if packedVersion != weight.version {
            VectorKernels.packDense(weight.valuePointer, units: units, inputs: inputs, into: packed)
            packedVersion = weight.version
        }
        let panels = (units + VectorKernels.densePanel - 1) / VectorKernels.densePanel
        let start = MonotonicClock.seconds()
        Parallelism.forEachChunk(count: panels, threads: threads, perThread: 1) { _, panelRange in
            VectorKernels.denseForwardPacked(input, count: count, inputs: inputs, packed: packed, units: units,
                                             panels: panelRange, bias: bias.valuePointer, output)
        }
        return MonotonicClock.seconds() - start
    }

    /// Inference by training's product, split the same way, against W packed once per change
    /// of the weights (or of the thread count): the same chains, so the same bits. Returns the
    /// seconds of the product alone, after any repacking.
    private func inferByGEMM(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int) -> Double {
        let ranges = Parallelism.chunks(count: units, threads: threads, perThread: 1)
        if gemmPackedFor?.version != weight.version || gemmPackedFor?.ranges != ranges {
            if gemmPackedFor?.ranges != ranges {
                gemmPacked.forEach { $0.deallocate() }
                gemmPacked = ranges.map { AlignedFloats.allocate(VectorKernels.packedGEMMOperandCount(n: $0.count, k: inputs)) }
            }
            for (range, packed) in zip(ranges, gemmPacked) {
                VectorKernels.packGEMMOperand(transposeB: true, n: range.count, k: inputs,
                                              b: weight.valuePointer + range.lowerBound * inputs, ldb: inputs, into: packed)
            }
            gemmPackedFor = (weight.version, ranges)
        }
        let gemmPacked = gemmPacked
        let start = MonotonicClock.seconds()
        Parallelism.forEach(ranges, threads: threads) { chunk, unitRange in
            VectorKernels.gemm(transposeA: false, m: count, n: unitRange.count, k: inputs, a: input, lda: inputs,
                               packedB: gemmPacked[chunk], accumulate: false, c: output + unitRange.lowerBound, ldc: units)
            addBias(to: output, count: count, units: unitRange)
        }
        return MonotonicClock.seconds() - start
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                         outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
                         count: Int) {
        // Both products split the inputs (the columns of dW and dX), not the units or the batch:
        // each thread then packs only its share of X and of W, where a split by units had every
        // thread pack all of X for dW, and a split by rows all of W for dX (31 MB for nouri's
        // first dense layer). One section for both; the bias gradient is cut by units alongside.
        let columnRanges = Parallelism.alignedChunks(count: inputs, threads: threads,
                                                     alignment: VectorKernels.gemmTileColumns)
        let unitRanges = Parallelism.partition(count: units, parts: columnRanges.count)
        Parallelism.forEach(columnRanges, threads: threads) { chunk, columns in
            // dW[:, columns] (U×C) = dYᵀ (U×N) · X[:, columns] (N×C); behind a ReLU and dropout
            // most of dY is zeros, which the product skips where that is faster (the same bits).
            VectorKernels.gemmSkippingZerosOfA(transposeA: true, m: units, n: columns.count, k: count,
                                               a: outputGradient, lda: units, b: input + columns.lowerBound,
                                               ldb: inputs, c: weight.gradientPointer + columns.lowerBound, ldc: inputs)
            for u in unitRanges[chunk] {
                var sum: Float = 0
                for n in 0..<count { sum += outputGradient[n * units + u] }
                bias.gradientPointer[u] = sum
            }
            guard let inputGradient else { return }
            // dX[:, columns] (N×C) = dY (N×U) · W[:, columns] (U×C), skipping dY's zeros likewise
            VectorKernels.gemmSkippingZerosOfA(transposeA: false, m: count, n: columns.count, k: units,
                                               a: outputGradient, lda: units, b: weight.valuePointer + columns.lowerBound,
                                               ldb: inputs, c: inputGradient + columns.lowerBound, ldc: inputs)
        }
    }
}
