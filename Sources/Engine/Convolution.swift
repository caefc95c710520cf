/// 2-D convolution, NCHW, parallel across the batch.
///
/// Shapes: input N×C×H×W; weights F×C×k×k; bias F; output N×F×OH×OW with
/// `OH = (H + 2·padding − k)/stride + 1` (likewise OW), zero padding.
///
/// Stride-1 unpadded ("valid") convolutions with k > 1 (every benchmark network's) build no
/// columns: they compute the *wide* layout, F×OH×W, in which output position q = oh·W + ow
/// of tap (i, j) reads x[c][q + i·W + j], and whose last W − OW values of each row are
/// discarded (see `forwardWide`). From `tapGEMMChannels` input channels on, that is k²
/// GEMMs straight over the input, `wide = Σ_(i,j) W_ij (F×C) · x[·][i·W + j …]`; below it,
/// where each tap's GEMM would have an inner dimension of a few channels, a direct vector
/// kernel (`VectorKernels.convolutionWide…`). Every other convolution is im2col + SGEMM
/// per sample: `col` is (C·k·k)×(OH·OW) and `output = weights·col + bias`.
/// The naive twin is `NaiveKernels.convolutionForward/Backward`.
public final class Convolution: Layer {
    public let inputShape: Shape
    /// Threads this layer splits its batch across (set by `Network`).
    public var threads = 1
    public let outputShape: Shape
    public let filters: Int
    public let kernel: Int
    public let stride: Int
    public let padding: Int
    public let weight: Parameter
    public let bias: Parameter
    public var parameters: [Parameter] { [weight, bias] }

    /// Rows of one sample's im2col matrix: C·k·k.
    let patchSize: Int
    /// Columns of one sample's im2col matrix: OH·OW.
    let positions: Int
    /// A 1×1, stride-1, unpadded convolution: its columns are the input itself.
    private let isPointwise: Bool
    /// Stride 1, no padding, k > 1: computed in the wide layout, without im2col.
    let isWide: Bool
    /// `isWide` with at least `tapGEMMChannels` input channels: one GEMM per tap.
    let usesTapGEMMs: Bool
    /// The fewest input channels for which k² GEMMs beat the direct kernel. Measured on
    /// cnn-large: its first layer (C = 1) trains twice as fast direct as by im2col, but its
    /// second (C = 8) takes twice as long backward direct as by tap GEMMs, and deeper ones worse.
    static let tapGEMMChannels = 8
    /// The weights by tap, k²×F×C (`taps[t][f][c] = W[f][c][t]`), repacked by `prepareScratch`
    /// when the weights change, so that each tap's F×C block is one matrix for SGEMM. Empty unless `usesTapGEMMs`.
    private let taps: UnsafeMutablePointer<Float>
    /// The weights' `version` that `taps` was packed from.
    private var tapsVersion: UInt64?
    private(set) var scratch: [ChunkScratch] = []

    /// Per-thread buffers: one sample's columns (or wide output) and column gradient (im2col
    /// only), and partial parameter gradients that are summed in chunk order after the
    /// parallel part (determinism).
    final class ChunkScratch {
        let columns: UnsafeMutablePointer<Float>
        let columnGradient: UnsafeMutablePointer<Float>
        let weightGradient: UnsafeMutablePointer<Float>
        let biasGradient: UnsafeMutablePointer<Float>
        let sizes: (Int, Int, Int)
        init(columns: Int, columnGradient: Int, weights: Int, bias: Int) {
            sizes = (columns, weights, bias)
            self.columns = .allocate(capacity: columns)
            // Zeroed once, so that the wide layout's unwritten tail is never uninitialised memory.
            self.columns.initialize(repeating: 0, count: columns)
            self.columnGradient = .allocate(capacity: columnGradient)
            weightGradient = .allocate(capacity: weights)
            biasGradient = .allocate(capacity: bias)
        }
        func clearGradients() {
            weightGradient.update(repeating: 0, count: sizes.1)
            biasGradient.update(repeating: 0, count: sizes.2)
        }
        deinit {
            columns.deallocate(); columnGradient.deallocate()
            weightGradient.deallocate(); biasGradient.deallocate()
        }
    }

    public init(input: Shape, filters: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                name: String = "conv") throws(ShapeProblem) {
        inputShape = input
        outputShape = try LayerKind.conv(filters: filters, kernel: kernel, stride: stride, padding: padding)
            .outputShape(for: input)
        self.filters = filters
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        patchSize = input.channels * kernel * kernel
        positions = outputShape.height * outputShape.width
        isPointwise = kernel == 1 && stride == 1 && padding == 0
        isWide = kernel > 1 && stride == 1 && padding == 0
        usesTapGEMMs = isWide && input.channels >= Self.tapGEMMChannels
        taps = .allocate(capacity: usesTapGEMMs ? filters * patchSize : 0)
        weight = Parameter(name: name + ".weight", role: .weight, shape: [filters, input.channels, kernel, kernel])
        bias = Parameter(name: name + ".bias", role: .bias, shape: [filters])
    }

    deinit { taps.deallocate() }

    /// Conv fans: n_in = in_channels·k·k, n_out = out_channels·k·k.
    public func initialize(_ spec: InitializerSpec, using rng: inout RandomGenerator) {
        weight.withUnsafeMutableValues { spec.fill(weights: $0, fanIn: patchSize, fanOut: filters * kernel * kernel, using: &rng) }
        spec.fill(bias: UnsafeMutableBufferPointer(start: bias.valuePointer, count: filters))
    }

    /// Allocates per-chunk buffers when the chunk count grows (not per batch), and repacks
    /// the weights by tap for the tap-GEMM path when they have changed since (the same
    /// `Parameter.version` test as a dense layer's packed weights): call before every parallel pass.
    func prepareScratch(chunks: Int) {
        if scratch.count < chunks {
            // The wide path keeps one sample's wide output (F×OH×W), and its gradient, in
            // `columns`; a 1×1 convolution's columns are its input; only im2col needs both.
            let wide = filters * outputShape.height * inputShape.width
            let columns = isWide ? wide : isPointwise ? 0 : patchSize * positions
            let columnGradient = isWide ? 0 : columns
            scratch += (scratch.count..<chunks).map { _ in
                ChunkScratch(columns: columns, columnGradient: columnGradient, weights: weight.count, bias: filters)
            }
        }
        if usesTapGEMMs && tapsVersion != weight.version {
            tapsVersion = weight.version
            let channels = inputShape.channels, area = kernel * kernel, weights = weight.valuePointer
            for f in 0..<filters {
                for c in 0..<channels {
                    for t in 0..<area { taps[(t * filters + f) * channels + c] = weights[(f * channels + c) * area + t] }
                }
            }
        }
    }

    public func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                        count: Int, training: Bool, rng: inout RandomGenerator) {
        let ranges = Parallelism.chunks(count: count, threads: threads)
        prepareScratch(chunks: ranges.count)
        let inputSize = inputShape.count, outputSize = outputShape.count
        Parallelism.forEach(ranges, threads: threads) { chunk, samples in
            let local = scratch[chunk]
            for n in samples { forwardSample(input + n * inputSize, output + n * outputSize, local) }
        }
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                         outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
                         count: Int) {
        let ranges = Parallelism.chunks(count: count, threads: threads)
        prepareScratch(chunks: ranges.count)
        let inputSize = inputShape.count, outputSize = outputShape.count
        Parallelism.forEach(ranges, threads: threads) { chunk, samples in
            let local = scratch[chunk]
            local.clearGradients()
            for n in samples {
                backwardSample(input + n * inputSize, outputGradient + n * outputSize,
                               inputGradient.map { $0 + n * inputSize }, local)
            }
        }
        reduceGradients(chunks: ranges.count)
    }

    /// One sample's output: y (F×P) = W (F×CKK) · col(x) (CKK×P) + b.
    @inline(__always)
    func forwardSample(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ local: ChunkScratch) {
        if isWide { return forwardViaWide(x, y, local) }
        for f in 0..<filters {
            (y + f * positions).update(repeating: bias.valuePointer[f], count: positions)
        }
        let source: UnsafePointer<Float>
        if isPointwise {
            source = x  // a 1×1 convolution's columns are the input itself
        } else {
            imageToColumns(x, local.columns)
            source = UnsafePointer(local.columns)
        }
        // y (F×P) += W (F×CKK) · col (CKK×P)
        BLAS.sgemm(transposeA: false, transposeB: false, m: filters, n: positions, k: patchSize,
                   alpha: 1, a: weight.valuePointer, lda: patchSize, b: source, ldb: positions,
                   beta: 1, c: y, ldc: positions)
    }

    /// One sample's backward: adds dW += dy·col(x)ᵀ and db += Σ_p dy to the chunk's partial
    /// gradients, and writes dx = col⁻¹(Wᵀ·dy) when `dx` is not nil. dy is F×P.
    @inline(__always)
    func backwardSample(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                        _ dx: UnsafeMutablePointer<Float>?, _ local: ChunkScratch) {
        if isWide { return backwardViaWide(x, dy, dx, local) }
        let source: UnsafePointer<Float>
        if isPointwise { source = x } else {
            imageToColumns(x, local.columns)
            source = UnsafePointer(local.columns)
        }
        // dW (F×CKK) += dy (F×P) · colᵀ (P×CKK)
        BLAS.sgemm(transposeA: false, transposeB: true, m: filters, n: patchSize, k: positions,
                   alpha: 1, a: dy, lda: positions, b: source, ldb: positions,
                   beta: 1, c: local.weightGradient, ldc: patchSize)
        for f in 0..<filters {
            local.biasGradient[f] += Reduction.sum(dy + f * positions, count: positions)
        }
        guard let dx else { return }
        // dcol (CKK×P) = Wᵀ (CKK×F) · dy (F×P), then scattered back onto the image
        let target = isPointwise ? dx : local.columnGradient
        BLAS.sgemm(transposeA: true, transposeB: false, m: patchSize, n: positions, k: filters,
                   alpha: 1, a: weight.valuePointer, lda: patchSize, b: dy, ldb: positions,
                   beta: 0, c: target, ldc: positions)
        if !isPointwise { columnsToImage(local.columnGradient, dx) }
    }

    /// One sample of a stride-1 valid convolution without im2col: y = the first OW values of
    /// each row of `forwardWide`'s output + b.
    @inline(__always)
    func forwardViaWide(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ local: ChunkScratch) {
        let width = inputShape.width, outHeight = outputShape.height, outWidth = outputShape.width
        let rows = outHeight * width
        let wide = forwardWide(x, local)
        let bias = bias.valuePointer
        for f in 0..<filters {
            let b = bias[f]
            for oh in 0..<outHeight {
                let from = wide + f * rows + oh * width, to = y + f * positions + oh * outWidth
                for ow in 0..<outWidth { to[ow] = from[ow] + b }
            }
        }
    }

    /// One sample's output without its bias in the wide layout F×OH×W (row stride W, the
    /// last W − OW values of each row discarded, the last k − 1 of the plane unwritten), in
    /// the chunk's `columns`: what `forwardViaWide` compacts, and what `ConvolutionReLUPool`
    /// pools straight from. Read at the input's row width, for every tap the input is a
    /// C×(OH·W) matrix with row stride H·W: wide (F×OH·W) = Σ_t taps[t] (F×C) · x[·][i·W + j + q].
    /// Only the first OH·W − (k − 1) positions are computed: the rest are discarded columns,
    /// and would read past the input's end.
    @inline(__always)
    func forwardWide(_ x: UnsafePointer<Float>, _ local: ChunkScratch) -> UnsafePointer<Float> {
        let channels = inputShape.channels, width = inputShape.width, area = inputShape.height * width
        let rows = outputShape.height * width, computed = rows - (kernel - 1)
        let wide = local.columns
        guard usesTapGEMMs else {
            VectorKernels.convolutionWideForward(x, inputShape, weight.valuePointer, filters: filters,
                                                 kernel: kernel, wide)
            return UnsafePointer(wide)
        }
        for t in 0..<(kernel * kernel) {
            let i = t / kernel, j = t - i * kernel
            BLAS.sgemm(transposeA: false, transposeB: false, m: filters, n: computed, k: channels,
                       alpha: 1, a: taps + t * filters * channels, lda: channels,
                       b: x + i * width + j, ldb: area,
                       beta: t == 0 ? 0 : 1, c: wide, ldc: rows)
        }
        return UnsafePointer(wide)
    }

    /// The wide path's backward (see `forwardViaWide`): dy (F×OH×OW) is spread to the wide
    /// layout with zeros in the discarded columns, then `backwardWide`.
    @inline(__always)
    func backwardViaWide(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                         _ dx: UnsafeMutablePointer<Float>?, _ local: ChunkScratch) {
        let width = inputShape.width, outHeight = outputShape.height, outWidth = outputShape.width
        let rows = outHeight * width
        let wide = local.columns
        for f in 0..<filters {
            for oh in 0..<outHeight {
                let to = wide + f * rows + oh * width
                VectorCopy.copy(dy + f * positions + oh * outWidth, to: to, count: outWidth)
                (to + outWidth).update(repeating: 0, count: width - outWidth)
            }
        }
        backwardWide(x, dx, local)
    }

    /// The wide path's backward from dy already in the wide layout (F×OH×W, zeros in the
    /// discarded columns) in the chunk's `columns`: db[f] += Σ of wide's row f (the zeros add
    /// nothing), then per tap t = (i, j)
    /// dW_t (F×C) += wide · x[·][i·W + j + q]ᵀ into the chunk's partial gradient, stored by
    /// tap (k²×F×C, put back in F×C×k×k order by `reduceGradients`) when `usesTapGEMMs`, and
    /// dx[·][i·W + j + q] += taps[t]ᵀ (C×F) · wide. The direct kernels compute the same sums
    /// in their own order, dW in F×C×k×k order. `ConvolutionReLUPool` writes dy there directly.
    @inline(__always)
    func backwardWide(_ x: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>?, _ local: ChunkScratch) {
        let channels = inputShape.channels, width = inputShape.width, area = inputShape.height * width
        let rows = outputShape.height * width, computed = rows - (kernel - 1)
        let wide = local.columns
        for f in 0..<filters {
            local.biasGradient[f] += Reduction.sum(wide + f * rows, count: rows)
        }
        guard usesTapGEMMs else {
            VectorKernels.convolutionWideWeightGradient(x, inputShape, wide, filters: filters, kernel: kernel,
                                                        local.weightGradient)
            if let dx {
                VectorKernels.convolutionWideInputGradient(weight.valuePointer, inputShape, wide, filters: filters,
                                                           kernel: kernel, dx)
            }
            return
        }
        for t in 0..<(kernel * kernel) {
            let i = t / kernel, j = t - i * kernel
            BLAS.sgemm(transposeA: false, transposeB: true, m: filters, n: channels, k: computed,
                       alpha: 1, a: wide, lda: rows, b: x + i * width + j, ldb: area,
                       beta: 1, c: local.weightGradient + t * filters * channels, ldc: channels)
        }
        guard let dx else { return }
        dx.update(repeating: 0, count: inputShape.count)
        for t in 0..<(kernel * kernel) {
            let i = t / kernel, j = t - i * kernel
            BLAS.sgemm(transposeA: true, transposeB: false, m: channels, n: computed, k: filters,
                       alpha: 1, a: taps + t * filters * channels, lda: channels, b: wide, ldb: rows,
                       beta: 1, c: dx + i * width + j, ldc: area)
        }
    }

    /// Sums the chunks' partial gradients into the parameters' gradients, in chunk order:
    /// the same bits for the same thread count.
    func reduceGradients(chunks: Int) {
        let weightGradient = weight.gradientPointer, biasGradient = bias.gradientPointer
        let weightCount = weight.count
        if usesTapGEMMs {
            // Partials are stored by tap (k²×F×C); the gradient is F×C×k×k.
            let channels = inputShape.channels, area = kernel * kernel
            for chunk in 0..<max(1, chunks) {
                let partial = scratch[chunk].weightGradient
                for f in 0..<filters {
                    for c in 0..<channels {
                        for t in 0..<area {
                            let value = partial[(t * filters + f) * channels + c]
                            let at = (f * channels + c) * area + t
                            weightGradient[at] = chunk == 0 ? value : weightGradient[at] + value
                        }
                    }
                }
            }
            biasGradient.update(from: scratch[0].biasGradient, count: filters)
            for chunk in 1..<max(1, chunks) {
                for f in 0..<filters { biasGradient[f] += scratch[chunk].biasGradient[f] }
            }
            return
        }
        weightGradient.update(from: scratch[0].weightGradient, count: weightCount)
        biasGradient.update(from: scratch[0].biasGradient, count: filters)
        for chunk in 1..<max(1, chunks) {
            let partial = scratch[chunk]
            let partialWeights = partial.weightGradient, partialBias = partial.biasGradient
            for i in 0..<weightCount { weightGradient[i] += partialWeights[i] }
            for f in 0..<filters { biasGradient[f] += partialBias[f] }
        }
    }

    /// col[(c·k + i)·k + j][oh·OW + ow] = x[c][oh·stride − padding + i][ow·stride − padding + j], 0 outside.
    private func imageToColumns(_ x: UnsafePointer<Float>, _ columns: UnsafeMutablePointer<Float>) {
        let height = inputShape.height, width = inputShape.width
        let outHeight = outputShape.height, outWidth = outputShape.width
        var row = columns
        if stride == 1 && padding == 0 {
            // "valid" convolutions (every benchmark network): rows copy whole, nothing to zero.
            for c in 0..<inputShape.channels {
                let plane = x + c * height * width
                for i in 0..<kernel {
                    for j in 0..<kernel {
                        for oh in 0..<outHeight {
                            VectorCopy.copy(plane + (oh + i) * width + j, to: row + oh * outWidth, count: outWidth)
                        }
                        row += positions
                    }
                }
            }
            return
        }
        for c in 0..<inputShape.channels {
            let plane = x + c * height * width
            for i in 0..<kernel {
                for j in 0..<kernel {
                    for oh in 0..<outHeight {
                        let ih = oh * stride - padding + i
                        let destination = row + oh * outWidth
                        if ih < 0 || ih >= height {
                            destination.update(repeating: 0, count: outWidth)
                            continue
                        }
                        let line = plane + ih * width
                        if stride == 1 {
                            // iw = ow + j − padding: one contiguous copy between zeroed edges.
                            let first = min(outWidth, max(0, padding - j)), end = min(outWidth, width + padding - j)
                            if first > 0 { destination.update(repeating: 0, count: first) }
                            if end > first { (destination + first).update(from: line + (first + j - padding), count: end - first) }
                            if end < outWidth { (destination + max(end, first)).update(repeating: 0, count: outWidth - max(end, first)) }
                            continue
                        }
                        var iw = j - padding
                        for ow in 0..<outWidth {
                            destination[ow] = (iw >= 0 && iw < width) ? line[iw] : 0
                            iw += stride
                        }
                    }
                    row += positions
                }
            }
        }
    }

    /// The adjoint of `imageToColumns`: dx[c][ih][iw] = Σ of the column entries that read it.
    private func columnsToImage(_ columns: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>) {
        let height = inputShape.height, width = inputShape.width
        let outHeight = outputShape.height, outWidth = outputShape.width
        dx.update(repeating: 0, count: inputShape.count)
        var row = columns
        for c in 0..<inputShape.channels {
            let plane = dx + c * height * width
            for i in 0..<kernel {
                for j in 0..<kernel {
                    for oh in 0..<outHeight {
                        let ih = oh * stride - padding + i
                        guard ih >= 0 && ih < height else { continue }
                        let source = row + oh * outWidth
                        let line = plane + ih * width
                        if stride == 1 {
                            // iw = ow + j − padding over the columns that land inside the row.
                            let first = min(outWidth, max(0, padding - j)), end = min(outWidth, width + padding - j)
                            if end > first {
                                let target = line + (first + j - padding), from = source + first
                                for ow in 0..<(end - first) { target[ow] += from[ow] }
                            }
                            continue
                        }
                        var iw = j - padding
                        for ow in 0..<outWidth {
                            if iw >= 0 && iw < width { line[iw] += source[ow] }
                            iw += stride
                        }
                    }
                    row += positions
                }
            }
        }
    }
}
