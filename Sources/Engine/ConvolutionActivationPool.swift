/// A convolution, an optional per-channel affine, a ReLU or leaky ReLU and a max-pool,
/// run as one pass per sample — what `Network` runs in place of those layers.
///
/// Shapes: input N×C×H×W; the convolution's output F×OH×OW lives only in its algorithm's
/// per-thread plane for one sample at a time (`ConvolutionAlgorithm`); output N×F×PH×PW as
/// `MaxPool` computes it. Forward, with a(x) = max(0, x) (slope 0) or x > 0 ? x : slope·x:
/// z = conv(x) (+ b as the plane is read, when the plane lacks it), then
/// z = z·scale[f] + shift[f] when an affine is given, y[f][ph][pw] = max of a(z) over the
/// window. The batch's full-resolution convolution output and its gradient are never
/// stored (for `nouri` that was two thirds of the memory), and the rest reads the plane
/// while it is in cache.
///
/// Backward rebuilds the plane's gradient from one byte per output that says where its
/// window's first maximum was: dplane[winner(o)] += dy[o], where for ReLU a window whose
/// maximum is not positive passes nothing (`blocked`), and for leaky ReLU it passes
/// slope·dy (a(z) is monotonic, so the maximum of a(z) is a(z) at the window's winner).
/// These are exactly the values MaxPool's scatter followed by the activation's backward
/// give, so the result is bit-identical to running the layers one by one, which is this
/// pass's twin (`Network(…, fusesLayers: false)`).
///
/// The affine is batch normalisation at inference, read from `ChannelAffine.inferenceAffine()`
/// at every forward: it is for inference only, and forward in training or backward with
/// an affine is a programming error (precondition), not a fixed affine's gradient.
final class ConvolutionActivationPool: Layer {
    let convolution: Convolution
    let affine: (any ChannelAffine)?
    /// 0: ReLU; in (0, 1): leaky ReLU.
    let negativeSlope: Float
    let size: Int
    let stride: Int
    var inputShape: Shape { convolution.inputShape }
    let outputShape: Shape
    var threads = 1 {
        didSet { convolution.threads = threads }
    }
    var parameters: [Parameter] { convolution.parameters }

    /// Windows whose maximum's offset i·size + j fits a byte besides `blocked` (255).
    static let largestWindow = 15
    /// The winner of a window whose maximum is not positive (NaN included) under ReLU:
    /// y = 0 there, and ReLU passes no gradient. Backward reads the winners only, never y.
    static let blocked = VectorKernels.blockedWinner

    /// Whether a convolution and the max-pool over its output can run as one pass: the
    /// pool takes the convolution's whole output, and its windows' offsets fit a byte.
    static func canFuse(convolution: Convolution, pool: MaxPool) -> Bool {
        pool.inputShape == convolution.outputShape && pool.size <= largestWindow
    }

    /// For each output of the last forward, the offset i·size + j of its window's first
    /// maximum, or `blocked` (ReLU only). An inference forward under ReLU without affine keeps
    /// none: the pool then computes y alone (`VectorKernels.poolPlanePositive`), 1.5–2.2× faster.
    private let winners: UnsafeMutablePointer<UInt8>
    /// Whether the last forward wrote `winners`, which `backward` reads.
    private var winnersWritten = false
    /// Leaky ReLU: for each output of the last forward, whether its window's maximum was
    /// not positive (its gradient is slope·dy). Empty for ReLU.
    private let nonPositive: UnsafeMutablePointer<Bool>
    /// Leaky ReLU with overlapping windows, per worker: the sums of dy at the non-positive
    /// winners before they are scaled by the slope (see `scatterLeaky`). Empty otherwise.
    private var sums: [UnsafeMutablePointer<Float>] = []
    /// ReLU without affine: the pooling kernels and today's exact path.
    private let usesPositivePool: Bool
    private let maxBatch: Int

    init(convolution: Convolution, affine: (any ChannelAffine)?, negativeSlope: Float, pool: MaxPool, maxBatch: Int) {
        precondition(Self.canFuse(convolution: convolution, pool: pool),
                     "the pool must take the convolution's output, in windows up to \(Self.largestWindow)")
        precondition(negativeSlope >= 0 && negativeSlope < 1, "a (leaky) ReLU's slope is in [0, 1)")
        self.convolution = convolution
        self.affine = affine
        self.negativeSlope = negativeSlope
        size = pool.size
        stride = pool.stride
        outputShape = pool.outputShape
        self.maxBatch = maxBatch
        usesPositivePool = negativeSlope == 0 && affine == nil
        winners = .allocate(capacity: maxBatch * outputShape.count)
        nonPositive = .allocate(capacity: negativeSlope > 0 ? maxBatch * outputShape.count : 0)
    }

    deinit {
        winners.deallocate()
        nonPositive.deallocate()
        sums.forEach { $0.deallocate() }
    }

    /// F×OH×pitch: the plane's size.
    private var planeCount: Int {
        convolution.outputShape.channels * convolution.outputShape.height * convolution.algorithm.planePitch
    }

    /// Readies the algorithm and `sums` for `ranges` run on `threads`.
    private func prepare(ranges: [Range<Int>], backward: Bool) {
        let workers = convolution.algorithm.prepare(for: ranges, threads: threads, backward: backward)
        let overlaps = stride < size
        while negativeSlope > 0 && overlaps && sums.count < workers {
            sums.append(.allocate(capacity: planeCount))
        }
    }

    func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                 count: Int, training: Bool, rng: inout RandomGenerator) {
        precondition(count <= maxBatch, "batch of \(count) exceeds the network's maximum \(maxBatch)")
        precondition(affine == nil || !training, "a fused affine is for inference only")
        let algorithm = convolution.algorithm, pitch = algorithm.planePitch
        let ranges = algorithm.forwardChunks(count: count, threads: threads)
        prepare(ranges: ranges, backward: false)
        let inputSize = inputShape.count, outputSize = outputShape.count, planeCount = planeCount
        // The wide layout is pooled with the bias added as it is read (the same sums the
        // convolution's own forward would store); im2col's plane has it.
        let bias: UnsafePointer<Float>? = algorithm.planeIncludesBias ? nil : UnsafePointer(convolution.bias.valuePointer)
        let (scale, shift) = affine?.inferenceAffine() ?? ([], [])
        precondition(affine == nil || (scale.count == outputShape.channels && shift.count == outputShape.channels),
                     "the affine needs one scale and shift per channel")
        scale.withUnsafeBufferPointer { scale in
            shift.withUnsafeBufferPointer { shift in
                let channelAffine = affine == nil ? nil : (scale: scale.baseAddress!, shift: shift.baseAddress!)
                Parallelism.forEachOnWorker(ranges, threads: threads) { worker, _, samples in
                    algorithm.forEachCall(covering: samples) { group in
                        let first = group.lowerBound
                        let planes = algorithm.forwardPlanes(input + first * inputSize, samples: group.count, worker: worker)
                        for n in group {
                            let plane = planes + (n - first) * planeCount
                            let y = output + n * outputSize, winner = winners + n * outputSize
                            if usesPositivePool {
                                poolPositive(plane, pitch: pitch, bias: bias, y, training ? winner : nil)
                            } else {
                                poolActivated(plane, pitch: pitch, bias: bias, affine: channelAffine, y, winner,
                                              nonPositive + (negativeSlope > 0 ? n * outputSize : 0))
                            }
                        }
                    }
                }
            }
        }
        winnersWritten = training || !usesPositivePool
    }

    func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                  outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
                  count: Int) {
        precondition(affine == nil, "a fused affine is for inference only: train the layers one by one")
        precondition(winnersWritten, "backward follows a training forward: an inference forward keeps no winners")
        // The weight gradient sums over the batch: chunks that do not depend on the threads.
        let ranges = Parallelism.batchChunks(count: count)
        prepare(ranges: ranges, backward: true)
        let algorithm = convolution.algorithm, pitch = algorithm.planePitch
        let inputSize = inputShape.count, outputSize = outputShape.count, planeCount = planeCount
        Parallelism.forEachOnWorker(ranges, threads: threads) { worker, chunk, samples in
            algorithm.clearGradients(chunk: chunk)
            let planes = algorithm.plane(worker: worker)
            algorithm.forEachCall(covering: samples) { group in
                let first = group.lowerBound
                for n in group {
                    // dy goes straight into the plane layout the algorithm's backward reads.
                    let dy = outputGradient + n * outputSize, winner = winners + n * outputSize
                    let plane = planes + (n - first) * planeCount
                    if negativeSlope == 0 {
                        scatterPositive(dy, winner, into: plane, pitch: pitch)
                    } else {
                        scatterLeaky(dy, winner, nonPositive + n * outputSize, into: plane, pitch: pitch,
                                     sums: sums.isEmpty ? nil : sums[worker])
                    }
                }
                algorithm.backwardPlanes(input + first * inputSize, inputGradient.map { $0 + first * inputSize },
                                         samples: group.count, worker: worker, chunk: chunk)
            }
        }
        algorithm.reduceGradients(chunks: ranges.count, threads: threads)
    }

    /// y = max(0, window maximum) for every window of one sample's plane (F×OH×OW, rows
    /// `pitch` ≥ OW apart) with `bias[f]` added to each value first when given, and, when
    /// `winner` is given, each window's first maximum in row-major order.
    @inline(__always)
    private func poolPositive(_ plane: UnsafePointer<Float>, pitch: Int, bias: UnsafePointer<Float>?,
                              _ y: UnsafeMutablePointer<Float>, _ winner: UnsafeMutablePointer<UInt8>?) {
        let height = convolution.outputShape.height
        let outHeight = outputShape.height, outWidth = outputShape.width
        let size = size, stride = stride
        if size == 2 && stride == 2 {
            return VectorKernels.poolPlanePositive(plane, channels: outputShape.channels, height: height, pitch: pitch,
                                                   outHeight: outHeight, outWidth: outWidth, bias: bias, y, winner)
        }
        var o = 0
        for f in 0..<outputShape.channels {
            let channel = plane + f * height * pitch
            for oh in 0..<outHeight {
                let top = channel + oh * stride * pitch
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
                    winner?[o] = best > 0 ? UInt8(at) : Self.blocked
                    o += 1
                }
            }
        }
    }

    /// The general forward: y = the maximum of a(z) over each window, z = plane value
    /// (+ bias[f]) (·scale[f] + shift[f]), each window's first maximum in row-major order —
    /// the very operations the layers one by one perform. For ReLU a window whose maximum
    /// is not positive is `blocked`; for leaky ReLU, `nonPositive` says so.
    private func poolActivated(_ plane: UnsafePointer<Float>, pitch: Int, bias: UnsafePointer<Float>?,
                               affine: (scale: UnsafePointer<Float>, shift: UnsafePointer<Float>)?,
                               _ y: UnsafeMutablePointer<Float>, _ winner: UnsafeMutablePointer<UInt8>,
                               _ nonPositive: UnsafeMutablePointer<Bool>) {
        let height = convolution.outputShape.height
        let outHeight = outputShape.height, outWidth = outputShape.width
        let size = size, stride = stride, slope = negativeSlope
        var o = 0
        for f in 0..<outputShape.channels {
            let channel = plane + f * height * pitch
            let b = bias?[f], scale = affine?.scale[f], shift = affine?.shift[f]
            @inline(__always) func activated(_ v: Float) -> Float {
                var z = v
                if let b { z = z + b }
                if let scale, let shift { z = z * scale + shift }
                return slope == 0 ? max(0, z) : (z > 0 ? z : slope * z)
            }
            for oh in 0..<outHeight {
                let top = channel + oh * stride * pitch
                for ow in 0..<outWidth {
                    let corner = top + ow * stride
                    var best = activated(corner[0]), at = 0
                    for i in 0..<size {
                        for j in 0..<size {
                            let value = activated(corner[i * pitch + j])
                            if value > best { (best, at) = (value, i * size + j) }
                        }
                    }
                    y[o] = best
                    if slope == 0 {
                        winner[o] = best > 0 ? UInt8(at) : Self.blocked
                    } else {
                        winner[o] = UInt8(at)
                        nonPositive[o] = !(best > 0)
                    }
                    o += 1
                }
            }
        }
    }

    /// dplane (F×OH×OW, rows `pitch` ≥ OW apart, every value up to the pitch written) = 0,
    /// then dplane[winner(o)] += dy[o] for every output whose winner is not `blocked`.
    @inline(__always)
    private func scatterPositive(_ dy: UnsafePointer<Float>, _ winner: UnsafePointer<UInt8>,
                                 into plane: UnsafeMutablePointer<Float>, pitch width: Int) {
        let height = convolution.outputShape.height
        let outHeight = outputShape.height, outWidth = outputShape.width
        let size = size, stride = stride
        if size == 2 && stride == 2 {
            // Every value of the plane is written: no clearing pass.
            return VectorKernels.scatterPlanePositive(dy, winner, channels: outputShape.channels, height: height,
                                                      pitch: width, outHeight: outHeight, outWidth: outWidth, plane)
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

    /// Leaky ReLU's scatter: dplane = 0, then at each window's winner the pool's sum of dy,
    /// times the slope where the maximum was not positive — slope·(0 + dy₁ + dy₂ …), the
    /// order the layers one by one add and multiply in. Where windows overlap, a
    /// non-positive winner's dy are summed in `sums` first and the product is then stored
    /// (idempotent however many windows chose it).
    private func scatterLeaky(_ dy: UnsafePointer<Float>, _ winner: UnsafePointer<UInt8>,
                              _ nonPositive: UnsafePointer<Bool>, into plane: UnsafeMutablePointer<Float>,
                              pitch width: Int, sums: UnsafeMutablePointer<Float>?) {
        let height = convolution.outputShape.height
        let outHeight = outputShape.height, outWidth = outputShape.width
        let size = size, stride = stride, slope = negativeSlope
        plane.update(repeating: 0, count: outputShape.channels * height * width)
        /// Calls `body(o, position in the plane)` for every output in order.
        @inline(__always) func forEachWinner(_ body: (Int, Int) -> Void) {
            var o = 0
            for f in 0..<outputShape.channels {
                for oh in 0..<outHeight {
                    let top = (f * height + oh * stride) * width
                    for ow in 0..<outWidth {
                        let at = Int(winner[o])
                        let i = at / size, j = at - i * size
                        body(o, top + i * width + ow * stride + j)
                        o += 1
                    }
                }
            }
        }
        guard let sums else {
            // No overlap: each position is at most one window's winner.
            forEachWinner { o, p in plane[p] += nonPositive[o] ? slope * dy[o] : dy[o] }
            return
        }
        // A position's sign is the same for every window that chose it, so the
        // non-positive ones receive nothing in the first pass.
        forEachWinner { o, p in if nonPositive[o] { sums[p] = 0 } else { plane[p] += dy[o] } }
        forEachWinner { o, p in if nonPositive[o] { sums[p] += dy[o] } }
        forEachWinner { o, p in if nonPositive[o] { plane[p] = slope * sums[p] } }
    }
}
