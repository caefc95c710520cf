/// The mean of each channel: y[n, c] = Σ_{h,w} x[n, c, h, w] / (H·W), summed in Double in
/// row-major order; dx[n, c, h, w] = dy[n, c] / (H·W). Shapes: input N×C×H×W, output N×C×1×1.
public final class GlobalAveragePool: Layer {
    public let inputShape: Shape
    /// Threads this layer splits its batch across (set by `Network`).
    public var threads = 1
    public let outputShape: Shape

    public init(input: Shape) throws(ShapeProblem) {
        outputShape = try Self.outputShape(for: input)
        inputShape = input
    }

    /// C×H×W → C×1×1, or why not: the input must hold at least one position per channel.
    public static func outputShape(for input: Shape) throws(ShapeProblem) -> Shape {
        guard input.channels > 0, input.height > 0, input.width > 0 else {
            throw ShapeProblem("global average pool needs a non-empty input, not \(input)")
        }
        return Shape(channels: input.channels, height: 1, width: 1)
    }

    public func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                        count: Int, training: Bool, rng: inout RandomGenerator) {
        let channels = inputShape.channels, plane = inputShape.height * inputShape.width
        Parallelism.forEachChunk(count: count, threads: threads) { _, samples in
            for n in samples {
                for c in 0..<channels {
                    let x = input + (n * channels + c) * plane
                    var sum = 0.0
                    for p in 0..<plane { sum += Double(x[p]) }
                    output[n * channels + c] = Float(sum / Double(plane))
                }
            }
        }
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                         outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
                         count: Int) {
        guard let inputGradient else { return }
        let channels = inputShape.channels, plane = inputShape.height * inputShape.width
        let positions = Float(plane)
        Parallelism.forEachChunk(count: count, threads: threads) { _, samples in
            for n in samples {
                for c in 0..<channels {
                    let share = outputGradient[n * channels + c] / positions
                    (inputGradient + (n * channels + c) * plane).update(repeating: share, count: plane)
                }
            }
        }
    }
}
