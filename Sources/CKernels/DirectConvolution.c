// Direct stride-1 unpadded convolution in the wide layout (see CKernels.h), for layers with
// few input channels, where im2col + GEMM spends more time copying than multiplying.
// Each body takes the kernel size and a filter group size as constants (see
// KP_WITH_CONSTANT_KERNEL), so that the tap loops unroll and the accumulators stay in registers.
#include "CKernels.h"
#include "Vectors.h"

/// Runs `statement` with K bound to `kernel`: a constant for the common sizes 2–5, so that the
/// always-inline bodies it calls unroll their tap loops, the variable itself otherwise.
#define KP_WITH_CONSTANT_KERNEL(kernel, statement)       \
    switch (kernel) {                                     \
    case 2: { const long K = 2; statement; break; }       \
    case 3: { const long K = 3; statement; break; }       \
    case 4: { const long K = 4; statement; break; }       \
    case 5: { const long K = 5; statement; break; }       \
    default: { const long K = kernel; statement; break; } \
    }

/// Wide positions computed, OH·W − (k − 1): the last one's last tap reads x[c][H·W − 1], so
/// every 16-position block with q + 16 ≤ computed reads inside its input plane.
KP_INLINE long kp_computed(long height, long width, long kernel) {
    return (height - kernel + 1) * width - (kernel - 1);
}

/// `group` filters over `blocks` blocks of 16 positions from q: group·blocks chains of FMAs,
/// each output's one chain over (c, i, j) in order.
KP_INLINE void kp_forward_blocks(const float *x, long channels, long plane, long width, const float *w,
                                 long kernel, float *wide, long rows, long q, const int group, const int blocks) {
    const long taps = kernel * kernel;
    kp_f16 sums[8];
    for (int s = 0; s < group * blocks; s++) sums[s] = 0;
    for (long c = 0; c < channels; c++) {
        for (long i = 0; i < kernel; i++) {
            for (long j = 0; j < kernel; j++) {
                const float *at = x + c * plane + q + i * width + j;
                const long tap = (c * kernel + i) * kernel + j;
                for (int b = 0; b < blocks; b++) {
                    kp_f16 input = kp_load(at + 16 * b);
                    for (int g = 0; g < group; g++)
                        sums[g * blocks + b] = kp_fma((kp_f16)w[g * channels * taps + tap], input, sums[g * blocks + b]);
                }
            }
        }
    }
    for (int g = 0; g < group; g++)
        for (int b = 0; b < blocks; b++) kp_store(wide + g * rows + q + 16 * b, sums[g * blocks + b]);
}

/// `group` filters (8, 4, 2 or 1), 8 / group blocks of 16 positions at a time: eight chains of
/// FMAs in flight whatever the group, enough to hide the FMA's latency (a lone filter's single
/// chain ran at a quarter of the FMA rate, and cnn-small's first layer has two filters); then
/// single blocks, then single positions. The sums do not depend on the grouping or the blocking.
KP_INLINE void kp_forward_group(const float *x, long channels, long height, long width,
                                const float *w, long kernel, float *wide, const int group) {
    const long plane = height * width, rows = (height - kernel + 1) * width;
    const long computed = kp_computed(height, width, kernel), taps = kernel * kernel;
    const int blocks = 8 / group;
    long q = 0;
    for (; q + 16 * blocks <= computed; q += 16 * blocks)
        kp_forward_blocks(x, channels, plane, width, w, kernel, wide, rows, q, group, blocks);
    for (; q + 16 <= computed; q += 16)
        kp_forward_blocks(x, channels, plane, width, w, kernel, wide, rows, q, group, 1);
    for (; q < computed; q++) {
        for (int g = 0; g < group; g++) {
            float sum = 0;
            for (long c = 0; c < channels; c++)
                for (long i = 0; i < kernel; i++)
                    for (long j = 0; j < kernel; j++)
                        sum = fmaf(w[g * channels * taps + (c * kernel + i) * kernel + j],
                                   x[c * plane + q + i * width + j], sum);
            wide[g * rows + q] = sum;
        }
    }
}

/// Filters in groups of 8, then 4, 2 and one: the same sums whatever the grouping.
KP_INLINE void kp_forward_sized(const float *x, long channels, long height, long width,
                                const float *w, long filters, long kernel, float *wide) {
    const long weights = channels * kernel * kernel, rows = (height - kernel + 1) * width;
    long f = 0;
    for (; f + 8 <= filters; f += 8) kp_forward_group(x, channels, height, width, w + f * weights, kernel, wide + f * rows, 8);
    for (; f + 4 <= filters; f += 4) kp_forward_group(x, channels, height, width, w + f * weights, kernel, wide + f * rows, 4);
    for (; f + 2 <= filters; f += 2) kp_forward_group(x, channels, height, width, w + f * weights, kernel, wide + f * rows, 2);
    for (; f < filters; f++) kp_forward_group(x, channels, height, width, w + f * weights, kernel, wide + f * rows, 1);
}

KP_INLINE void kp_convolution_wide_forward_body(const float *x, long channels, long height, long width,
                                                const float *w, long filters, long kernel, float *wide) {
    KP_WITH_CONSTANT_KERNEL(kernel, kp_forward_sized(x, channels, height, width, w, filters, K, wide))
}

KP_VERSIONS(kp_convolution_wide_forward,
            (const float *x, long channels, long height, long width, const float *w, long filters, long kernel, float *wide),
            (x, channels, height, width, w, filters, kernel, wide))

/// `group` filters (2 or 1) and one channel, taps [first, first + count) (count ≤ 8, so that
/// the group·count sums stay in registers): lane l of a sum takes the positions q ≡ l (mod 16)
/// of the full blocks, the lanes are summed as a tree, then the tail positions are added in
/// order. Each input vector loaded serves every filter of the group. Filter g's gradient plane
/// is dwide + g·rows, its weight gradient dw + g·filterStride.
KP_INLINE void kp_weight_gradient_taps(const float *x, long height, long width, const float *dwide, long rows,
                                       long kernel, long first, long count, float *dw, long filterStride,
                                       const int group) {
    const long computed = kp_computed(height, width, kernel);
    kp_f16 sums[2][8];
    long offsets[8];
    for (long t = 0; t < count; t++) {
        for (int g = 0; g < group; g++) sums[g][t] = 0;
        offsets[t] = (first + t) / kernel * width + (first + t) % kernel;
    }
    long q = 0;
    for (; q + 16 <= computed; q += 16) {
        kp_f16 gradients[2];
        for (int g = 0; g < group; g++) gradients[g] = kp_load(dwide + g * rows + q);
        for (long t = 0; t < count; t++) {
            kp_f16 input = kp_load(x + q + offsets[t]);
            for (int g = 0; g < group; g++) sums[g][t] = kp_fma(gradients[g], input, sums[g][t]);
        }
    }
    for (int g = 0; g < group; g++) {
        for (long t = 0; t < count; t++) {
            float total = kp_sum(sums[g][t]);
            for (long r = q; r < computed; r++) total = fmaf(dwide[g * rows + r], x[r + offsets[t]], total);
            dw[g * filterStride + first + t] += total;
        }
    }
}

/// The taps in near-equal groups of at most 8 (25 → 7, 7, 7, 4), so that no group is left
/// with a chain or two that the FMA's latency would stall.
KP_INLINE void kp_weight_gradient_plane(const float *x, long height, long width, const float *dwide, long rows,
                                        long kernel, float *dw, long filterStride, const int group) {
    const long taps = kernel * kernel, groups = (taps + 7) / 8, per = (taps + groups - 1) / groups;
    for (long first = 0; first < taps; first += per)
        kp_weight_gradient_taps(x, height, width, dwide, rows, kernel, first, taps - first < per ? taps - first : per,
                                dw, filterStride, group);
}

KP_INLINE void kp_weight_gradient_sized(const float *x, long channels, long height, long width,
                                        const float *dwide, long filters, long kernel, float *dw) {
    const long plane = height * width, rows = (height - kernel + 1) * width, taps = kernel * kernel;
    for (long c = 0; c < channels; c++) {
        long f = 0;
        for (; f + 2 <= filters; f += 2)
            kp_weight_gradient_plane(x + c * plane, height, width, dwide + f * rows, rows, kernel,
                                     dw + (f * channels + c) * taps, channels * taps, 2);
        for (; f < filters; f++)
            kp_weight_gradient_plane(x + c * plane, height, width, dwide + f * rows, rows, kernel,
                                     dw + (f * channels + c) * taps, channels * taps, 1);
    }
}

KP_INLINE void kp_convolution_wide_weight_gradient_body(const float *x, long channels, long height, long width,
                                                        const float *dwide, long filters, long kernel, float *dw) {
    KP_WITH_CONSTANT_KERNEL(kernel, kp_weight_gradient_sized(x, channels, height, width, dwide, filters, K, dw))
}

KP_VERSIONS(kp_convolution_wide_weight_gradient,
            (const float *x, long channels, long height, long width, const float *dwide, long filters, long kernel, float *dw),
            (x, channels, height, width, dwide, filters, kernel, dw))

/// dx[c][q + i·W + j] += w[f][c][i][j] · dwide[f][q], for each tap (i, j) and each filter f
/// in that order. One pass over the plane per tap takes every filter's term while the block
/// of dx is in a register: one load and one store of dx per tap, not per (tap, filter). Each
/// element still takes its terms in (i, j, f) order, one FMA each.
/// target[q + 16·b …] += Σ_f weights[f·stride] · dwide[f][q + 16·b …] for `blocks` blocks, the
/// filters in order: one chain per block.
KP_INLINE void kp_input_gradient_blocks(float *target, const float *weights, long stride, const float *dwide, long rows,
                                        long filters, long q, const int blocks) {
    kp_f16 sums[8];
    for (int b = 0; b < blocks; b++) sums[b] = kp_load(target + q + 16 * b);
    for (long f = 0; f < filters; f++) {
        const kp_f16 weight = (kp_f16)weights[f * stride];
        for (int b = 0; b < blocks; b++) sums[b] = kp_fma(weight, kp_load(dwide + f * rows + q + 16 * b), sums[b]);
    }
    for (int b = 0; b < blocks; b++) kp_store(target + q + 16 * b, sums[b]);
}

KP_INLINE void kp_convolution_wide_input_gradient_body(const float *w, long channels, long height, long width,
                                                       const float *dwide, long filters, long kernel, float *dx) {
    const long plane = height * width, rows = (height - kernel + 1) * width, taps = kernel * kernel;
    const long computed = kp_computed(height, width, kernel);
    for (long n = 0; n < channels * plane; n++) dx[n] = 0;
    for (long c = 0; c < channels; c++) {
        for (long i = 0; i < kernel; i++) {
            for (long j = 0; j < kernel; j++) {
                float *target = dx + c * plane + i * width + j;
                const float *weights = w + c * taps + i * kernel + j;  // filter f's at weights[f · channels · taps]
                const long stride = channels * taps;
                long q = 0;
                // Eight blocks at a time: eight chains in flight hide the FMA's latency.
                for (; q + 128 <= computed; q += 128) kp_input_gradient_blocks(target, weights, stride, dwide, rows, filters, q, 8);
                for (; q + 16 <= computed; q += 16) kp_input_gradient_blocks(target, weights, stride, dwide, rows, filters, q, 1);
                for (; q < computed; q++) {
                    float sum = target[q];
                    for (long f = 0; f < filters; f++) sum = fmaf(weights[f * stride], dwide[f * rows + q], sum);
                    target[q] = sum;
                }
            }
        }
    }
}

KP_VERSIONS(kp_convolution_wide_input_gradient,
            (const float *w, long channels, long height, long width, const float *dwide, long filters, long kernel, float *dx),
            (w, channels, height, width, dwide, filters, kernel, dx))
