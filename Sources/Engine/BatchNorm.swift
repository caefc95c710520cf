/// Batch normalisation per channel (per unit for a dense activation, which is units×1×1).
///
/// Training: over the M = N·H·W values of channel c, μ = Σx/M and the biased σ² = Σ(x − μ)²/M
/// (both in Double, summed over samples then positions), x̂ = (x − μ)/√(σ² + ε) and
/// y = γ·x̂ + β. The running statistics then move as in PyTorch:
/// running_mean ← (1 − momentum)·running_mean + momentum·μ and
/// running_var ← (1 − momentum)·running_var + momentum·σ²·M/(M − 1) (the unbiased variance;
/// left as it is when M = 1, which says nothing about spread).
/// Inference: y = x·scale[c] + shift[c] with scale = γ/√(running_var + ε) and
/// shift = β − running_mean·scale, the affine `inferenceAffine()` gives a fused pass.
/// Shapes: input and output N×C×H×W, identical; γ, β and both statistics have C values.
public final class BatchNorm: Layer, ChannelAffine {
    public let inputShape: Shape
    /// Threads this layer splits its channels across (set by `Network`).
    public var threads = 1
    public var outputShape: Shape { inputShape }
    /// The weight of the newest batch in the running statistics, in [0, 1].
    public let momentum: Float
    /// Added to the variance before the square root, > 0.
    public let epsilon: Float
    /// γ, "<name>.gamma" (role scale), starts at 1.
    public let gamma: Parameter
    /// β, "<name>.beta" (role bias), starts at 0.
    public let beta: Parameter
    /// "<name>.running_mean" (role state), starts at 0.
    public let runningMean: Parameter
    /// "<name>.running_var" (role state), starts at 1.
    public let runningVariance: Parameter

    public var parameters: [Parameter] { [gamma, beta] }
    public var state: [Parameter] { [runningMean, runningVariance] }

    private let maxBatch: Int
    /// x̂ of the last training forward, maxBatch×C×H×W: backward needs nothing else per value.
    private let normalized: UnsafeMutablePointer<Float>
    /// Per channel, from the last forward: 1/√(σ² + ε) of the batch (training) or of the
    /// running variance (inference).
    private let inverseDeviation: UnsafeMutablePointer<Double>
    /// Per channel, from the last inference forward: the mean it subtracted and its scale.
    private let inferenceMean: UnsafeMutablePointer<Float>
    private let inferenceScale: UnsafeMutablePointer<Float>
    private var lastWasTraining = false

    public init(input: Shape, momentum: Float = 0.1, epsilon: Float = 1e-5, maxBatch: Int,
                name: String = "batchnorm") throws(ShapeProblem) {
        _ = try Self.outputShape(for: input, momentum: momentum, epsilon: epsilon)
        inputShape = input
        self.momentum = momentum
        self.epsilon = epsilon
        self.maxBatch = maxBatch
        let channels = input.channels
        gamma = Parameter(name: name + ".gamma", role: .scale, shape: [channels])
        beta = Parameter(name: name + ".beta", role: .bias, shape: [channels])
        runningMean = Parameter(name: name + ".running_mean", role: .state, shape: [channels])
        runningVariance = Parameter(name: name + ".running_var", role: .state, shape: [channels])
        normalized = AlignedFloats.zeros(maxBatch * input.count)
        inverseDeviation = .allocate(capacity: channels)
        inverseDeviation.initialize(repeating: 1, count: channels)
        inferenceMean = .allocate(capacity: channels)
        inferenceMean.initialize(repeating: 0, count: channels)
        inferenceScale = .allocate(capacity: channels)
        inferenceScale.initialize(repeating: 1, count: channels)
        resetValues()
    }

    deinit {
        normalized.deallocate()
        inverseDeviation.deallocate()
        inferenceMean.deallocate()
        inferenceScale.deallocate()
    }

    /// The input's own shape, or why not: momentum must be in [0, 1] and ε positive and finite.
    public static func outputShape(for input: Shape, momentum: Float = 0.1,
                                   epsilon: Float = 1e-5) throws(ShapeProblem) -> Shape {
        guard momentum >= 0, momentum <= 1 else {
            throw ShapeProblem("batchnorm momentum must be in [0, 1], not \(momentum)")
        }
        guard epsilon > 0, epsilon.isFinite else {
            throw ShapeProblem("batchnorm epsilon must be a positive number, not \(epsilon)")
        }
        return input
    }

    /// γ = 1, β = 0, running mean 0 and running variance 1, whatever `spec` says: a
    /// normalisation starts as the identity on normalised values, and nothing is drawn from
    /// `rng`, so adding a batch norm does not shift the numbers later layers are given.
    public func initialize(_ spec: InitializerSpec, using rng: inout RandomGenerator) {
        resetValues()
    }

    private func resetValues() {
        gamma.values = [Float](repeating: 1, count: gamma.count)
        beta.values = [Float](repeating: 0, count: beta.count)
        runningMean.values = [Float](repeating: 0, count: runningMean.count)
        runningVariance.values = [Float](repeating: 1, count: runningVariance.count)
    }

    /// 1/√(variance + ε), in Double: the one place both passes and the affine take it from.
    private func reciprocalDeviation(variance: Double) -> Double {
        1 / (variance + Double(epsilon)).squareRoot()
    }

    /// scale[c] = γ[c]/√(running_var[c] + ε) and shift[c] = β[c] − running_mean[c]·scale[c]
    /// (each rounded to Float once): the inference forward applies exactly these.
    public func inferenceAffine() -> (scale: [Float], shift: [Float]) {
        let channels = inputShape.channels
        var scale = [Float](repeating: 0, count: channels), shift = scale
        for c in 0..<channels {
            scale[c] = Float(Double(gamma.valuePointer[c]) * reciprocalDeviation(variance: Double(runningVariance.valuePointer[c])))
            shift[c] = Float(Double(beta.valuePointer[c]) - Double(runningMean.valuePointer[c]) * Double(scale[c]))
        }
        return (scale, shift)
    }

    public func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                        count: Int, training: Bool, rng: inout RandomGenerator) {
        precondition(count <= maxBatch, "batch of \(count) exceeds the network's maximum \(maxBatch)")
        lastWasTraining = training
        if training { forwardTraining(input: input, output: output, count: count) }
        else { forwardInference(input: input, output: output, count: count) }
    }

    /// Threads split channels; each channel's sums run over samples then positions, so the
    /// bits do not depend on the thread count.
    private func forwardTraining(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int) {
        let channels = inputShape.channels, plane = inputShape.height * inputShape.width
        let size = inputShape.count, values = Double(count * plane), momentum = Double(momentum)
        let gamma = gamma.valuePointer, beta = beta.valuePointer
        let runningMean = runningMean.valuePointer, runningVariance = runningVariance.valuePointer
        let normalized = normalized, inverseDeviation = inverseDeviation
        Parallelism.forEachChunk(count: channels, threads: threads) { _, range in
            for c in range {
                var sum = 0.0
                for n in 0..<count {
                    let x = input + n * size + c * plane
                    for p in 0..<plane { sum += Double(x[p]) }
                }
                let mean = sum / values
                var squares = 0.0
                for n in 0..<count {
                    let x = input + n * size + c * plane
                    for p in 0..<plane {
                        let d = Double(x[p]) - mean
                        squares += d * d
                    }
                }
                let variance = squares / values
                let inverse = self.reciprocalDeviation(variance: variance)
                inverseDeviation[c] = inverse
                let g = gamma[c], b = beta[c]
                for n in 0..<count {
                    let offset = n * size + c * plane
                    for p in 0..<plane {
                        let xhat = Float((Double(input[offset + p]) - mean) * inverse)
                        normalized[offset + p] = xhat
                        output[offset + p] = g * xhat + b
                    }
                }
                runningMean[c] = Float((1 - momentum) * Double(runningMean[c]) + momentum * mean)
                if values > 1 {
                    let unbiased = squares / (values - 1)
                    runningVariance[c] = Float((1 - momentum) * Double(runningVariance[c]) + momentum * unbiased)
                }
            }
        }
        self.runningMean.markChanged()
        self.runningVariance.markChanged()
    }

    private func forwardInference(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int) {
        let channels = inputShape.channels, plane = inputShape.height * inputShape.width
        let (scale, shift) = inferenceAffine()
        for c in 0..<channels {
            inferenceScale[c] = scale[c]
            inferenceMean[c] = runningMean.valuePointer[c]
            inverseDeviation[c] = reciprocalDeviation(variance: Double(runningVariance.valuePointer[c]))
        }
        scale.withUnsafeBufferPointer { scale in
            shift.withUnsafeBufferPointer { shift in
                Parallelism.forEachChunk(count: count, threads: threads) { _, samples in
                    for n in samples {
                        for c in 0..<channels {
                            let offset = (n * channels + c) * plane
                            let s = scale[c], t = shift[c]
                            for p in 0..<plane { output[offset + p] = input[offset + p] * s + t }
                        }
                    }
                }
            }
        }
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                         outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
                         count: Int) {
        if lastWasTraining {
            backwardTraining(outputGradient: outputGradient, inputGradient: inputGradient, count: count)
        } else {
            backwardInference(input: input, outputGradient: outputGradient, inputGradient: inputGradient, count: count)
        }
    }

    /// dγ = Σ dy·x̂, dβ = Σ dy and dx = γ·invstd·(dy − Σdy/M − x̂·Σ(dy·x̂)/M), per channel
    /// (sums in Double over samples then positions; threads split channels).
    private func backwardTraining(outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
                                  count: Int) {
        let channels = inputShape.channels, plane = inputShape.height * inputShape.width
        let size = inputShape.count, values = Double(count * plane)
        let gamma = gamma.valuePointer, gammaGradient = self.gamma.gradientPointer
        let betaGradient = beta.gradientPointer
        let normalized = normalized, inverseDeviation = inverseDeviation
        Parallelism.forEachChunk(count: channels, threads: threads) { _, range in
            for c in range {
                var sumDy = 0.0, sumDyXhat = 0.0
                for n in 0..<count {
                    let offset = n * size + c * plane
                    for p in 0..<plane {
                        let dy = Double(outputGradient[offset + p])
                        sumDy += dy
                        sumDyXhat += dy * Double(normalized[offset + p])
                    }
                }
                gammaGradient[c] = Float(sumDyXhat)
                betaGradient[c] = Float(sumDy)
                guard let inputGradient else { continue }
                let a = Float(Double(gamma[c]) * inverseDeviation[c])
                let meanDy = Float(sumDy / values), meanDyXhat = Float(sumDyXhat / values)
                for n in 0..<count {
                    let offset = n * size + c * plane
                    for p in 0..<plane {
                        let dy = outputGradient[offset + p]
                        inputGradient[offset + p] = a * (dy - meanDy - normalized[offset + p] * meanDyXhat)
                    }
                }
            }
        }
    }

    /// The affine's gradient: dx = dy·scale, dβ = Σ dy, dγ = Σ dy·(x − running_mean)·invstd
    /// (shift depends on γ through scale).
    private func backwardInference(input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                                   inputGradient: UnsafeMutablePointer<Float>?, count: Int) {
        let channels = inputShape.channels, plane = inputShape.height * inputShape.width
        let size = inputShape.count
        let gammaGradient = gamma.gradientPointer, betaGradient = beta.gradientPointer
        let inferenceMean = inferenceMean, inferenceScale = inferenceScale, inverseDeviation = inverseDeviation
        Parallelism.forEachChunk(count: channels, threads: threads) { _, range in
            for c in range {
                let mean = Double(inferenceMean[c]), scale = inferenceScale[c]
                var sumDy = 0.0, sumDyCentered = 0.0
                for n in 0..<count {
                    let offset = n * size + c * plane
                    for p in 0..<plane {
                        let dy = outputGradient[offset + p]
                        sumDy += Double(dy)
                        sumDyCentered += Double(dy) * (Double(input[offset + p]) - mean)
                    }
                    if let inputGradient {
                        for p in 0..<plane { inputGradient[offset + p] = outputGradient[offset + p] * scale }
                    }
                }
                gammaGradient[c] = Float(sumDyCentered * inverseDeviation[c])
                betaGradient[c] = Float(sumDy)
            }
        }
    }
}
