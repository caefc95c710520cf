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

KP_INLINE void kp_forward_group(const float *x, long channels, long height, long width,
                                const float *w, long kernel, float *wide, const int group) {
    const long plane = height * width, rows = (height - kernel + 1) * width;
    const long computed = kp_computed(height, width, kernel), taps = kernel * kernel;
    long q = 0;
    for (; q + 16 <= computed; q += 16) {
        kp_f16 sums[8];
        for (int g = 0; g < group; g++) sums[g] = 0;
        for (long c = 0; c < channels; c++) {
            for (long i = 0; i < kernel; i++) {
                for (long j = 0; j < kernel; j++) {
                    kp_f16 input = kp_load(x + c * plane + q + i * width + j);
                    long tap = (c * kernel + i) * kernel + j;
                    for (int g = 0; g < group; g++)
                        sums[g] = kp_fma((kp_f16)w[g * channels * taps + tap], input, sums[g]);
                }
            }
        }
        for (int g = 0; g < group; g++) kp_store(wide + g * rows + q, sums[g]);
    }
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

/// Filters in groups of 8, then 4, then one at a time: the same sums whatever the grouping.
KP_INLINE void kp_forward_sized(const float *x, long channels, long height, long width,
                                const float *w, long filters, long kernel, float *wide) {
    const long weights = channels * kernel * kernel, rows = (height - kernel + 1) * width;
    long f = 0;
    for (; f + 8 <= filters; f += 8) kp_forward_group(x, channels, height, width, w + f * weights, kernel, wide + f * rows, 8);
    for (; f + 4 <= filters; f += 4) kp_forward_group(x, channels, height, width, w + f * weights, kernel, wide + f * rows, 4);
    for (; f < filters; f++) kp_forward_group(x, channels, height, width, w + f * weights, kernel, wide + f * rows, 1);
}

KP_INLINE void kp_convolution_wide_forward_body(const float *x, long channels, long height, long width,
                                                const float *w, long filters, long kernel, float *wide) {
    KP_WITH_CONSTANT_KERNEL(kernel, kp_forward_sized(x, channels, height, width, w, filters, K, wide))
}

KP_VERSIONS(kp_convolution_wide_forward,
            (const float *x, long channels, long height, long width, const float *w, long filters, long kernel, float *wide),
            (x, channels, height, width, w, filters, kernel, wide))

/// One filter and one channel, taps [first, first + count) (count ≤ 16, so that the sums
/// stay in registers): lane l of tap t's sum takes the positions q ≡ l (mod 16) of the full
/// blocks, the lanes are summed as a tree, then the tail positions are added in order.
KP_INLINE void kp_weight_gradient_taps(const float *x, long height, long width, const float *dwide,
                                       long kernel, long first, long count, float *dw) {
    const long computed = kp_computed(height, width, kernel);
    kp_f16 sums[16];
    long offsets[16];
    for (long t = 0; t < count; t++) {
        sums[t] = 0;
        offsets[t] = (first + t) / kernel * width + (first + t) % kernel;
    }
    long q = 0;
    for (; q + 16 <= computed; q += 16) {
        kp_f16 gradient = kp_load(dwide + q);
        for (long t = 0; t < count; t++) sums[t] = kp_fma(gradient, kp_load(x + q + offsets[t]), sums[t]);
    }
    for (long t = 0; t < count; t++) {
        float total = kp_sum(sums[t]);
        for (long r = q; r < computed; r++) total = fmaf(dwide[r], x[r + offsets[t]], total);
        dw[first + t] += total;
    }
}

KP_INLINE void kp_weight_gradient_plane(const float *x, long height, long width, const float *dwide,
                                        long kernel, float *dw) {
    const long taps = kernel * kernel;
    for (long first = 0; first < taps; first += 16)
        kp_weight_gradient_taps(x, height, width, dwide, kernel, first, taps - first < 16 ? taps - first : 16, dw);
}

KP_INLINE void kp_weight_gradient_sized(const float *x, long channels, long height, long width,
                                        const float *dwide, long filters, long kernel, float *dw) {
    const long plane = height * width, rows = (height - kernel + 1) * width, taps = kernel * kernel;
    for (long f = 0; f < filters; f++)
        for (long c = 0; c < channels; c++)
            kp_weight_gradient_plane(x + c * plane, height, width, dwide + f * rows, kernel,
                                     dw + (f * channels + c) * taps);
}

KP_INLINE void kp_convolution_wide_weight_gradient_body(const float *x, long channels, long height, long width,
                                                        const float *dwide, long filters, long kernel, float *dw) {
    KP_WITH_CONSTANT_KERNEL(kernel, kp_weight_gradient_sized(x, channels, height, width, dwide, filters, K, dw))
}

KP_VERSIONS(kp_convolution_wide_weight_gradient,
            (const float *x, long channels, long height, long width, const float *dwide, long filters, long kernel, float *dw),
            (x, channels, height, width, dwide, filters, kernel, dw))

/// dx[c][q + i·W + j] += w[f][c][i][j] · dwide[f][q], one (tap, filter) pass over the plane at a time.
KP_INLINE void kp_convolution_wide_input_gradient_body(const float *w, long channels, long height, long width,
                                                       const float *dwide, long filters, long kernel, float *dx) {
    const long plane = height * width, rows = (height - kernel + 1) * width, taps = kernel * kernel;
    const long computed = kp_computed(height, width, kernel);
    for (long n = 0; n < channels * plane; n++) dx[n] = 0;
    for (long c = 0; c < channels; c++) {
        for (long i = 0; i < kernel; i++) {
            for (long j = 0; j < kernel; j++) {
                float *target = dx + c * plane + i * width + j;
                for (long f = 0; f < filters; f++) {
                    const float weight = w[(f * channels + c) * taps + i * kernel + j];
                    const float *gradient = dwide + f * rows;
                    long q = 0;
                    for (; q + 16 <= computed; q += 16)
                        kp_store(target + q, kp_fma((kp_f16)weight, kp_load(gradient + q), kp_load(target + q)));
                    for (; q < computed; q++) target[q] = fmaf(weight, gradient[q], target[q]);
                }
            }
        }
    }
}

KP_VERSIONS(kp_convolution_wide_input_gradient,
            (const float *w, long channels, long height, long width, const float *dwide, long filters, long kernel, float *dx),
            (w, channels, height, width, dwide, filters, kernel, dx))
