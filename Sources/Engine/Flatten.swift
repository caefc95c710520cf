/// C×H×W → (C·H·W)×1×1. In NCHW the values do not move: in a `Network` it shares its
/// input's buffer; given separate buffers it copies.
public final class Flatten: Layer {
    public let inputShape: Shape
    /// Threads this layer splits its batch across (set by `Network`).
    public var threads = 1
    public let outputShape: Shape

    public init(input: Shape) {
        inputShape = input
        outputShape = Shape(channels: input.count, height: 1, width: 1)
    }

    /// In place: NCHW flattening moves nothing, so the network shares the buffer and the
    /// copies below become no-ops.
    public var worksInPlace: Bool { true }

    public func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                        count: Int, training: Bool, rng: inout RandomGenerator) {
        if UnsafePointer(output) != input { output.update(from: input, count: count * inputShape.count) }
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                         outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
                         count: Int) {
        if let inputGradient, UnsafePointer(inputGradient) != outputGradient {
            inputGradient.update(from: outputGradient, count: count * inputShape.count)
        }
    }
}
