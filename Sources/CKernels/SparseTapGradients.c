// A tap-GEMM convolution's weight and input gradients over the nonzero values of its plane
// gradient only. Behind a ReLU and a max-pool, dwide is nonzero only at each window's winner (at
// most one position in four for 2×2 windows) and nowhere in a window the ReLU blocked, so that
// the dense products (`kp_gemm_rows` for dW, TapInputGradient.c for dx) spend most of their
// FMAs on zeros.
//
// The same bits as the dense products. Each output there is one FMA chain in a fixed order: dW's
// over the positions q from dw's value, each of dx's tap sums over the filters f from +0 (then
// added to dx tap after tap). A term whose dwide value is ±0, times a finite value, is a product
// of ±0; adding ±0 to a sum leaves it unchanged unless the sum is −0. A chain from +0 (a cleared
// gradient, a tap sum) reaches −0 only where a kept product underflows (a negative product under
// 2⁻¹⁵⁰ in magnitude rounds to −0): then a dropped term with a +0 product turns the dense chain's
// −0 into +0, where the sparse one keeps −0, and the two differ only so until a nonzero product
// makes them equal again (SparseProducts.c has the argument). dx is safe: its tap sums are added
// to sums that are never −0 (+0 + −0 is +0; the dense product adds an empty tap's +0 alike). dW
// is not: its chains end in dw. So the weight gradient declines where it stores a −0, putting
// dw back as it was (a copy, 32 KB or less in the networks but nouri's third layer's 128 KB),
// and where dw holds a −0 already (a filter without terms would keep it).
// Otherwise dropping those terms changes no bit, and every remaining chain keeps its order. What
// the dense chain would multiply by a zero must be finite (0 · ∞ is NaN): each kernel checks its
// other operand (x for dW, the taps for dx) and declines otherwise, and the dense product runs.
//
// Each kernel also declines where it would not be faster (`kp_sparse_takes`): it then returns 0
// having written nothing, and the caller runs the dense product.
#include "CKernels.h"
#include "Vectors.h"
#include "SparseValues.h"

/// The registers the AVX2 versions plan for (see SparseValues.h).
int kp_sparse_registers_below_avx512 = 16;

void kp_sparse_gradients_plan_avx512_for_testing(int enabled) {
    __atomic_store_n(&kp_sparse_registers_below_avx512, enabled ? 32 : 16, __ATOMIC_RELAXED);
}

/// Each thread's scratch, grown to the largest call's.
static __thread float *kp_sparse_inputs, *kp_sparse_values, *kp_sparse_taps, *kp_sparse_transposed, *kp_sparse_saved;
static __thread long kp_sparse_inputs_size, kp_sparse_values_size, kp_sparse_taps_size, kp_sparse_transposed_size,
    kp_sparse_saved_size;
static __thread int32_t *kp_sparse_counts, *kp_sparse_indices;
static __thread long kp_sparse_counts_size, kp_sparse_indices_size;

/// counts[q] += how many of the `filters` rows (`pitch` apart) hold a value other than ±0 at q,
/// for q < computed.
KP_INLINE void kp_count_nonzero_body(const float *dwide, long filters, long pitch, long computed, int32_t *counts) {
    for (long f = 0; f < filters; f++) {
        const float *row = dwide + f * pitch;
        long q = 0;
        for (; q + 16 <= computed; q += 16) {
            kp_i16 count;
            __builtin_memcpy(&count, counts + q, sizeof count);
            count -= kp_load(row + q) != 0;  // a comparison's true lanes are −1
            __builtin_memcpy(counts + q, &count, sizeof count);
        }
        for (; q < computed; q++) counts[q] += row[q] != 0;
    }
}

KP_VERSIONS(kp_count_nonzero, (const float *dwide, long filters, long pitch, long computed, int32_t *counts),
            (dwide, filters, pitch, computed, counts))

/// Whether a sparse kernel takes a product: when at most a third of dwide's values are kept
/// (`entries` of them), and from `fewest` channels, where each kept term's vectors of channels
/// outweigh the passes over dwide that find the terms. Measured in training steps on Zen 3 (1
/// thread, alternated): the weight gradient from 8 channels (`cnn-small`'s last layer's backward
/// 1.14× faster, `cnn-large`'s third's 1.23×), the input gradient from 32 (its lists cost more:
/// 16 channels, `cnn-large`'s third, 1.28× slower; `nouri`'s second and third layers' backward
/// 1.4× and 1.6× faster with both, `cnn-large`'s fourth 1.15×).
enum { KP_SPARSE_WEIGHT_CHANNELS = 8, KP_SPARSE_INPUT_CHANNELS = 32 };
KP_INLINE int kp_sparse_takes(long channels, long fewest, long entries, long filters, long computed) {
    return channels >= fewest && 3 * entries <= filters * computed;
}

/// How many of dwide's rows' first `computed` values are not ±0, counted per position into
/// `counts` (computed of them, overwritten).
static long kp_count_entries(const float *dwide, long filters, long pitch, long computed, int32_t *counts) {
    __builtin_memset(counts, 0, computed * sizeof(int32_t));
    kp_count_nonzero(dwide, filters, pitch, computed, counts);
    long entries = 0;
    for (long q = 0; q < computed; q++) entries += counts[q];
    return entries;
}

// ---- The weight gradient: filter by filter over its nonzero positions ----

/// One filter's sums for its 16-channel vectors [first, first + count) (vector v: tap v / perTap,
/// channels 16·(v mod perTap) on) over `found` nonzero positions: loaded from `sums` (the
/// filter's row of dw, (t, c) order, `channels` real ones), advanced, stored back, the lanes that
/// hold −0 or-ed into `negativeZeros` (the lanes past `channels` stay +0). `inputs` is x
/// position-major, `padded` channels a position; tap t reads position q + offsets[t].
KP_INLINE void kp_sparse_weight_pass(const float *inputs, long padded, long channels, const long *offsets, long perTap,
                                     long first, const int count, const int32_t *positions, const float *values,
                                     long found, float *sums, kp_i16 *negativeZeros) {
    kp_f16 acc[12];
    long at[12];
    for (int v = 0; v < count; v++) {
        const long vector = first + v, t = vector / perTap, c0 = 16 * (vector % perTap);
        at[v] = offsets[t] * padded + c0;
        acc[v] = kp_load_first(sums + t * channels + c0, channels - c0);
    }
    for (long e = 0; e < found; e++) {
        const kp_f16 g = values[e];
        const float *row = inputs + (long)positions[e] * padded;
        for (int v = 0; v < count; v++) acc[v] = kp_fma(g, kp_load(row + at[v]), acc[v]);
    }
    kp_i16 negative = 0;
    for (int v = 0; v < count; v++) {
        const long vector = first + v, t = vector / perTap, c0 = 16 * (vector % perTap);
        negative |= kp_negative_zero_lanes(acc[v]);
        kp_store_first(sums + t * channels + c0, acc[v], channels - c0);
    }
    *negativeZeros |= negative;
}

/// `kp_sparse_weight_pass` with `count` (1 to 12) a constant, so that its sums stay in registers.
KP_INLINE void kp_sparse_weight_pass_of(const float *inputs, long padded, long channels, const long *offsets,
                                        long perTap, long first, long count, const int32_t *positions,
                                        const float *values, long found, float *sums, kp_i16 *negativeZeros) {
#define KP_PASS(n)                                                                                            \
    case n:                                                                                                   \
        kp_sparse_weight_pass(inputs, padded, channels, offsets, perTap, first, n, positions, values, found, sums, \
                              negativeZeros);                                                                 \
        break;
    switch (count) {
        KP_PASS(1) KP_PASS(2) KP_PASS(3) KP_PASS(4) KP_PASS(5) KP_PASS(6)
        KP_PASS(7) KP_PASS(8) KP_PASS(9) KP_PASS(10) KP_PASS(11) KP_PASS(12)
    }
#undef KP_PASS
}

/// Every filter's k²·padded/16 vectors of sums, in near-equal passes of at most 12 (of AVX-512's
/// 32 registers) or 6 (of 16, where a vector takes two), over the positions `block` at a time:
/// all filters take one block's positions before the next block's, so that the rows of x they
/// read stay in L1 rather than each filter streaming the whole transposed plane. *negativeZero =
/// whether any sum stored was −0.
KP_INLINE void kp_sparse_weight_body(const int registers, const float *inputs, long padded, long channels,
                                     const long *offsets, long area, long block, const float *dwide, long filters,
                                     long pitch, long computed, int32_t *positions, float *values, float *dw,
                                     int *negativeZero) {
    kp_i16 negativeZeros = 0;
    const long most = registers >= 32 ? 12 : 6;
    const long perTap = padded / 16, vectors = area * perTap;
    const long passes = (vectors + most - 1) / most, per = (vectors + passes - 1) / passes;
    for (long q0 = 0; q0 < computed; q0 += block) {
        const long count = computed - q0 < block ? computed - q0 : block;
        for (long f = 0; f < filters; f++) {
            const long found = kp_nonzero_positions(dwide + f * pitch + q0, count, positions, values);
            if (found == 0) continue;
            float *sums = dw + f * area * channels;
            for (long first = 0; first < vectors; first += per)
                kp_sparse_weight_pass_of(inputs + q0 * padded, padded, channels, offsets, perTap, first,
                                         vectors - first < per ? vectors - first : per, positions, values, found, sums,
                                         &negativeZeros);
        }
    }
    *negativeZero = kp_any_lane(negativeZeros);
}

#define KP_WEIGHT_ARGUMENTS \
    inputs, padded, channels, offsets, area, block, dwide, filters, pitch, computed, positions, values, dw, negativeZero
KP_VERSIONS_CALLING(kp_sparse_weight,
                    (const float *inputs, long padded, long channels, const long *offsets, long area, long block,
                     const float *dwide, long filters, long pitch, long computed, int32_t *positions, float *values,
                     float *dw, int *negativeZero),
                    (KP_WEIGHT_ARGUMENTS), kp_sparse_weight_body(32, KP_WEIGHT_ARGUMENTS),
                    kp_sparse_weight_body(kp_sparse_avx2_registers(), KP_WEIGHT_ARGUMENTS),
                    kp_sparse_weight_body(16, KP_WEIGHT_ARGUMENTS))

/// *finite = whether every one of values[0 ..< count] is finite.
KP_INLINE void kp_all_finite_body(const float *values, long count, int *finite) {
    kp_i16 bad = 0;
    long i = 0;
    for (; i + 16 <= count; i += 16) bad |= kp_not_finite_lanes(kp_load(values + i));
    int any = kp_any_lane(bad);
    for (; i < count; i++) any |= !isfinite(values[i]);
    *finite = !any;
}

KP_VERSIONS(kp_all_finite, (const float *values, long count, int *finite), (values, count, finite))

/// copy[0 ..< count] = values's, and *negativeZero = whether any of them is −0.
KP_INLINE void kp_copy_finding_negative_zero_body(const float *values, long count, float *copy, int *negativeZero) {
    kp_i16 found = 0;
    long i = 0;
    for (; i + 16 <= count; i += 16) {
        const kp_f16 v = kp_load(values + i);
        found |= kp_negative_zero_lanes(v);
        kp_store(copy + i, v);
    }
    int any = kp_any_lane(found);
    for (; i < count; i++) {
        any |= values[i] == 0 && signbit(values[i]);
        copy[i] = values[i];
    }
    *negativeZero = any;
}

KP_VERSIONS(kp_copy_finding_negative_zero, (const float *values, long count, float *copy, int *negativeZero),
            (values, count, copy, negativeZero))

/// x (C×plane) position-major with `padded` channels a position, zeros past the real ones;
/// 0 (and nothing useful written) when x holds a non-finite value.
static int kp_transpose_finite(const float *x, long channels, long plane, long padded, float *inputs) {
    int finite;
    kp_all_finite(x, channels * plane, &finite);
    if (!finite) return 0;
    kp_copy_transposed(x, plane, channels, plane, inputs, padded);
    if (padded > channels)
        for (long p = 0; p < plane; p++) __builtin_memset(inputs + p * padded + channels, 0, (padded - channels) * sizeof(float));
    return 1;
}

int kp_tap_weight_gradient_sparse(const float *x, long channels, long height, long width, long kernel,
                                  const float *dwide, long filters, long pitch, long computed, float *dw) {
    if (computed <= 0) return 0;
    int32_t *counts = kp_int_scratch(&kp_sparse_counts, &kp_sparse_counts_size, computed);
    const long entries = kp_count_entries(dwide, filters, pitch, computed, counts);
    if (!kp_sparse_takes(channels, KP_SPARSE_WEIGHT_CHANNELS, entries, filters, computed)) return 0;
    const long padded = (channels + 15) / 16 * 16, area = kernel * kernel, plane = height * width;
    float *inputs = kp_scratch(&kp_sparse_inputs, &kp_sparse_inputs_size, plane * padded);
    if (!kp_transpose_finite(x, channels, plane, padded, inputs)) return 0;
    long *offsets = (long *)kp_int_scratch(&kp_sparse_indices, &kp_sparse_indices_size, 2 * area);
    for (long t = 0; t < area; t++) offsets[t] = (t / kernel) * width + t % kernel;
    // Blocks whose rows of x (the block and the taps' reach past it) fill about 16 KB, half of L1.
    const long rowBytes = padded * (long)sizeof(float), fits = (16 * 1024 / rowBytes - offsets[area - 1]) / 16 * 16;
    const long block = fits > 64 ? fits : 64;
    int32_t *positions = kp_int_scratch(&kp_sparse_counts, &kp_sparse_counts_size, block);
    float *values = kp_scratch(&kp_sparse_values, &kp_sparse_values_size, block);
    const long weights = filters * area * channels;
    float *saved = kp_scratch(&kp_sparse_saved, &kp_sparse_saved_size, weights);
    int negativeZero;
    kp_copy_finding_negative_zero(dw, weights, saved, &negativeZero);
    if (negativeZero) return 0;  // a filter without terms would keep a −0 that the dense chain may not
    kp_sparse_weight(inputs, padded, channels, offsets, area, block, dwide, filters, pitch, computed, positions, values,
                     dw, &negativeZero);
    if (!negativeZero) return 1;
    __builtin_memcpy(dw, saved, weights * sizeof(float));
    return 0;
}

// ---- The input gradient: position by position over lists of nonzero filters ----

/// The lists: for each q < computed, entries [start[q], start[q + 1]) hold the filters f whose
/// dwide[f][q] is not ±0, ascending, and those values. `next` is scratch for computed offsets.
KP_INLINE void kp_fill_lists_body(const float *dwide, long filters, long pitch, long computed, const int32_t *start,
                                  int32_t *next, int32_t *filterOf, float *valueOf) {
    __builtin_memcpy(next, start, computed * sizeof(int32_t));
    for (long f = 0; f < filters; f++) {
        const float *row = dwide + f * pitch;
        long q = 0;
        for (; q + 16 <= computed; q += 16) {
            unsigned mask = kp_nonzero_mask(kp_load(row + q));
            while (mask) {
                const int l = __builtin_ctz(mask);
                mask &= mask - 1;
                const int32_t at = next[q + l]++;
                filterOf[at] = (int32_t)f;
                valueOf[at] = row[q + l];
            }
        }
        for (; q < computed; q++)
            if (row[q] != 0) {
                const int32_t at = next[q]++;
                filterOf[at] = (int32_t)f;
                valueOf[at] = row[q];
            }
    }
}

KP_VERSIONS(kp_fill_lists,
            (const float *dwide, long filters, long pitch, long computed, const int32_t *start, int32_t *next,
             int32_t *filterOf, float *valueOf),
            (dwide, filters, pitch, computed, start, next, filterOf, valueOf))

/// rows (plane × `padded` channels, position-major): for each position, the taps in order, each
/// tap's chain over its list (from +0) added to the position's sums (from +0). `vectors` (a
/// constant) 16-channel vectors at a time.
KP_INLINE void kp_sparse_rows_of(const float *tapsT, long filters, long padded, long kernel, long height, long width,
                                 long computed, const int32_t *start, const int32_t *filterOf, const float *valueOf,
                                 float *rows, const int vectors) {
    const long plane = height * width, area = kernel * kernel;
    for (long p = 0; p < plane; p++) {
        for (long c0 = 0; c0 < padded; c0 += 16 * vectors) {
            const int used = (padded - c0) / 16 < vectors ? (int)((padded - c0) / 16) : vectors;
            kp_f16 totals[4] = {0, 0, 0, 0};
            for (long t = 0; t < area; t++) {
                const long q = p - (t / kernel) * width - t % kernel;
                if (q < 0 || q >= computed || start[q] == start[q + 1]) continue;
                const float *block = tapsT + t * filters * padded + c0;
                kp_f16 sums[4] = {0, 0, 0, 0};
                for (int32_t i = start[q]; i < start[q + 1]; i++) {
                    const kp_f16 g = valueOf[i];
                    const float *row = block + filterOf[i] * padded;
                    for (int v = 0; v < vectors; v++)
                        if (v < used) sums[v] = kp_fma(kp_load(row + 16 * v), g, sums[v]);
                }
                for (int v = 0; v < vectors; v++) totals[v] += sums[v];
            }
            for (int v = 0; v < vectors; v++)
                if (v < used) kp_store(rows + p * padded + c0 + 16 * v, totals[v]);
        }
    }
}

/// Four 16-channel vectors at a time with AVX-512's 32 registers (4 sums and 4 totals), two with
/// 16 (where each takes two registers or four).
KP_INLINE void kp_sparse_rows_body(const int registers, const float *tapsT, long filters, long padded, long kernel,
                                   long height, long width, long computed, const int32_t *start,
                                   const int32_t *filterOf, const float *valueOf, float *rows) {
    if (registers >= 32)
        kp_sparse_rows_of(tapsT, filters, padded, kernel, height, width, computed, start, filterOf, valueOf, rows, 4);
    else
        kp_sparse_rows_of(tapsT, filters, padded, kernel, height, width, computed, start, filterOf, valueOf, rows, 2);
}

#define KP_ROWS_ARGUMENTS tapsT, filters, padded, kernel, height, width, computed, start, filterOf, valueOf, rows
KP_VERSIONS_CALLING(kp_sparse_rows,
                    (const float *tapsT, long filters, long padded, long kernel, long height, long width, long computed,
                     const int32_t *start, const int32_t *filterOf, const float *valueOf, float *rows),
                    (KP_ROWS_ARGUMENTS), kp_sparse_rows_body(32, KP_ROWS_ARGUMENTS),
                    kp_sparse_rows_body(kp_sparse_avx2_registers(), KP_ROWS_ARGUMENTS),
                    kp_sparse_rows_body(16, KP_ROWS_ARGUMENTS))

int kp_tap_input_gradient_sparse(const float *taps, long filters, long channels, long kernel, long height, long width,
                                 const float *dwide, long pitch, long computed, float *dx) {
    if (computed <= 0) return 0;
    int32_t *start = kp_int_scratch(&kp_sparse_counts, &kp_sparse_counts_size, 2 * computed + 1);
    const long entries = kp_count_entries(dwide, filters, pitch, computed, start + 1);
    if (!kp_sparse_takes(channels, KP_SPARSE_INPUT_CHANNELS, entries, filters, computed)) return 0;
    // Each tap's F×C block, channel-minor with `padded` channels (zeros past the real ones); every
    // tap must be finite.
    const long area = kernel * kernel, depth = area * channels, padded = (channels + 15) / 16 * 16;
    float *tapsT = kp_scratch(&kp_sparse_taps, &kp_sparse_taps_size, area * filters * padded);
    for (long t = 0; t < area; t++)
        for (long f = 0; f < filters; f++) {
            float *out = tapsT + (t * filters + f) * padded;
            const float *in = taps + f * depth + t * channels;
            for (long c = 0; c < channels; c++) {
                if (!isfinite(in[c])) return 0;
                out[c] = in[c];
            }
            for (long c = channels; c < padded; c++) out[c] = 0;
        }
    start[0] = 0;
    for (long q = 0; q < computed; q++) start[q + 1] += start[q];
    int32_t *filterOf = kp_int_scratch(&kp_sparse_indices, &kp_sparse_indices_size, entries > 0 ? entries : 1);
    float *valueOf = kp_scratch(&kp_sparse_values, &kp_sparse_values_size, entries > 0 ? entries : 1);
    kp_fill_lists(dwide, filters, pitch, computed, start, start + computed + 1, filterOf, valueOf);
    const long plane = height * width;
    float *rows = kp_scratch(&kp_sparse_transposed, &kp_sparse_transposed_size, plane * padded);
    kp_sparse_rows(tapsT, filters, padded, kernel, height, width, computed, start, filterOf, valueOf, rows);
    kp_copy_transposed(rows, padded, plane, channels, dx, plane);
    return 1;
}
