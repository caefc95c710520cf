// Small fixed-order kernels for the engine's hot loops, in C so that each can be compiled
// for AVX-512 and AVX2+FMA beside a portable version and chosen at run time (Swift code is
// compiled for baseline x86-64 and cannot be). Every version of a kernel performs the same
// operations in the same order (FMA is exactly rounded everywhere), so results do not depend
// on the instruction set: the engine's determinism holds on every machine.
//
// Shapes follow the engine's NCHW layout. The "wide" layout of a stride-1 unpadded
// convolution is F planes of OH×W (the input's row width W): position q = oh·W + ow, with
// the last W − OW values of each row discarded and only q < OH·W − (k − 1) computed.
#ifndef CKERNELS_H
#define CKERNELS_H

#include <stdint.h>

/// The instruction set the kernels run on: 2 = AVX-512, 1 = AVX2 with FMA, 0 = portable C.
int kp_kernel_level(void);
/// The best level this CPU supports (what `kp_kernel_level` starts at).
int kp_best_kernel_level(void);
/// Runs the kernels at `level`, clamped to what the CPU supports (for tests and comparisons:
/// every level gives the same bits). Returns the level now in use.
int kp_set_kernel_level(int level);

/// A hint to the CPU that the caller is spinning on a flag another thread will set (x86
/// `pause`): the spin yields the core's shared resources and leaves the loop without the
/// memory-order mispeculation a tight spin pays when the flag changes.
static inline void kp_spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}

/// The winner recorded for a pooling window whose maximum is not positive: ReLU passes no
/// gradient through it.
#define KP_BLOCKED 255

/// 2×2/2 max-pooling with ReLU over `channels` planes of `height` rows, `pitch` apart: row oh
/// of plane f's windows over its rows 2·oh and 2·oh + 1, `outWidth` windows a row, into y and
/// winner plane by plane, row by row. y[o] = max(0, window maximum), each value plus `bias[f]`
/// first (plus 0 when `bias` is NULL), and winner[o] = the offset (0 1 / 2 3) of the window's
/// first maximum in row-major order, or KP_BLOCKED when that maximum is not positive (none
/// when `winner` is NULL: y is the same). Reads only the covered rows' first 2·outWidth values.
void kp_pool_plane_positive(const float *plane, long channels, long height, long pitch, long outHeight,
                            long outWidth, const float *bias, float *y, uint8_t *winner);

/// The adjoint of `kp_pool_plane_positive`: each window's winner gets 0 + dy[o] (none when
/// KP_BLOCKED), and every other value of the planes 0 (the rest of the covered rows, the
/// columns 2·outWidth ..< pitch, the rows 2·outHeight ..< height): all of them are written.
void kp_scatter_plane_positive(const float *dy, const uint8_t *winner, long channels, long height, long pitch,
                               long outHeight, long outWidth, float *plane);

/// Direct stride-1 unpadded convolution of one sample into the wide layout, without bias:
/// wide[f][q] = Σ_c Σ_(i,j) w[f][c][i][j] · x[c][q + i·W + j] for q < OH·W − (k − 1), summed
/// in (c, i, j) order. x is C×H×W, w is F×C×k×k, wide's planes are OH·W apart.
void kp_convolution_wide_forward(const float *x, long channels, long height, long width,
                                 const float *w, long filters, long kernel, float *wide);

/// dw[f][c][i][j] += Σ_q dwide[f][q] · x[c][q + i·W + j] over q < OH·W − (k − 1); and, when
/// `biasSums` is not NULL, biasSums[f] += Σ dwide[f][q] over q < OH·W in `kp_add_plane_sums`'s
/// order (the same bits as that call), from the loads the weight gradient makes anyway.
void kp_convolution_wide_weight_gradient(const float *x, long channels, long height, long width,
                                         const float *dwide, long filters, long kernel, float *dw, float *biasSums);

/// dx (C×H×W) = Σ_(i,j) Σ_f w[f][c][i][j] · dwide[f][q] at x[c][q + i·W + j], over
/// q < OH·W − (k − 1), summed in (i, j, f) order; dx is overwritten.
void kp_convolution_wide_input_gradient(const float *w, long channels, long height, long width,
                                        const float *dwide, long filters, long kernel, float *dx);

/// sums[p] += Σ planes[p·pitch + i] over i < count, for p < planeCount, each in one fixed order:
/// 16 lanes (lane l takes i ≡ l mod 16 of the whole blocks, in order, from +0), the lanes added
/// in order from −0, then the tail in order.
void kp_add_plane_sums(const float *planes, long planeCount, long count, long pitch, float *sums);

/// Units per panel of a packed dense weight matrix.
#define KP_DENSE_PANEL 32

/// Floats a packed copy of a units×inputs weight matrix takes: whole panels of 32 units.
long kp_dense_packed_count(long units, long inputs);

/// Packs w (units×inputs, row u = unit u's weights) into panels of 32 units, each inputs×32
/// (k-major), the units past the last one zero.
void kp_dense_pack(const float *w, long units, long inputs, float *packed);

/// y[n][u] = (Σ_k x[n][k]·w[u][k], one FMA chain in k order from 0) + bias[u] for the units of
/// panels [firstPanel, firstPanel + panelCount); x is count×inputs, y count×units.
void kp_dense_forward_packed(const float *x, long count, long inputs, const float *packed, long units,
                             long firstPanel, long panelCount, const float *bias, float *y);

/// Runs `iterations` steps of twelve independent FMA chains held in registers, at the best
/// level this CPU has (vector width 16, 8 or 4), and returns the floating-point operations
/// performed (2 per lane per FMA): time it to measure one core's peak fp32 rate.
long kp_fma_peak_probe(long iterations);

/// Columns of the AVX-512 version's paired tile of C (two panels of 16): splitting a product's
/// columns at multiples of it leaves no thread a partly empty panel but the last (its wider
/// tiles, 48 and 64 columns, give way to pairs at the end of a share).
#define KP_GEMM_TILE_COLUMNS 32

/// C (m×n, row stride ldc) = op(A)·op(B), or C += op(A)·op(B) when `accumulate`: op(A) is m×k
/// (A stored k×m when `transposeA`), op(B) is k×n (B stored n×k when `transposeB`); lda, ldb
/// are the stored row strides. Every output is one FMA chain over k in order, from 0 (or C's
/// value when accumulating): the same bits at every level, blocking and thread split.
/// Single-threaded; callers split the outputs between threads.
void kp_gemm(int transposeA, int transposeB, long m, long n, long k,
             const float *a, long lda, const float *b, long ldb, int accumulate, float *c, long ldc);

/// Floats `kp_gemm_pack_b_whole` writes for an op(B) of k rows and n columns.
long kp_gemm_packed_b_count(long n, long k);
/// Packs the whole of op(B) (k×n; B stored transposed when `transposeB`) as `kp_gemm` packs it
/// block by block, for `kp_gemm_prepacked_b`: a copy, the same on every level.
void kp_gemm_pack_b_whole(int transposeB, long n, long k, const float *b, long ldb, float *packed);
/// `kp_gemm` with op(B) packed beforehand by `kp_gemm_pack_b_whole` (same n and k): the same
/// chains, hence the same bits, without packing B on every call (inference against fixed weights).
void kp_gemm_prepacked_b(int transposeA, long m, long n, long k, const float *a, long lda, const float *packedB,
                         int accumulate, float *c, long ldc);
/// `kp_gemm` with A untransposed and B's stored rows wherever they lie: stored row r is the
/// values from b + rowOffsets[r] (k rows of n values, or when `transposeB` n rows of k values).
/// One product then covers a convolution's taps and channels at once (row (t, c) is channel c
/// shifted by tap t), with the same chains as a product per tap accumulated tap after tap.
void kp_gemm_rows(int transposeB, long m, long n, long k, const float *a, long lda, const float *b,
                  const long *rowOffsets, int accumulate, float *c, long ldc);

/// The input gradient of a stride-1 unpadded convolution from its wide output gradient, dx
/// (C×H×W, overwritten) = Σ_t, in tap order t = i·k + j, of dcol's row (t, c) added at
/// dx[c][i·W + j + q] for q < `computed`, where dcol = tapsᵀ · dwide: `taps` F×k²C (row f is
/// filter f's weights in (t, c) order), dwide's row f at dwide + f·`pitch`. The same bits as
/// `kp_gemm(1, 0, k²C, computed, F, taps, k²C, dwide, pitch, 0, dcol, computed)` followed by
/// those additions into a dx of zeros, without writing dcol (TapInputGradient.c).
void kp_tap_input_gradient(const float *taps, long filters, long channels, long kernel, long height, long width,
                           const float *dwide, long pitch, long computed, float *dx);

/// `kp_tap_input_gradient` (the same arguments, the same bits) over dwide's nonzero values only,
/// for a plane gradient that is mostly zeros (behind a ReLU and a max-pool): returns 1 having
/// written dx, or 0 having written nothing where that would not be faster or a tap is not finite
/// (SparseTapGradients.c).
int kp_tap_input_gradient_sparse(const float *taps, long filters, long channels, long kernel, long height, long width,
                                 const float *dwide, long pitch, long computed, float *dx);

/// A tap GEMM's weight gradient, dw (F×k²C, row f in (t, c) order) += Σ_q dwide[f][q] ·
/// x[c][q + i·W + j] over q < `computed` (x C×H×W, tap t = i·k + j), with the bits of
/// `kp_gemm_rows(1, F, k²C, computed, dwide, pitch, x, offsets, 1, dw, k²C)`, over dwide's nonzero
/// values only: returns 1 having updated dw, or 0 having left dw as it was where that would not be
/// faster, x holds a non-finite value, or dw holds or a sum comes to −0 (an underflow, which the
/// dense chain may have turned into +0) (SparseTapGradients.c).
int kp_tap_weight_gradient_sparse(const float *x, long channels, long height, long width, long kernel,
                                  const float *dwide, long filters, long pitch, long computed, float *dw);

/// C (m×n) = op(A)·B over op(A)'s values other than ±0 only, for a dense layer's gradients behind
/// a ReLU and dropout (dW = dYᵀ·X, dX = dY·W): the bits of `kp_gemm(transposeA, 0, m, n, k, a,
/// lda, b, ldb, 0, c, ldc)`. Returns 1 having written C, or 0 where more than half of op(A) is
/// kept (not faster), B holds a non-finite value, or a result is −0 (which the dense product may
/// have as +0: an underflow); C is then partly written, and the caller runs the dense product
/// (SparseProducts.c).
int kp_gemm_sparse_a(int transposeA, long m, long n, long k, const float *a, long lda, const float *b, long ldb,
                     float *c, long ldc);

/// For tests: whether the AVX2 versions of the sparse gradients and products plan as the AVX-512 ones do (for
/// 32 registers), so that a CPU without AVX-512 checks that plan.
void kp_sparse_gradients_plan_avx512_for_testing(int enabled);

/// For tests: `kp_gemm` through the AVX-512 version's pairs of 16-column panels (6×32 or 8×32
/// tiles), run with AVX2 instructions, so that a CPU without AVX-512 checks that code's
/// logic. Returns 0, having run the ordinary product, when the CPU lacks AVX2.
int kp_gemm_paired_for_testing(int transposeA, int transposeB, long m, long n, long k, const float *a, long lda,
                               const float *b, long ldb, int accumulate, float *c, long ldc);

/// For tests: `kp_convolution_wide_forward`, `kp_convolution_wide_weight_gradient` (with its bias
/// sums) and `kp_convolution_wide_input_gradient` of one sample, planned for `registers` (32, as
/// on AVX-512, or 16, as on AVX2 and in portable C) whatever the CPU, run with AVX2 instructions
/// when the CPU has them (returns 1), else portable C (returns 0): every plan gives the same bits.
int kp_convolution_wide_plan_for_testing(int registers, const float *x, long channels, long height, long width,
                                         const float *w, long filters, long kernel, const float *dwide, float *wide,
                                         float *dw, float *biasSums, float *dx);

#endif
