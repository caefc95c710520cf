/// Leaky rectified linear unit, element-wise: y = x > 0 ? x : slope·x; dx = dy where y > 0,
/// else slope·dy (the slope at x = 0, as in PyTorch). Shapes: input and output N×(any shape),
/// identical.
public final class LeakyReLU: Layer {
    public let inputShape: Shape
    /// Threads this layer splits its batch across (set by `Network`).
    public var threads = 1
    public var outputShape: Shape { inputShape }
    /// The gradient for x ≤ 0, in [0, 1); 0 is plain ReLU.
    public let slope: Float

    public init(input: Shape, slope: Float) throws(ShapeProblem) {
        _ = try Self.outputShape(for: input, slope: slope)
        inputShape = input
        self.slope = slope
    }

    /// The input's own shape, or why not: the slope must be in [0, 1) (a slope of 1 or more
    /// is not a rectifier, and a negative one would make the sign of y unreadable in place).
    public static func outputShape(for input: Shape, slope: Float) throws(ShapeProblem) -> Shape {
        guard slope >= 0, slope < 1 else { throw ShapeProblem("leakyrelu slope must be in [0, 1), not \(slope)") }
        return input
    }

    /// In place: with slope ≥ 0, y > 0 exactly where x > 0, so backward reads the side of
    /// the kink from the shared output. Later in-place layers keep that readable: dropout
    /// only scales values by a positive factor or zeroes them, and where it zeroes one its
    /// own backward has already made dy 0, so slope·dy and dy agree there.
    public var worksInPlace: Bool { true }

    public func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                        count: Int, training: Bool, rng: inout RandomGenerator) {
        let size = inputShape.count, slope = slope
        Parallelism.forEachChunk(count: count, threads: threads) { _, samples in
            for i in (samples.lowerBound * size)..<(samples.upperBound * size) {
                let x = input[i]
                output[i] = x > 0 ? x : slope * x
            }
        }
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                         outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
                         count: Int) {
        guard let inputGradient else { return }
        let size = inputShape.count, slope = slope
        Parallelism.forEachChunk(count: count, threads: threads) { _, samples in
            for i in (samples.lowerBound * size)..<(samples.upperBound * size) {
                let dy = outputGradient[i]
                inputGradient[i] = output[i] > 0 ? dy : slope * dy
            }
        }
    }
}
