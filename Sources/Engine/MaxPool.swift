/// Max-pooling over size×size windows moved by `stride`, per channel; windows that would
/// run past the padded input are dropped (floor). Shapes: input N×C×H×W, output N×C×OH×OW
/// with `OH = (H + top + bottom − size)/stride + 1` (likewise OW). Padding adds positions a
/// window may cover but never picks: each window takes the maximum of its values inside the
/// input (every side is smaller than the window, so there is always one). The gradient goes
/// to the argmax of each window (the first maximum in row-major order on ties), summed where
/// windows overlap.
public final class MaxPool: Layer {
    public let inputShape: Shape
    /// Threads this layer splits its batch across (set by `Network`).
    public var threads = 1
    public let outputShape: Shape
    public let size: Int
    public let stride: Int
    /// Positions around the input that windows may cover; none by default.
    public let padding: Padding
    /// For each output value of the last forward, the index of its maximum within the sample.
    /// Allocated at the first forward: a pool that `Network` fuses into its convolution never
    /// runs on its own and needs none.
    private var argmaxStorage: UnsafeMutablePointer<Int32>?
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
    /// not: size and stride must be ≥ 1, every padding side in 0..<size, and the window no
    /// larger than the padded input.
    public static func outputShape(for input: Shape, size: Int, stride: Int,
                                   padding: Padding = .none) throws(ShapeProblem) -> Shape {
        try poolOutputShape(for: input, size: size, stride: stride, padding: padding, kind: "maxpool")
    }

    deinit { argmaxStorage?.deallocate() }

    private var argmax: UnsafeMutablePointer<Int32> {
        if let argmaxStorage { return argmaxStorage }
        let storage = UnsafeMutablePointer<Int32>.allocate(capacity: maxBatch * outputShape.count)
        argmaxStorage = storage
        return storage
    }

    public func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                        count: Int, training: Bool, rng: inout RandomGenerator) {
        precondition(count <= maxBatch, "batch of \(count) exceeds the network's maximum \(maxBatch)")
        let height = inputShape.height, width = inputShape.width
        let outHeight = outputShape.height, outWidth = outputShape.width
        let inputSize = inputShape.count, outputSize = outputShape.count
        let argmax = argmax
        let isPairs = size == 2 && stride == 2 && padding.isNone
        Parallelism.forEachChunk(count: count, threads: threads) { _, samples in
            for n in samples {
                let x = input + n * inputSize
                var y = output + n * outputSize
                var index = argmax + n * outputSize
                if isPairs {
                    // The common case, unrolled: a 2×2 window is two adjacent pairs in two rows.
                    for c in 0..<inputShape.channels {
                        let planeStart = c * height * width
                        for oh in 0..<outHeight {
                            let top = planeStart + 2 * oh * width
                            for ow in 0..<outWidth {
                                let a = top + 2 * ow, b = a + width
                                var best = a
                                if x[a + 1] > x[best] { best = a + 1 }
                                if x[b] > x[best] { best = b }
                                if x[b + 1] > x[best] { best = b + 1 }
                                y.pointee = x[best]
                                index.pointee = Int32(best)
                                y += 1
                                index += 1
                            }
                        }
                    }
                    continue
                }
                // Every other window, clipped to the input: positions in the padding are never
                // candidates, so the argmax is always a real input index.
                for c in 0..<inputShape.channels {
                    let planeStart = c * height * width
                    for oh in 0..<outHeight {
                        let rows = clippedWindow(oh * stride - padding.top, size: size, limit: height)
                        for ow in 0..<outWidth {
                            let columns = clippedWindow(ow * stride - padding.left, size: size, limit: width)
                            var best = planeStart + rows.lowerBound * width + columns.lowerBound
                            var bestValue = x[best]
                            for i in rows {
                                let rowStart = planeStart + i * width
                                for j in columns where x[rowStart + j] > bestValue {
                                    bestValue = x[rowStart + j]
                                    best = rowStart + j
                                }
                            }
                            y.pointee = bestValue
                            index.pointee = Int32(best)
                            y += 1
                            index += 1
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
        let inputSize = inputShape.count, outputSize = outputShape.count
        let argmax = argmax
        Parallelism.forEachChunk(count: count, threads: threads) { _, samples in
            for n in samples {
                let dx = inputGradient + n * inputSize
                dx.update(repeating: 0, count: inputSize)
                let dy = outputGradient + n * outputSize
                let index = argmax + n * outputSize
                for o in 0..<outputSize { dx[Int(index[o])] += dy[o] }
            }
        }
    }
}

/// The output shape of a pooling window (`kind` names it in messages: "maxpool", "avgpool"):
/// `(H + top + bottom − size)/stride + 1` rows (floor), likewise columns.
func poolOutputShape(for input: Shape, size: Int, stride: Int, padding: Padding,
                     kind: String) throws(ShapeProblem) -> Shape {
    guard size > 0, stride > 0 else { throw ShapeProblem("\(kind) needs size and stride ≥ 1") }
    let sides = [padding.top, padding.left, padding.bottom, padding.right]
    // A side as wide as the window would let a window hold nothing but padding.
    guard sides.allSatisfy({ $0 >= 0 && $0 < size }) else {
        throw ShapeProblem("\(kind) padding \(padding) must be at least 0 and less than the window size \(size) on every side")
    }
    let paddedHeight = input.height + padding.top + padding.bottom
    let paddedWidth = input.width + padding.left + padding.right
    guard size <= paddedHeight, size <= paddedWidth else {
        let padded = padding.isNone ? "" : " (padding \(padding))"
        throw ShapeProblem("\(kind) window \(size)×\(size) is larger than its input \(input)\(padded)")
    }
    return Shape(channels: input.channels,
                 height: (paddedHeight - size) / stride + 1,
                 width: (paddedWidth - size) / stride + 1)
}

/// The part of the window `start ..< start + size` (start may be negative, in the padding)
/// that lies inside `0 ..< limit`; never empty for a window of a valid pool shape.
@inline(__always)
func clippedWindow(_ start: Int, size: Int, limit: Int) -> Range<Int> {
    max(start, 0)..<min(start + size, limit)
}
