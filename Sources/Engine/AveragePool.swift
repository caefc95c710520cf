/// Average pooling over size×size windows moved by `stride`, per channel; windows that would
/// run past the padded input are dropped (floor). Each output is the mean of the window's
/// values that lie inside the input — padding is not counted in the divisor (TensorFlow's
/// "same") — summed in Float in row-major order, then divided. The gradient is spread evenly
/// over those values: dx += dy / (values counted), summed where windows overlap.
/// Shapes: input N×C×H×W, output N×C×OH×OW with `OH = (H + top + bottom − size)/stride + 1`.
public final class AveragePool: Layer {
    public let inputShape: Shape
    /// Threads this layer splits its batch across (set by `Network`).
    public var threads = 1
    public let outputShape: Shape
    public let size: Int
    public let stride: Int
    /// Positions around the input that windows may cover, never counted; none by default.
    public let padding: Padding
    private let maxBatch: Int

    public init(input: Shape, size: Int, stride: Int, padding: Padding = .none, maxBatch: Int) throws(ShapeProblem) {
        inputShape = input
        outputShape = try Self.outputShape(for: input, size: size, stride: stride, padding: padding)
        self.size = size
        self.stride = stride
        self.padding = padding
        self.maxBatch = maxBatch
    }

    /// C×H×W → C×OH×OW with `OH = (H + top + bottom − size)/stride + 1` (likewise OW), or why
    /// not: size and stride must be ≥ 1, every padding side in 0..<size (so that every window
    /// counts at least one value), and the window no larger than the padded input.
    public static func outputShape(for input: Shape, size: Int, stride: Int,
                                   padding: Padding = .none) throws(ShapeProblem) -> Shape {
        try poolOutputShape(for: input, size: size, stride: stride, padding: padding, kind: "avgpool")
    }

    public func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                        count: Int, training: Bool, rng: inout RandomGenerator) {
        precondition(count <= maxBatch, "batch of \(count) exceeds the network's maximum \(maxBatch)")
        let height = inputShape.height, width = inputShape.width
        let inputSize = inputShape.count, outputSize = outputShape.count
        Parallelism.forEachChunk(count: count, threads: threads) { _, samples in
            for n in samples {
                var y = output + n * outputSize
                for c in 0..<inputShape.channels {
                    let plane = input + n * inputSize + c * height * width
                    for oh in 0..<outputShape.height {
                        let rows = clippedWindow(oh * stride - padding.top, size: size, limit: height)
                        for ow in 0..<outputShape.width {
                            let columns = clippedWindow(ow * stride - padding.left, size: size, limit: width)
                            var sum: Float = 0
                            for i in rows {
                                for j in columns { sum += plane[i * width + j] }
                            }
                            y.pointee = sum / Float(rows.count * columns.count)
                            y += 1
                        }
                    }
                }
            }
        }
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                         outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
                         count: Int) {
        guard let inputGradient else { return }
        let height = inputShape.height, width = inputShape.width
        let inputSize = inputShape.count, outputSize = outputShape.count
        Parallelism.forEachChunk(count: count, threads: threads) { _, samples in
            for n in samples {
                inputGradient.advanced(by: n * inputSize).update(repeating: 0, count: inputSize)
                var dy = outputGradient + n * outputSize
                for c in 0..<inputShape.channels {
                    let plane = inputGradient + n * inputSize + c * height * width
                    for oh in 0..<outputShape.height {
                        let rows = clippedWindow(oh * stride - padding.top, size: size, limit: height)
                        for ow in 0..<outputShape.width {
                            let columns = clippedWindow(ow * stride - padding.left, size: size, limit: width)
                            let share = dy.pointee / Float(rows.count * columns.count)
                            for i in rows {
                                for j in columns { plane[i * width + j] += share }
                            }
                            dy += 1
                        }
                    }
                }
            }
        }
    }
}
