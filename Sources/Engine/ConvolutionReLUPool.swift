/// A convolution, the ReLU after it and the max-pool after that, run as one pass per
/// sample — what `Network` runs in place of those three layers.
///
/// Shapes: input N×C×H×W; the convolution's output F×OH×OW lives only in a per-thread
/// plane for one sample at a time; output N×F×PH×PW as `MaxPool` computes it. Forward:
/// plane = conv(x); y[f][ph][pw] = max(0, max of its window of plane). The full-resolution
/// convolution output and its gradient are never stored for the batch (for `nouri` that
/// was two thirds of the memory), and ReLU and pooling read the plane while it is in cache.
///
/// Backward rebuilds the plane's gradient from the one byte per output that says where its
/// window's maximum was: dplane[winner(o)] += dy[o] where y[o] > 0, else nothing — exactly
/// the values MaxPool's scatter followed by ReLU's mask give (a window whose maximum is
/// not positive passes no gradient through ReLU), so the result is bit-identical to
/// running the three layers one by one, which is this pass's twin (`Network(…, fusesLayers: false)`).
final class ConvolutionReLUPool: Layer {
    let convolution: Convolution
    let size: Int
    let stride: Int
    var inputShape: Shape { convolution.inputShape }
    let outputShape: Shape
    var threads = 1 {
        didSet { convolution.threads = threads }
    }
    var parameters: [Parameter] { convolution.parameters }

    /// Windows whose maximum's offset i·size + j fits a byte.
    static let largestWindow = 16
    /// For each output of the last forward, the offset i·size + j of its window's first maximum.
    private let winners: UnsafeMutablePointer<UInt8>
    /// Per chunk: one sample's convolution output, reused for its gradient in backward.
    private var planes: [UnsafeMutablePointer<Float>] = []
    private let maxBatch: Int

    init(convolution: Convolution, pool: MaxPool, maxBatch: Int) {
        precondition(pool.inputShape == convolution.outputShape, "the pool must take the convolution's output")
        precondition(pool.size <= Self.largestWindow, "pool windows up to \(Self.largestWindow) fit a byte")
        self.convolution = convolution
        size = pool.size
        stride = pool.stride
        outputShape = pool.outputShape
        self.maxBatch = maxBatch
        winners = .allocate(capacity: maxBatch * outputShape.count)
    }

    deinit {
        winners.deallocate()
        planes.forEach { $0.deallocate() }
    }

    private func prepare(chunks: Int) {
        convolution.prepareScratch(chunks: chunks)
        while planes.count < chunks {
            planes.append(.allocate(capacity: convolution.outputShape.count))
        }
    }

    func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                 count: Int, training: Bool, rng: inout RandomGenerator) {
        precondition(count <= maxBatch, "batch of \(count) exceeds the network's maximum \(maxBatch)")
        let ranges = Parallelism.chunks(count: count, threads: threads)
        prepare(chunks: ranges.count)
        let inputSize = inputShape.count, outputSize = outputShape.count
        Parallelism.forEach(ranges) { chunk, samples in
            let local = convolution.scratch[chunk], plane = planes[chunk]
            for n in samples {
                convolution.forwardSample(input + n * inputSize, plane, local)
                poolPositive(plane, output + n * outputSize, winners + n * outputSize)
            }
        }
    }

    func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                  outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
                  count: Int) {
        let ranges = Parallelism.chunks(count: count, threads: threads)
        prepare(chunks: ranges.count)
        let inputSize = inputShape.count, outputSize = outputShape.count
        Parallelism.forEach(ranges) { chunk, samples in
            let local = convolution.scratch[chunk], plane = planes[chunk]
            local.clearGradients()
            for n in samples {
                scatterPositive(output + n * outputSize, outputGradient + n * outputSize,
                                winners + n * outputSize, into: plane)
                convolution.backwardSample(input + n * inputSize, plane,
                                           inputGradient.map { $0 + n * inputSize }, local)
            }
        }
        convolution.reduceGradients(chunks: ranges.count)
    }

    /// y = max(0, window maximum) for every window of one sample's plane (F×OH×OW), and
    /// each window's first maximum in row-major order.
    @inline(__always)
    private func poolPositive(_ plane: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                              _ winner: UnsafeMutablePointer<UInt8>) {
        let height = convolution.outputShape.height, width = convolution.outputShape.width
        let outHeight = outputShape.height, outWidth = outputShape.width
        let size = size, stride = stride
        var o = 0
        for f in 0..<outputShape.channels {
            let channel = plane + f * height * width
            for oh in 0..<outHeight {
                let top = channel + oh * stride * width
                if size == 2 && stride == 2 {
                    // The common case, unrolled: two adjacent pairs in two rows.
                    let bottom = top + width
                    for ow in 0..<outWidth {
                        var best = top[2 * ow], at: UInt8 = 0
                        if top[2 * ow + 1] > best { best = top[2 * ow + 1]; at = 1 }
                        if bottom[2 * ow] > best { best = bottom[2 * ow]; at = 2 }
                        if bottom[2 * ow + 1] > best { best = bottom[2 * ow + 1]; at = 3 }
                        y[o + ow] = best > 0 ? best : 0
                        winner[o + ow] = at
                    }
                    o += outWidth
                    continue
                }
                for ow in 0..<outWidth {
                    let corner = top + ow * stride
                    var best = corner[0], at = 0
                    for i in 0..<size {
                        for j in 0..<size where corner[i * width + j] > best {
                            best = corner[i * width + j]
                            at = i * size + j
                        }
                    }
                    y[o] = best > 0 ? best : 0
                    winner[o] = UInt8(at)
                    o += 1
                }
            }
        }
    }

    /// dplane (F×OH×OW) = 0, then dplane[winner(o)] += dy[o] for every output with y[o] > 0.
    @inline(__always)
    private func scatterPositive(_ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                                 _ winner: UnsafePointer<UInt8>, into plane: UnsafeMutablePointer<Float>) {
        let height = convolution.outputShape.height, width = convolution.outputShape.width
        let outHeight = outputShape.height, outWidth = outputShape.width
        let size = size, stride = stride
        plane.update(repeating: 0, count: convolution.outputShape.count)
        var o = 0
        for f in 0..<outputShape.channels {
            let channel = plane + f * height * width
            for oh in 0..<outHeight {
                let top = channel + oh * stride * width
                for ow in 0..<outWidth {
                    if y[o] > 0 {
                        let at = Int(winner[o])
                        let i = at / size, j = at - i * size
                        top[i * width + ow * stride + j] += dy[o]
                    }
                    o += 1
                }
            }
        }
    }
}
