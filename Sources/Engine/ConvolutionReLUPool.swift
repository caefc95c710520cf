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
/// window's maximum was, or that it was not positive (`blocked`):
/// dplane[winner(o)] += dy[o] unless blocked — exactly
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
    /// For each output of the last forward, the offset i·size + j of its window's first
    /// maximum, or `blocked`.
    private let winners: UnsafeMutablePointer<UInt8>
    /// The winner of a window whose maximum is not positive (NaN included): y = 0 there, and
    /// ReLU passes no gradient. Backward reads the winners only, never y.
    static let blocked = VectorKernels.blockedWinner
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
            // The wide path pools and scatters in the convolution's own scratch: no plane.
            let count = convolution.isWide ? 0 : convolution.outputShape.count
            let plane = UnsafeMutablePointer<Float>.allocate(capacity: count)
            plane.initialize(repeating: 0, count: count)
            planes.append(plane)
        }
    }

    func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                 count: Int, training: Bool, rng: inout RandomGenerator) {
        precondition(count <= maxBatch, "batch of \(count) exceeds the network's maximum \(maxBatch)")
        let ranges = Parallelism.chunks(count: count, threads: threads)
        prepare(chunks: ranges.count)
        let inputSize = inputShape.count, outputSize = outputShape.count
        Parallelism.forEach(ranges, threads: threads) { chunk, samples in
            let local = convolution.scratch[chunk], plane = planes[chunk]
            for n in samples {
                // The wide path pools straight from its wide output, adding the bias as it
                // reads (the same sums `forwardViaWide` would store); the others from the plane.
                let source: UnsafePointer<Float>, pitch: Int, bias: UnsafePointer<Float>?
                if convolution.isWide {
                    source = convolution.forwardWide(input + n * inputSize, local)
                    pitch = inputShape.width
                    bias = UnsafePointer(convolution.bias.valuePointer)
                } else {
                    convolution.forwardSample(input + n * inputSize, plane, local)
                    (source, pitch, bias) = (UnsafePointer(plane), convolution.outputShape.width, nil)
                }
                poolPositive(source, pitch: pitch, bias: bias, output + n * outputSize, winners + n * outputSize)
            }
        }
    }

    func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                  outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
                  count: Int) {
        let ranges = Parallelism.chunks(count: count, threads: threads)
        prepare(chunks: ranges.count)
        let inputSize = inputShape.count, outputSize = outputShape.count
        Parallelism.forEach(ranges, threads: threads) { chunk, samples in
            let local = convolution.scratch[chunk], plane = planes[chunk]
            local.clearGradients()
            for n in samples {
                if convolution.isWide {
                    // dy goes straight into the wide layout the wide backward reads.
                    scatterPositive(outputGradient + n * outputSize,
                                    winners + n * outputSize, into: local.columns, pitch: inputShape.width)
                    convolution.backwardWide(input + n * inputSize, inputGradient.map { $0 + n * inputSize }, local)
                    continue
                }
                scatterPositive(outputGradient + n * outputSize,
                                winners + n * outputSize, into: plane, pitch: convolution.outputShape.width)
                convolution.backwardSample(input + n * inputSize, plane,
                                           inputGradient.map { $0 + n * inputSize }, local)
            }
        }
        convolution.reduceGradients(chunks: ranges.count)
    }

    /// y = max(0, window maximum) for every window of one sample's plane (F×OH×OW, rows
    /// `pitch` ≥ OW apart) with `bias[f]` added to each value first when given, and each
    /// window's first maximum in row-major order.
    @inline(__always)
    private func poolPositive(_ plane: UnsafePointer<Float>, pitch: Int, bias: UnsafePointer<Float>?,
                              _ y: UnsafeMutablePointer<Float>, _ winner: UnsafeMutablePointer<UInt8>) {
        let height = convolution.outputShape.height
        let outHeight = outputShape.height, outWidth = outputShape.width
        let size = size, stride = stride
        var o = 0
        for f in 0..<outputShape.channels {
            let channel = plane + f * height * pitch
            for oh in 0..<outHeight {
                let top = channel + oh * stride * pitch
                if size == 2 && stride == 2 {
                    VectorKernels.poolPairsPositive(top, top + pitch, count: outWidth, bias: bias?[f] ?? 0,
                                                    y + o, winner + o)
                    o += outWidth
                    continue
                }
                let b = bias?[f]
                @inline(__always) func value(_ v: Float) -> Float { b.map { v + $0 } ?? v }
                for ow in 0..<outWidth {
                    let corner = top + ow * stride
                    var best = value(corner[0]), at = 0
                    for i in 0..<size {
                        for j in 0..<size where value(corner[i * pitch + j]) > best {
                            best = value(corner[i * pitch + j])
                            at = i * size + j
                        }
                    }
                    y[o] = best > 0 ? best : 0
                    winner[o] = best > 0 ? UInt8(at) : Self.blocked
                    o += 1
                }
            }
        }
    }

    /// dplane (F×OH×OW, rows `pitch` ≥ OW apart, every value up to the pitch written) = 0,
    /// then dplane[winner(o)] += dy[o] for every output whose winner is not `blocked`.
    @inline(__always)
    private func scatterPositive(_ dy: UnsafePointer<Float>,
                                 _ winner: UnsafePointer<UInt8>, into plane: UnsafeMutablePointer<Float>,
                                 pitch width: Int) {
        let height = convolution.outputShape.height
        let outHeight = outputShape.height, outWidth = outputShape.width
        let size = size, stride = stride
        if size == 2 && stride == 2 {
            // Every position of the covered rows is written (no clearing pass); only a last
            // odd row or column, which no window covers, is zeroed.
            let covered = 2 * outWidth
            var o = 0
            for f in 0..<outputShape.channels {
                let channel = plane + f * height * width
                for oh in 0..<outHeight {
                    let top = channel + 2 * oh * width, bottom = top + width
                    VectorKernels.scatterPairsPositive(dy + o, winner + o, count: outWidth, top, bottom)
                    if covered < width {
                        (top + covered).update(repeating: 0, count: width - covered)
                        (bottom + covered).update(repeating: 0, count: width - covered)
                    }
                    o += outWidth
                }
                if 2 * outHeight < height {
                    (channel + 2 * outHeight * width).update(repeating: 0, count: (height - 2 * outHeight) * width)
                }
            }
            return
        }
        plane.update(repeating: 0, count: outputShape.channels * height * width)
        var o = 0
        for f in 0..<outputShape.channels {
            let channel = plane + f * height * width
            for oh in 0..<outHeight {
                let top = channel + oh * stride * width
                for ow in 0..<outWidth {
                    if winner[o] != Self.blocked {
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
