/// Stride-1 unpadded ("valid") convolutions with k > 1 (every benchmark network's) build no
/// columns: they compute the *wide* layout, F×OH×W, in which output position q = oh·W + ow
/// of tap (i, j) reads x[c][q + i·W + j], and whose last W − OW values of each row are
/// discarded. Only the first OH·W − (k − 1) positions of each filter's plane are computed:
/// the rest are discarded columns, and would read past the input's end. The wide layout is
/// these algorithms' plane (pitch W, without the bias).
///
/// Two algorithms compute it: `TapGEMMConvolution` where `usesTapGEMM` says so, else
/// `DirectWideConvolution`, where the products' inner dimension (C·k²) would be short.
struct WideLayout {
    let geometry: ConvolutionGeometry

    /// Whether tap GEMMs (inner dimension C·k²) beat the direct kernel: from 8 channels and
    /// 64 products per output on. Measured in training steps (`kplab bench --profile`, 1
    /// thread, AVX-512): cnn-large's first layer (C = 1) is twice as fast direct as by im2col;
    /// its second (C = 8, k = 2: 32 products) 1.27× faster direct (it was 2× slower before the
    /// direct kernel's gradients were rewritten); its third (C = 16, k = 2: 64) only 1.07×, and
    /// cnn-small's last (C = 8, k = 4: 128) 0.9×. The choice fixes each output's order of
    /// terms, so it depends on the shape alone, never on the machine.
    static func usesTapGEMM(channels: Int, kernel: Int) -> Bool {
        channels >= 8 && channels * kernel * kernel >= 64
    }

    /// Whether a convolution is computed in the wide layout: stride 1, no padding, k > 1.
    static func applies(kernel: Int, stride: Int, padding: Padding) -> Bool {
        kernel > 1 && stride == 1 && padding.isNone
    }

    /// F×OH×W: one sample's wide output.
    var count: Int { geometry.filters * rows }
    /// One filter's plane: OH·W.
    var rows: Int { geometry.output.height * geometry.input.width }
    /// The positions of a filter's plane that are computed: OH·W − (k − 1).
    var computed: Int { rows - (geometry.kernel - 1) }

    /// y (F×OH×OW) = the first OW values of each row of `wide` + b.
    @inline(__always)
    func compact(_ wide: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>) {
        let width = geometry.input.width, outHeight = geometry.output.height, outWidth = geometry.output.width
        let rows = rows, positions = geometry.positions
        let bias = geometry.bias.valuePointer
        for f in 0..<geometry.filters {
            let b = bias[f]
            for oh in 0..<outHeight {
                let from = wide + f * rows + oh * width, to = y + f * positions + oh * outWidth
                for ow in 0..<outWidth { to[ow] = from[ow] + b }
            }
        }
    }

    /// dy (F×OH×OW) spread to the wide layout, with zeros in the discarded columns.
    @inline(__always)
    func spread(_ dy: UnsafePointer<Float>, into wide: UnsafeMutablePointer<Float>) {
        let width = geometry.input.width, outHeight = geometry.output.height, outWidth = geometry.output.width
        let rows = rows, positions = geometry.positions
        for f in 0..<geometry.filters {
            for oh in 0..<outHeight {
                let to = wide + f * rows + oh * width
                VectorCopy.copy(dy + f * positions + oh * outWidth, to: to, count: outWidth)
                (to + outWidth).update(repeating: 0, count: width - outWidth)
            }
        }
    }

    /// db[f] += Σ of dwide's plane f (the discarded columns' zeros add nothing).
    @inline(__always)
    func addBiasGradient(_ wide: UnsafePointer<Float>, to biasGradient: UnsafeMutablePointer<Float>) {
        VectorKernels.addPlaneSums(wide, planes: geometry.filters, count: rows, pitch: rows, to: biasGradient)
    }
}

/// The algorithms that compute in the wide layout: a compact output is the plane compacted,
/// and a compact output gradient is spread into the plane before the plane's backward.
protocol WideLayoutAlgorithm: ConvolutionAlgorithm {
    var layout: WideLayout { get }
}

extension WideLayoutAlgorithm {
    @inline(__always)
    func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, worker: Int) {
        layout.compact(forwardPlane(x, worker: worker), into: y)
    }

    @inline(__always)
    func backward(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                  _ dx: UnsafeMutablePointer<Float>?, worker: Int, chunk: Int) {
        layout.spread(dy, into: workspaces[worker].plane)
        backwardPlane(x, dx, worker: worker, chunk: chunk)
    }
}

/// The wide layout by a direct vector kernel (`VectorKernels.convolutionWide…`), for few
/// input channels. Its partial weight gradient is in the weights' own F×C×k×k order.
final class DirectWideConvolution: WideLayoutAlgorithm {
    let layout: WideLayout
    private(set) var workspaces: [ConvolutionWorkspace] = []
    private(set) var partials: [ConvolutionPartials] = []

    init(_ geometry: ConvolutionGeometry) { layout = WideLayout(geometry: geometry) }

    var planePitch: Int { layout.geometry.input.width }
    var planeIncludesBias: Bool { false }

    func prepare(chunks: Int, workers: Int) {
        ConvolutionWorkspace.grow(&workspaces, to: workers, plane: layout.count, columns: 0, columnGradient: 0)
        ConvolutionPartials.grow(&partials, to: chunks, for: layout.geometry)
    }

    /// wide (F×OH·W) = Σ_(c,i,j) W[f][c][i][j] · x[c][i·W + j + q], without the bias.
    @inline(__always)
    func forwardPlane(_ x: UnsafePointer<Float>, worker: Int) -> UnsafePointer<Float> {
        let geometry = layout.geometry, wide = workspaces[worker].plane
        VectorKernels.convolutionWideForward(x, geometry.input, geometry.weight.valuePointer,
                                             filters: geometry.filters, kernel: geometry.kernel, wide)
        return UnsafePointer(wide)
    }

    /// From dwide in the worker's plane: db += Σ dwide, dW += the kernel's sums (into the
    /// chunk's partials), dx when asked.
    @inline(__always)
    func backwardPlane(_ x: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>?, worker: Int, chunk: Int) {
        let geometry = layout.geometry, partial = partials[chunk], wide = UnsafePointer(workspaces[worker].plane)
        VectorKernels.convolutionWideWeightGradient(x, geometry.input, wide, filters: geometry.filters,
                                                    kernel: geometry.kernel, partial.weightGradient,
                                                    biasGradient: partial.biasGradient)
        if let dx {
            VectorKernels.convolutionWideInputGradient(geometry.weight.valuePointer, geometry.input, wide,
                                                       filters: geometry.filters, kernel: geometry.kernel, dx)
        }
    }

    func reduceGradients(chunks: Int, threads: Int) {
        layout.geometry.reduceInOrder(partials, chunks: chunks, threads: threads)
    }
}

/// The wide layout as GEMMs straight over the input: read at the input's row width, for
/// every tap t = (i, j) the input is a C×(OH·W) matrix with row stride H·W, and
/// wide (F×OH·W) = Σ_t taps[t] (F×C) · x[·][i·W + j + q]. The forward is one product over all
/// taps and channels, row (t, c) of its right side being channel c shifted by tap t
/// (`VectorKernels.gemm(rowOffsets:)`): C's values are read and written once rather than once
/// per tap, which on small images cost more than the multiplications. The sums are the same:
/// each output's chain runs over t, then c, either way.
final class TapGEMMConvolution: WideLayoutAlgorithm {
    let layout: WideLayout
    private(set) var workspaces: [ConvolutionWorkspace] = []
    private(set) var partials: [ConvolutionPartials] = []
    /// The weights by tap within each filter, F×k²×C (`taps[f][t][c] = W[f][c][t]`), repacked
    /// by `prepare` when the weights change: row f is filter f's weights in (t, c) order, the
    /// forward's left side; tap t's F×C block is a matrix with row stride k²·C.
    private let taps: UnsafeMutablePointer<Float>
    /// The weights' `version` that `taps` was packed from.
    private var tapsVersion: UInt64?
    /// Where row (t, c) of the forward's right side starts in a sample: c·H·W + i·W + j.
    private let rowOffsets: [Int]
    /// Samples whose products run as one (`forwardPlanes`, `backwardPlanes`).
    let samplesPerCall: Int
    /// Whether `backwardPlane` computes dx without dcol (see `fusesInputGradient(computed:)`).
    let fusesInputGradient: Bool
    /// About how many columns (samples × computed positions) a product over several samples
    /// should reach. A sample's product of a few positions leaves most of the GEMM's 32-lane
    /// tiles empty and packs its operands for little work: cnn-large's last layer, 19 positions
    /// a sample, ran at 31% of peak in place, 56% alone, 85% as one product of 26 samples.
    static let productColumns = 512

    /// Whether several samples' products run as one: when a sample fills less than two of the
    /// GEMM's 32-column tiles and many filters reuse each gathered value. The shifted rows are
    /// copied side by side for it (k²·C·positions values a sample), which cost more than they
    /// saved for cnn-small's last layer (16 filters, 51 positions: its backward 1.4× slower),
    /// and gained nothing on cnn-large's fourth (64 filters, 109 positions).
    static func batches(filters: Int, computed: Int) -> Bool { computed < 64 && filters >= 64 }

    /// Whether a sample's input gradient goes straight into dx (`VectorKernels.tapInputGradient`)
    /// rather than through dcol, the k²C × computed product whose shifted rows are then added.
    /// Both give the same bits. Measured alone on Zen 4 (AVX-512, 1 thread, dcol + additions →
    /// straight): nouri's second layer (32 channels, 2161 positions) 53–60 → 45–52 ms a batch,
    /// its third 45–51 → 43–53 (in a step, their backward 1.15× and 1.07× faster), cnn-large's
    /// third 3.0–3.7 → 2.5–3.0, its fourth (109 positions) 2.6–2.9 → 2.5–2.6, cnn-small's last
    /// (51) 0.55–0.58 → 0.53; but 19 positions (cnn-large's last, a sample at a time) 1.8 → 3.0:
    /// straight, a sample's blocks of 32 positions are partly empty, so it takes a plane of at
    /// least one block.
    static func fusesInputGradient(computed: Int) -> Bool { computed >= 32 }

    /// `batches`: whether to take several samples per product when they are small (a caller
    /// that runs one sample at a time says no, and allocates for one).
    init(_ geometry: ConvolutionGeometry, batches: Bool = true) {
        layout = WideLayout(geometry: geometry)
        samplesPerCall = batches && Self.batches(filters: geometry.filters, computed: layout.computed)
            ? max(1, Self.productColumns / layout.computed) : 1
        fusesInputGradient = samplesPerCall == 1 && Self.fusesInputGradient(computed: layout.computed)
        taps = .allocate(capacity: geometry.weight.count)
        let kernel = geometry.kernel, width = geometry.input.width, area = geometry.input.height * width
        rowOffsets = (0..<(kernel * kernel)).flatMap { t in
            (0..<geometry.input.channels).map { c in c * area + (t / kernel) * width + t % kernel }
        }
    }

    deinit { taps.deallocate() }

    var planePitch: Int { layout.geometry.input.width }
    var planeIncludesBias: Bool { false }

    /// Also repacks the weights by tap when they have changed since (the same
    /// `Parameter.version` test as a dense layer's packed weights).
    func prepare(chunks: Int, workers: Int) {
        let geometry = layout.geometry
        // The partial weight gradient is stored like `taps` (F×k²×C), the same size; the column
        // gradient is the input gradient's k²·C shifted rows before they are added up (none when
        // they go straight into dx). Several samples at once also gather their shifted rows
        // (columns) and their output or its gradient (product) side by side.
        let samples = samplesPerCall, width = samples * layout.computed, batched = samples > 1
        ConvolutionWorkspace.grow(&workspaces, to: workers, plane: samples * layout.count,
                                  columns: batched ? rowOffsets.count * width : 0,
                                  columnGradient: fusesInputGradient ? 0 : rowOffsets.count * width,
                                  product: batched ? geometry.filters * width : 0)
        ConvolutionPartials.grow(&partials, to: chunks, for: geometry)
        guard tapsVersion != geometry.weight.version else { return }
        tapsVersion = geometry.weight.version
        let filters = geometry.filters, channels = geometry.input.channels
        let area = geometry.kernel * geometry.kernel, weights = geometry.weight.valuePointer
        for f in 0..<filters {
            for c in 0..<channels {
                for t in 0..<area { taps[(f * area + t) * channels + c] = weights[(f * channels + c) * area + t] }
            }
        }
    }

    @inline(__always)
    func forwardPlane(_ x: UnsafePointer<Float>, worker: Int) -> UnsafePointer<Float> {
        let geometry = layout.geometry, wide = workspaces[worker].plane
        let depth = rowOffsets.count
        // wide (F×computed) = taps (F×k²C) · rows (k²C×computed), row (t, c) at x + rowOffsets[t·C + c]
        rowOffsets.withUnsafeBufferPointer { offsets in
            VectorKernels.gemm(m: geometry.filters, n: layout.computed, k: depth, a: taps, lda: depth,
                               b: x, rowOffsets: offsets.baseAddress!, accumulate: false, c: wide, ldc: layout.rows)
        }
        return UnsafePointer(wide)
    }

    /// From dwide in the worker's plane: db += Σ dwide; dW[f][t][c] += Σ_q dwide[f][q] ·
    /// x[c][i·W + j + q] into the chunk's partial gradient (put back in F×C×k×k order by
    /// `reduceGradients`); and dx[·][i·W + j + q] = Σ_t (taps[t]ᵀ (C×F) · dwide), the taps'
    /// products added in order.
    @inline(__always)
    func backwardPlane(_ x: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>?, worker: Int, chunk: Int) {
        let geometry = layout.geometry, local = workspaces[worker], partial = partials[chunk]
        let wide = UnsafePointer(local.plane)
        let filters = geometry.filters, rows = layout.rows, computed = layout.computed
        let depth = rowOffsets.count
        layout.addBiasGradient(wide, to: partial.biasGradient)
        // dW (F×k²C) += dwide (F×computed) · shifted rowsᵀ (computed×k²C), one product: each
        // value's chain over q is the one a product per tap would compute. Behind a ReLU and a
        // pool most of dwide is zeros, which the sparse kernels skip (the same bits).
        let input = geometry.input
        if !VectorKernels.tapWeightGradientSparse(x, input: input, kernel: geometry.kernel, wide, filters: filters,
                                                  pitch: rows, computed: computed, partial.weightGradient) {
            rowOffsets.withUnsafeBufferPointer { offsets in
                VectorKernels.gemm(transposeB: true, m: filters, n: depth, k: computed, a: wide, lda: rows,
                                   b: x, rowOffsets: offsets.baseAddress!, accumulate: true, c: partial.weightGradient,
                                   ldc: depth)
            }
        }
        guard let dx else { return }
        if fusesInputGradient {
            if VectorKernels.tapInputGradientSparse(taps: taps, filters: filters, input: input, kernel: geometry.kernel,
                                                    wide, pitch: rows, computed: computed, dx) { return }
            VectorKernels.tapInputGradient(taps: taps, filters: filters, input: geometry.input, kernel: geometry.kernel,
                                           wide, pitch: rows, computed: computed, dx)
            return
        }
        // dcol (k²C×computed) = tapsᵀ (k²C×F) · dwide (F×computed): one product, written once,
        // rather than k² products each reading and rewriting dx (2× slower on nouri's second
        // layer); then dx[c][i·W + j + q] = Σ_t dcol[t·C + c][q], the taps added in order.
        let columns = local.columnGradient
        VectorKernels.gemm(transposeA: true, transposeB: false, m: depth, n: computed, k: filters,
                           a: taps, lda: depth, b: wide, ldb: rows, accumulate: false, c: columns, ldc: computed)
        addShiftedRows(columns, pitch: computed, into: dx)
    }

    /// dx (C×H×W) = Σ_t, in order, of dcol's rows (t, c) (each `computed` values, `pitch` apart)
    /// added at channel c shifted by tap t.
    @inline(__always)
    private func addShiftedRows(_ columns: UnsafePointer<Float>, pitch: Int, into dx: UnsafeMutablePointer<Float>) {
        let computed = layout.computed
        dx.update(repeating: 0, count: layout.geometry.input.count)
        for (row, offset) in rowOffsets.enumerated() {
            let target = dx + offset, source = columns + row * pitch
            for q in 0..<computed { target[q] += source[q] }
        }
    }

    /// rows (k²C × samples·computed): row (t, c) holds, for each sample in turn, its channel c
    /// shifted by tap t, the `computed` values a sample's product reads in place.
    @inline(__always)
    private func gatherShiftedRows(_ x: UnsafePointer<Float>, samples: Int, into rows: UnsafeMutablePointer<Float>) {
        let computed = layout.computed, width = samples * computed, sampleSize = layout.geometry.input.count
        for (row, offset) in rowOffsets.enumerated() {
            for s in 0..<samples {
                VectorCopy.copy(x + s * sampleSize + offset, to: rows + row * width + s * computed, count: computed)
            }
        }
    }

    /// Several samples' products as one: the shifted rows of `samples` samples side by side
    /// make the right side, their planes' computed positions side by side the output (or its
    /// gradient). Every output's chain is the one sample's product computes: the forward's
    /// over (t, c), dcol's over f, and dW's over q sample after sample, as the chunk's partial
    /// gradient accumulates them one sample at a time.
    func forwardPlanes(_ x: UnsafePointer<Float>, samples: Int, worker: Int) -> UnsafePointer<Float> {
        precondition(samples >= 1 && samples <= samplesPerCall, "\(samples) samples, at most \(samplesPerCall) at once")
        if samples == 1 { return forwardPlane(x, worker: worker) }
        let local = workspaces[worker], filters = layout.geometry.filters, depth = rowOffsets.count
        let computed = layout.computed, width = samples * computed
        gatherShiftedRows(x, samples: samples, into: local.columns)
        VectorKernels.gemm(transposeA: false, transposeB: false, m: filters, n: width, k: depth, a: taps, lda: depth,
                           b: local.columns, ldb: width, accumulate: false, c: local.product, ldc: width)
        for s in 0..<samples {
            for f in 0..<filters {
                VectorCopy.copy(local.product + f * width + s * computed,
                                to: local.plane + s * layout.count + f * layout.rows, count: computed)
            }
        }
        return UnsafePointer(local.plane)
    }

    func backwardPlanes(_ x: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>?, samples: Int,
                        worker: Int, chunk: Int) {
        precondition(samples >= 1 && samples <= samplesPerCall, "\(samples) samples, at most \(samplesPerCall) at once")
        if samples == 1 { return backwardPlane(x, dx, worker: worker, chunk: chunk) }
        let local = workspaces[worker], partial = partials[chunk], filters = layout.geometry.filters, depth = rowOffsets.count
        let computed = layout.computed, width = samples * computed, sampleSize = layout.geometry.input.count
        for s in 0..<samples {
            let wide = local.plane + s * layout.count
            layout.addBiasGradient(wide, to: partial.biasGradient)
            for f in 0..<filters {
                VectorCopy.copy(wide + f * layout.rows, to: local.product + f * width + s * computed, count: computed)
            }
        }
        gatherShiftedRows(x, samples: samples, into: local.columns)
        // The gathered rows are a k²C-channel plane of one row, `width` wide, that a 1×1
        // convolution reads: the sparse kernels take the products as they take one sample's.
        let gathered = Shape(channels: depth, height: 1, width: width)
        if !VectorKernels.tapWeightGradientSparse(local.columns, input: gathered, kernel: 1, local.product,
                                                  filters: filters, pitch: width, computed: width,
                                                  partial.weightGradient) {
            VectorKernels.gemm(transposeA: false, transposeB: true, m: filters, n: depth, k: width,
                               a: local.product, lda: width, b: local.columns, ldb: width,
                               accumulate: true, c: partial.weightGradient, ldc: depth)
        }
        guard let dx else { return }
        let columns = local.columnGradient
        if !VectorKernels.tapInputGradientSparse(taps: taps, filters: filters, input: gathered, kernel: 1,
                                                 local.product, pitch: width, computed: width, columns) {
            VectorKernels.gemm(transposeA: true, transposeB: false, m: depth, n: width, k: filters,
                               a: taps, lda: depth, b: local.product, ldb: width, accumulate: false, c: columns,
                               ldc: width)
        }
        for s in 0..<samples {
            addShiftedRows(columns + s * computed, pitch: width, into: dx + s * sampleSize)
        }
    }

    /// Partials are stored like `taps` (F×k²×C); the gradient is F×C×k×k. They are summed in
    /// chunk order as every algorithm's are (`reduceInOrder`, along contiguous values), still in
    /// the taps' order, and only the total is reordered: the same sums as reordering each
    /// partial, but vectorised (16 strided passes over cnn-large's last layer's 32K weights cost
    /// about 2% of its training step).
    func reduceGradients(chunks: Int, threads: Int) {
        let geometry = layout.geometry
        let weightGradient = geometry.weight.gradientPointer, byTap = partials[0].weightGradient
        let channels = geometry.input.channels, area = geometry.kernel * geometry.kernel
        geometry.reduceInOrder(partials, chunks: chunks, threads: threads) { filterRange in
            // Each thread's filters: their totals copied to chunk 0's partial (spent), then put back
            // in F×C×k×k order.
            let start = filterRange.lowerBound * channels * area
            (byTap + start).update(from: weightGradient + start, count: filterRange.count * channels * area)
            for f in filterRange {
                for t in 0..<area {
                    let row = byTap + (f * area + t) * channels, column = weightGradient + f * channels * area + t
                    for c in 0..<channels { column[c * area] = row[c] }
                }
            }
        }
    }
}
