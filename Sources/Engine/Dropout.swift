/// Inverted dropout. In training each value is kept with probability 1 − rate and scaled by
/// 1/(1 − rate), or zeroed, with one uniform draw per value from the caller's generator in
/// batch-major order (so masks depend only on the generator's state, never on threads).
/// At inference it is the identity. Shapes: input and output N×(any shape), identical.
public final class Dropout: Layer {
    public let inputShape: Shape
    /// Threads this layer splits its batch across (set by `Network`).
    public var threads = 1
    public var outputShape: Shape { inputShape }
    public let rate: Float
    /// The last training forward's multipliers: 0 or 1/(1 − rate), one per value.
    private let mask: UnsafeMutablePointer<Float>
    private let maxBatch: Int
    private var lastWasTraining = false

    public init(input: Shape, rate: Float, maxBatch: Int) throws(ShapeProblem) {
        guard rate >= 0, rate < 1 else { throw ShapeProblem("dropout rate must be in [0, 1)") }
        inputShape = input
        self.rate = rate
        self.maxBatch = maxBatch
        mask = AlignedFloats.allocate(maxBatch * input.count)
    }

    deinit { mask.deallocate() }

    public var worksInPlace: Bool { true }

    public func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                        count: Int, training: Bool, rng: inout RandomGenerator) {
        precondition(count <= maxBatch, "batch of \(count) exceeds the network's maximum \(maxBatch)")
        let total = count * inputShape.count
        lastWasTraining = training && rate > 0
        guard lastWasTraining else {
            if UnsafePointer(output) != input { output.update(from: input, count: total) }
            return
        }
        let scale = 1 / (1 - rate)
        // Kept when uniform() ≥ rate; keep = scale or +0 chosen by masking its bits, not by a
        // branch, which would be mispredicted half the time.
        let threshold = RandomGenerator.UniformThreshold(rate), scaleBits = scale.bitPattern
        for i in 0..<total {
            let keep = Float(bitPattern: scaleBits & (0 &- rng.isAtLeast(threshold)))
            mask[i] = keep
            output[i] = input[i] * keep
        }
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                         outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
                         count: Int) {
        guard let inputGradient else { return }
        let total = count * inputShape.count
        guard lastWasTraining else {
            if UnsafePointer(inputGradient) != outputGradient { inputGradient.update(from: outputGradient, count: total) }
            return
        }
        for i in 0..<total { inputGradient[i] = outputGradient[i] * mask[i] }
    }
}
