/// Rectified linear unit, element-wise: y = max(0, x); dx = dy where y > 0, else 0.
/// Shapes: input and output N×(any shape), identical.
public final class ReLU: Layer {
    public let inputShape: Shape
    /// Threads this layer splits its batch across (set by `Network`).
    public var threads = 1
    public var outputShape: Shape { inputShape }

    public init(input: Shape) { inputShape = input }

    /// In place: dropout after ReLU only zeroes or positively scales values, so y > 0 is
    /// still readable from the shared buffer in backward.
    public var worksInPlace: Bool { true }

    public func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                        count: Int, training: Bool, rng: inout RandomGenerator) {
        let size = inputShape.count
        Parallelism.forEachChunk(count: count, threads: threads) { _, samples in
            for i in (samples.lowerBound * size)..<(samples.upperBound * size) {
                output[i] = max(0, input[i])
            }
        }
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                         outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
                         count: Int) {
        guard let inputGradient else { return }
        let size = inputShape.count
        Parallelism.forEachChunk(count: count, threads: threads) { _, samples in
            for i in (samples.lowerBound * size)..<(samples.upperBound * size) {
                inputGradient[i] = output[i] > 0 ? outputGradient[i] : 0
            }
        }
    }
}
