import CKernels

/// The one file that talks to CKernels: fixed-order vector kernels compiled for AVX-512,
/// AVX2+FMA and portable C, the best one chosen when the library loads. Every level gives
/// the same bits, so the choice changes speed only.
public enum VectorKernels {
    /// The instruction set the kernels run on: "avx512", "avx2" or "portable".
    public static var level: String { name(of: Int(kp_kernel_level())) }

    /// Every level this CPU can run, fastest first (for tests and comparisons).
    public static var availableLevels: [String] {
        (0...Int(kp_best_kernel_level())).reversed().map(name(of:))
    }

    /// Runs the kernels at `level` (one of `availableLevels`) until the next call.
    public static func use(_ level: String) {
        guard let index = (0...2).first(where: { name(of: $0) == level }) else {
            preconditionFailure("unknown kernel level \(level)")
        }
        kp_set_kernel_level(Int32(index))
    }

    private static func name(of level: Int) -> String {
        ["portable", "avx2", "avx512"][level]
    }

    /// C (m×n, rows `ldc` apart) = op(A)·op(B), or C += op(A)·op(B) when `accumulate`, where
    /// op(A) is m×k (A stored k×m when `transposeA`) and op(B) is k×n (B stored n×k when
    /// `transposeB`); `lda`, `ldb` are the stored row strides. Every output is one FMA chain
    /// over k in order, from 0 or from C's value, so the product has the same bits at every
    /// level, on every CPU and for every split of C between threads. Single-threaded.
    @inline(__always)
    static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                     a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                     accumulate: Bool, c: UnsafeMutablePointer<Float>, ldc: Int) {
        kp_gemm(transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, a, lda, b, ldb, accumulate ? 1 : 0, c, ldc)
    }

    /// Floats `packGEMMOperand` writes for an op(B) of k rows and n columns.
    static func packedGEMMOperandCount(n: Int, k: Int) -> Int { kp_gemm_packed_b_count(n, k) }

    /// op(B) packed whole as `gemm` packs it, for `gemm(…, packedB:)`.
    static func packGEMMOperand(transposeB: Bool, n: Int, k: Int, b: UnsafePointer<Float>, ldb: Int,
                                into packed: UnsafeMutablePointer<Float>) {
        kp_gemm_pack_b_whole(transposeB ? 1 : 0, n, k, b, ldb, packed)
    }

    /// `gemm` with op(B) packed by `packGEMMOperand` (the same n and k): the same bits.
    static func gemm(transposeA: Bool, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
                     packedB: UnsafePointer<Float>, accumulate: Bool, c: UnsafeMutablePointer<Float>, ldc: Int) {
        kp_gemm_prepacked_b(transposeA ? 1 : 0, m, n, k, a, lda, packedB, accumulate ? 1 : 0, c, ldc)
    }

    /// Floating-point operations of `iterations` steps of the register-only FMA loop at the
    /// best level this CPU has: time it for one core's peak fp32 rate.
    public static func fmaPeakProbe(iterations: Int) -> Int {
        kp_fma_peak_probe(iterations)
    }

    /// For tests: `gemm` through the AVX-512 version's 6×32 and 8×32 tiles run with AVX2
    /// instructions, so that machines without AVX-512 check that code too. False (and the
    /// ordinary product computed) when the CPU lacks AVX2.
    static func gemmPairedForTesting(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                                     a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                                     accumulate: Bool, c: UnsafeMutablePointer<Float>, ldc: Int) -> Bool {
        kp_gemm_paired_for_testing(transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, a, lda, b, ldb,
                                   accumulate ? 1 : 0, c, ldc) != 0
    }

    /// For tests: whether the AVX2 level's sparse tap gradients plan as the AVX-512 level's do
    /// (its passes of 12 vectors, 4 at a time), so that machines without AVX-512 check that plan.
    static func sparseGradientsPlanAVX512ForTesting(_ enabled: Bool) {
        kp_sparse_gradients_plan_avx512_for_testing(enabled ? 1 : 0)
    }

    /// `gemm` with A untransposed and B's stored rows wherever they lie: stored row r is the
    /// values from `b + rowOffsets[r]` — k rows of n values, or when `transposeB` n rows of k
    /// values (op(B) = their transpose). The same chains as `gemm`.
    @inline(__always)
    static func gemm(transposeB: Bool = false, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
                     b: UnsafePointer<Float>, rowOffsets: UnsafePointer<Int>, accumulate: Bool,
                     c: UnsafeMutablePointer<Float>, ldc: Int) {
        kp_gemm_rows(transposeB ? 1 : 0, m, n, k, a, lda, b, rowOffsets, accumulate ? 1 : 0, c, ldc)
    }

    /// The winner the pooling kernel records for a window whose maximum is not positive.
    static let blockedWinner = UInt8(KP_BLOCKED)

    /// 2×2/2 windows over `channels` planes of `height` rows, `pitch` apart, `outWidth` windows
    /// over each pair of rows 2·oh, 2·oh + 1 (oh < `outHeight`): y = max(0, window maximum),
    /// `bias[f]` added to each value first (0 when nil), and the offset (0 1 / 2 3) of the
    /// window's first maximum in row-major order, or `blockedWinner` when it is not positive
    /// (none when `winner` is nil; y is the same).
    @inline(__always)
    static func poolPlanePositive(_ plane: UnsafePointer<Float>, channels: Int, height: Int, pitch: Int,
                                  outHeight: Int, outWidth: Int, bias: UnsafePointer<Float>?,
                                  _ y: UnsafeMutablePointer<Float>, _ winner: UnsafeMutablePointer<UInt8>?) {
        kp_pool_plane_positive(plane, channels, height, pitch, outHeight, outWidth, bias, y, winner)
    }

    /// The adjoint of `poolPlanePositive`: every value of the planes is written, 0 + dy at each
    /// window's winner unless blocked, 0 elsewhere.
    @inline(__always)
    static func scatterPlanePositive(_ dy: UnsafePointer<Float>, _ winner: UnsafePointer<UInt8>, channels: Int,
                                     height: Int, pitch: Int, outHeight: Int, outWidth: Int,
                                     _ plane: UnsafeMutablePointer<Float>) {
        kp_scatter_plane_positive(dy, winner, channels, height, pitch, outHeight, outWidth, plane)
    }

    /// Direct stride-1 valid convolution of one sample (C×H×W) into the wide layout
    /// (F planes of OH×W, the first OH·W − (k − 1) positions written), without bias.
    @inline(__always)
    static func convolutionWideForward(_ x: UnsafePointer<Float>, _ input: Shape, _ weights: UnsafePointer<Float>,
                                       filters: Int, kernel: Int, _ wide: UnsafeMutablePointer<Float>) {
        kp_convolution_wide_forward(x, input.channels, input.height, input.width, weights, filters, kernel, wide)
    }

    /// sums[p] += Σ planes[p·pitch ..< p·pitch + count] for each of `planes` planes, each in one
    /// fixed order (`NaiveKernels.planeSum` writes it out): a convolution's bias gradient.
    @inline(__always)
    static func addPlaneSums(_ planes: UnsafePointer<Float>, planes planeCount: Int, count: Int, pitch: Int,
                             to sums: UnsafeMutablePointer<Float>) {
        kp_add_plane_sums(planes, planeCount, count, pitch, sums)
    }

    /// dW (F×C×k×k) += the weight gradient of one sample from its wide-layout output gradient
    /// (F planes of OH·W), and db (F) += each plane's sum, the same bits as `addPlaneSums`.
    @inline(__always)
    static func convolutionWideWeightGradient(_ x: UnsafePointer<Float>, _ input: Shape, _ dwide: UnsafePointer<Float>,
                                              filters: Int, kernel: Int, _ dw: UnsafeMutablePointer<Float>,
                                              biasGradient db: UnsafeMutablePointer<Float>) {
        kp_convolution_wide_weight_gradient(x, input.channels, input.height, input.width, dwide, filters, kernel, dw, db)
    }

    /// dx (C×H×W) = the input gradient of one sample from its wide-layout output gradient.
    @inline(__always)
    static func convolutionWideInputGradient(_ weights: UnsafePointer<Float>, _ input: Shape, _ dwide: UnsafePointer<Float>,
                                             filters: Int, kernel: Int, _ dx: UnsafeMutablePointer<Float>) {
        kp_convolution_wide_input_gradient(weights, input.channels, input.height, input.width, dwide, filters, kernel, dx)
    }

    /// For tests: the three direct-convolution kernels above for one sample, planned for
    /// `registers` (32 as on AVX-512, 16 as on AVX2 and in portable C) whatever the CPU, so that
    /// any machine checks that both plans give the same bits.
    static func convolutionWidePlanForTesting(registers: Int, _ x: UnsafePointer<Float>, _ input: Shape,
                                              _ weights: UnsafePointer<Float>, filters: Int, kernel: Int,
                                              _ dwide: UnsafePointer<Float>, wide: UnsafeMutablePointer<Float>,
                                              dw: UnsafeMutablePointer<Float>, biasGradient db: UnsafeMutablePointer<Float>,
                                              dx: UnsafeMutablePointer<Float>) {
        _ = kp_convolution_wide_plan_for_testing(Int32(registers), x, input.channels, input.height, input.width,
                                                 weights, filters, kernel, dwide, wide, dw, db, dx)
    }

    /// dx (C×H×W) = the input gradient of one sample of a tap-GEMM convolution from its wide
    /// output gradient (row f at `dwide + f·pitch`, `computed` positions) and its weights by tap
    /// (F×k²C): the taps' columns of tapsᵀ · dwide added in tap order, without writing them
    /// (`kp_tap_input_gradient`; the same bits as that product then those additions).
    @inline(__always)
    static func tapInputGradient(taps: UnsafePointer<Float>, filters: Int, input: Shape, kernel: Int,
                                 _ dwide: UnsafePointer<Float>, pitch: Int, computed: Int,
                                 _ dx: UnsafeMutablePointer<Float>) {
        kp_tap_input_gradient(taps, filters, input.channels, kernel, input.height, input.width, dwide, pitch,
                              computed, dx)
    }

    /// `tapInputGradient` over dwide's nonzero values only (`kp_tap_input_gradient_sparse`: the
    /// same bits): whether it ran, which it does where dwide is mostly zeros, as behind a ReLU
    /// and a max-pool, and that is faster. When it did not, dx is untouched.
    @inline(__always)
    static func tapInputGradientSparse(taps: UnsafePointer<Float>, filters: Int, input: Shape, kernel: Int,
                                       _ dwide: UnsafePointer<Float>, pitch: Int, computed: Int,
                                       _ dx: UnsafeMutablePointer<Float>) -> Bool {
        kp_tap_input_gradient_sparse(taps, filters, input.channels, kernel, input.height, input.width, dwide, pitch,
                                     computed, dx) == 1
    }

    /// dw (F×k²C, (t, c) order) += a tap-GEMM convolution's weight gradient for one sample over
    /// dwide's nonzero values only, with the bits of `gemm(transposeB: true, …, rowOffsets:)` over
    /// all of them (`kp_tap_weight_gradient_sparse`): whether it ran, which it does where dwide
    /// is mostly zeros and that is faster, x is finite, and no sum of dw is or becomes −0 (an
    /// underflow). When it did not, dw is as it was.
    @inline(__always)
    static func tapWeightGradientSparse(_ x: UnsafePointer<Float>, input: Shape, kernel: Int,
                                        _ dwide: UnsafePointer<Float>, filters: Int, pitch: Int, computed: Int,
                                        _ dw: UnsafeMutablePointer<Float>) -> Bool {
        kp_tap_weight_gradient_sparse(x, input.channels, input.height, input.width, kernel, dwide, filters, pitch,
                                      computed, dw) == 1
    }

    /// C (m×n) = op(A)·B over op(A)'s values other than ±0 only, with the bits of
    /// `gemm(transposeA:, transposeB: false, …, accumulate: false)` (`kp_gemm_sparse_a`):
    /// whether it ran, which it does where at most half of op(A) is kept, as in a dense layer's
    /// output gradient behind a ReLU and dropout, B is finite and no result is −0 (an underflow,
    /// which the dense chain may have turned into +0). When it did not, C holds nothing useful
    /// (partly written) and the caller runs `gemm`.
    @inline(__always)
    static func gemmSparseA(transposeA: Bool, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
                            b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int) -> Bool {
        kp_gemm_sparse_a(transposeA ? 1 : 0, m, n, k, a, lda, b, ldb, c, ldc) == 1
    }

    /// C (m×n) = op(A)·B, as `gemm(transposeA:, transposeB: false, …, accumulate: false)`
    /// computes it, over op(A)'s nonzero values only where `gemmSparseA` takes the product and
    /// densely where it declines: the same bits either way.
    @inline(__always)
    static func gemmSkippingZerosOfA(transposeA: Bool, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
                                     b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if gemmSparseA(transposeA: transposeA, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc) {
            return
        }
        gemm(transposeA: transposeA, transposeB: false, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb,
             accumulate: false, c: c, ldc: ldc)
    }

    /// Whether `denseForwardPacked` runs at this level: its tile keeps 24 accumulators in
    /// registers, which AVX-512's 32 hold (see `DenseInferenceKernel.fixed`).
    static var hasPackedDenseKernel: Bool { kp_kernel_level() == 2 }

    /// Columns of the GEMM's widest tile: where a product's columns are best split between threads.
    static let gemmTileColumns = Int(KP_GEMM_TILE_COLUMNS)

    /// Units per panel of `packDense`'s layout.
    static let densePanel = Int(KP_DENSE_PANEL)

    /// Floats `packDense` writes for a units×inputs weight matrix.
    static func densePackedCount(units: Int, inputs: Int) -> Int {
        kp_dense_packed_count(units, inputs)
    }

    /// Packs dense weights (units×inputs) into panels of 32 units, each stored input by input.
    static func packDense(_ weights: UnsafePointer<Float>, units: Int, inputs: Int, into packed: UnsafeMutablePointer<Float>) {
        kp_dense_pack(weights, units, inputs, packed)
    }

    /// y (count×units) = x (count×inputs) · Wᵀ + b for the units of `panels`, from `packDense`'s
    /// copy of W: each output one FMA chain over the inputs in order, then the bias.
    @inline(__always)
    static func denseForwardPacked(_ x: UnsafePointer<Float>, count: Int, inputs: Int, packed: UnsafePointer<Float>,
                                   units: Int, panels: Range<Int>, bias: UnsafePointer<Float>,
                                   _ y: UnsafeMutablePointer<Float>) {
        kp_dense_forward_packed(x, count, inputs, packed, units, panels.lowerBound, panels.count, bias, y)
    }
}
