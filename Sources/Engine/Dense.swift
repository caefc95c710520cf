/// Fully connected layer: output = input·Wᵀ + b.
///
/// Shapes: input N×I (flat), weights U×I (row u holds unit u's input weights, as PyTorch
/// stores them), bias U, output N×U. Forward and the input gradient split the batch rows
/// across threads; the weight gradient dW = dYᵀ·X (U×I) splits the units, so no partial
/// sums need reducing. The naive twin is `NaiveKernels.gemm`.
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

    public init(input: Shape, units: Int, name: String = "dense") throws(ShapeProblem) {
        inputShape = input
        outputShape = try LayerKind.dense(units: units).outputShape(for: input)
        self.units = units
        inputs = input.count
        weight = Parameter(name: name + ".weight", role: .weight, shape: [units, input.count])
        bias = Parameter(name: name + ".bias", role: .bias, shape: [units])
    }

    /// Dense fans: n_in = input units, n_out = output units.
    public func initialize(_ spec: InitializerSpec, using rng: inout RandomGenerator) {
        weight.withUnsafeMutableValues { spec.fill(weights: $0, fanIn: inputs, fanOut: units, using: &rng) }
        spec.fill(bias: UnsafeMutableBufferPointer(start: bias.valuePointer, count: units))
    }

    public func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                        count: Int, training: Bool, rng: inout RandomGenerator) {
        Parallelism.forEachChunk(count: count, threads: threads, perThread: 1) { _, rows in
            for n in rows { (output + n * units).update(from: bias.valuePointer, count: units) }
            // Y[rows] (R×U) += X[rows] (R×I) · Wᵀ (I×U)
            BLAS.sgemm(transposeA: false, transposeB: true, m: rows.count, n: units, k: inputs,
                       alpha: 1, a: input + rows.lowerBound * inputs, lda: inputs,
                       b: weight.valuePointer, ldb: inputs,
                       beta: 1, c: output + rows.lowerBound * units, ldc: units)
        }
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                         outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
                         count: Int) {
        Parallelism.forEachChunk(count: units, threads: threads, perThread: 1) { _, unitRange in
            // dW[units] (V×I) = dY[:, units]ᵀ (V×N) · X (N×I)
            BLAS.sgemm(transposeA: true, transposeB: false, m: unitRange.count, n: inputs, k: count,
                       alpha: 1, a: outputGradient + unitRange.lowerBound, lda: units,
                       b: input, ldb: inputs,
                       beta: 0, c: weight.gradientPointer + unitRange.lowerBound * inputs, ldc: inputs)
            for u in unitRange {
                var sum: Float = 0
                for n in 0..<count { sum += outputGradient[n * units + u] }
                bias.gradientPointer[u] = sum
            }
        }
        guard let inputGradient else { return }
        Parallelism.forEachChunk(count: count, threads: threads, perThread: 1) { _, rows in
            // dX[rows] (R×I) = dY[rows] (R×U) · W (U×I)
            BLAS.sgemm(transposeA: false, transposeB: false, m: rows.count, n: inputs, k: units,
                       alpha: 1, a: outputGradient + rows.lowerBound * units, lda: units,
                       b: weight.valuePointer, ldb: inputs,
                       beta: 0, c: inputGradient + rows.lowerBound * inputs, ldc: inputs)
        }
    }
}
