/// Max-pooling over size×size windows moved by `stride`, per channel; windows that would
/// run past the input are dropped (floor). Shapes: input N×C×H×W, output N×C×OH×OW with
/// `OH = (H − size)/stride + 1`. The gradient goes to the argmax of each window (the first
/// maximum in row-major order on ties), summed where windows overlap.
public final class MaxPool: Layer {
    public let inputShape: Shape
    /// Threads this layer splits its batch across (set by `Network`).
    public var threads = 1
    public let outputShape: Shape
    public let size: Int
    public let stride: Int
    /// For each output value of the last forward, the index of its maximum within the sample.
    /// Allocated at the first forward: a pool that `Network` fuses into its convolution never
    /// runs on its own and needs none.
    private var argmaxStorage: UnsafeMutablePointer<Int32>?
    private let maxBatch: Int

    public init(input: Shape, size: Int, stride: Int, maxBatch: Int) throws(ShapeProblem) {
        inputShape = input
        outputShape = try LayerKind.maxPool(size: size, stride: stride).outputShape(for: input)
        self.size = size
        self.stride = stride
        self.maxBatch = maxBatch
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
        Parallelism.forEachChunk(count: count, threads: threads) { _, samples in
            for n in samples {
                let x = input + n * inputSize
                var y = output + n * outputSize
                var index = argmax + n * outputSize
                if size == 2 && stride == 2 {
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
                for c in 0..<inputShape.channels {
                    let planeStart = c * height * width
                    for oh in 0..<outHeight {
                        for ow in 0..<outWidth {
                            var best = planeStart + (oh * stride) * width + ow * stride
                            var bestValue = x[best]
                            for i in 0..<size {
                                let rowStart = planeStart + (oh * stride + i) * width + ow * stride
                                for j in 0..<size where x[rowStart + j] > bestValue {
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
