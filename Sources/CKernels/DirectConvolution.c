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

/// Stores sums[g·blocks + b] at out + g·pitch + 16·b, for `group` planes `pitch` apart and
/// `blocks` blocks; of a single block, only the first `valid` positions (the plane's last block).
KP_INLINE void kp_store_blocks(const kp_f16 *sums, const int group, const int blocks, float *out, long pitch,
                               long valid) {
    if (valid == 16 * blocks) {
        for (int g = 0; g < group; g++)
            for (int b = 0; b < blocks; b++) kp_store(out + g * pitch + 16 * b, sums[g * blocks + b]);
        return;
    }
    for (int g = 0; g < group; g++) {
        float staged[16];
        kp_store(staged, sums[g * blocks]);
        for (long n = 0; n < valid; n++) out[g * pitch + n] = staged[n];
    }
}

/// `group` filters over `blocks` blocks of 16 positions from q: group·blocks chains of FMAs,
/// each output's one chain over (c, i, j) in order; of a single block, only the first `valid`
/// positions are stored when fewer than 16.
KP_INLINE void kp_forward_blocks(const float *x, long channels, long plane, long width, const float *w,
                                 long kernel, float *wide, long rows, long q, const int group, const int blocks,
                                 long valid) {
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
    kp_store_blocks(sums, group, blocks, wide + q, rows, valid);
}

/// The chains of FMAs the forward and the input gradient keep in flight, each a 16-float
/// accumulator: 8 with AVX-512's 32 registers, enough to hide the FMA's latency; 4 where a
/// 16-float vector takes two of 16 registers (AVX2, and portable C on x86-64's SSE registers),
/// since 8 there fill the register file and spill. Measured alone on Zen 3 (AVX2), 8 → 4:
/// the forward of cnn-large's first two layers, nouri's first and cnn-small's first three
/// 44–49% → 79–85% of peak; cnn-large's second layer's input gradient 28% → 77%.
KP_INLINE int kp_chains(int registers) { return registers >= 32 ? 8 : 4; }

/// Each thread's copy of a forward's last window, and of the input gradient's padded planes.
static __thread float *kp_window, *kp_padded;
static __thread long kp_window_size, kp_padded_size;

/// `group` filters (at most `chains`: 8, 4, 2 or 1), `chains` / group blocks of 16 positions at
/// a time: the same chains of FMAs in flight whatever the group (a lone filter's single chain
/// ran at a quarter of the FMA rate, and cnn-small's first layer has two filters); then single
/// blocks, then the last, partial one. The sums do not depend on the grouping or the blocking.
KP_INLINE void kp_forward_group(const float *x, long channels, long height, long width,
                                const float *w, long kernel, float *wide, const int group, const int chains) {
    const long plane = height * width, rows = (height - kernel + 1) * width;
    const long computed = kp_computed(height, width, kernel);
    const int blocks = chains / group;
    long q = 0;
    for (; q + 16 * blocks <= computed; q += 16 * blocks)
        kp_forward_blocks(x, channels, plane, width, w, kernel, wide, rows, q, group, blocks, 16 * blocks);
    for (; q + 16 <= computed; q += 16)
        kp_forward_blocks(x, channels, plane, width, w, kernel, wide, rows, q, group, 1, 16);
    if (q < computed) {
        // The last, partial block reads up to 16 + (k − 1)·(W + 1) values from q in each channel,
        // past the plane's end: it runs on a copy of them with zeros after the plane (whose
        // products land only in the lanes not kept).
        const long span = 16 + (kernel - 1) * (width + 1);
        float *window = kp_scratch(&kp_window, &kp_window_size, channels * span);
        for (long c = 0; c < channels; c++) {
            const long kept = plane - q < span ? plane - q : span;
            __builtin_memcpy(window + c * span, x + c * plane + q, kept * sizeof(float));
            __builtin_memset(window + c * span + kept, 0, (span - kept) * sizeof(float));
        }
        kp_forward_blocks(window, channels, span, width, w, kernel, wide + q, rows, 0, group, 1, computed - q);
    }
}

/// Filters in groups of 8 (with 8 chains), then 4, 2 and one: the same sums whatever the grouping.
KP_INLINE void kp_forward_sized(const float *x, long channels, long height, long width,
                                const float *w, long filters, long kernel, float *wide, const int chains) {
    const long weights = channels * kernel * kernel, rows = (height - kernel + 1) * width;
    long f = 0;
    if (chains >= 8)
        for (; f + 8 <= filters; f += 8) kp_forward_group(x, channels, height, width, w + f * weights, kernel, wide + f * rows, 8, chains);
    for (; f + 4 <= filters; f += 4) kp_forward_group(x, channels, height, width, w + f * weights, kernel, wide + f * rows, 4, chains);
    for (; f + 2 <= filters; f += 2) kp_forward_group(x, channels, height, width, w + f * weights, kernel, wide + f * rows, 2, chains);
    for (; f < filters; f++) kp_forward_group(x, channels, height, width, w + f * weights, kernel, wide + f * rows, 1, chains);
}

KP_INLINE void kp_convolution_wide_forward_body(const int registers, const float *x, long channels, long height,
                                                long width, const float *w, long filters, long kernel, float *wide) {
    KP_WITH_CONSTANT_KERNEL(kernel, kp_forward_sized(x, channels, height, width, w, filters, K, wide, kp_chains(registers)))
}

KP_VERSIONS_BY_REGISTERS(kp_convolution_wide_forward,
            (const float *x, long channels, long height, long width, const float *w, long filters, long kernel, float *wide),
            (x, channels, height, width, w, filters, kernel, wide))

/// The weight gradient's sums over the whole 16-position blocks of a pass (see
/// `kp_weight_gradient_taps`): lane l of sums[g][t] = Σ dwide[g·rows + q]·x[q + offsets[t]] over
/// the blocks' q ≡ l (mod 16), in order from +0, and with `withBias` (a constant) lane l of
/// lanes[g] = Σ dwide[g·rows + q] likewise. Each input vector loaded serves every filter of the
/// group. Returns the first position after the blocks.
KP_INLINE long kp_weight_gradient_blocks(const float *x, const float *dwide, long rows, long computed,
                                         const long *offsets, long count, kp_f16 sums[4][8], kp_f16 lanes[4],
                                         const int group, const int withBias) {
    for (int g = 0; g < group; g++) {
        lanes[g] = 0;
        for (long t = 0; t < count; t++) sums[g][t] = 0;
    }
    long q = 0;
    for (; q + 16 <= computed; q += 16) {
        kp_f16 gradients[4];
        for (int g = 0; g < group; g++) gradients[g] = kp_load(dwide + g * rows + q);
        if (withBias)
            for (int g = 0; g < group; g++) lanes[g] += gradients[g];
        for (long t = 0; t < count; t++) {
            kp_f16 input = kp_load(x + q + offsets[t]);
            for (int g = 0; g < group; g++) sums[g][t] = kp_fma(gradients[g], input, sums[g][t]);
        }
    }
    return q;
}

/// `kp_weight_gradient_blocks` in two passes over the blocks, lanes 0–7 of each then lanes
/// 8–15, in 8-float vectors: every lane's chain is the same, in the same order, and a pass holds
/// half the registers. Where a 16-float vector takes two of 16 registers (AVX2, and portable C),
/// a pass of 2 filters × 6 taps keeps its 12 sums, 2 gradients and an input in 15, where whole
/// blocks spilled. Measured alone on Zen 3 (AVX2), against whole blocks of 4 filters × 6 taps
/// (what 32 registers take): cnn-large's first two layers' weight gradients 29–31% → 68–70% of
/// peak, cnn-small's first three 26–38% → 57–77%.
KP_INLINE long kp_weight_gradient_blocks_in_halves(const float *x, const float *dwide, long rows, long computed,
                                                   const long *offsets, long count, kp_f16 sums[4][8],
                                                   kp_f16 lanes[4], const int group, const int withBias) {
    kp_f8 halfSums[2][4][8], halfLanes[2][4];
    long q = 0;
#pragma clang loop unroll(disable)
    for (int half = 0; half < 2; half++) {
        kp_f8 passSums[4][8], passLanes[4];
        for (int g = 0; g < group; g++) {
            passLanes[g] = 0;
            for (long t = 0; t < count; t++) passSums[g][t] = 0;
        }
        const float *halfX = x + 8 * half, *halfGradients = dwide + 8 * half;
        for (q = 0; q + 16 <= computed; q += 16) {
            kp_f8 gradients[4];
            for (int g = 0; g < group; g++) gradients[g] = kp_load8(halfGradients + g * rows + q);
            if (withBias)
                for (int g = 0; g < group; g++) passLanes[g] += gradients[g];
            for (long t = 0; t < count; t++) {
                kp_f8 input = kp_load8(halfX + q + offsets[t]);
                for (int g = 0; g < group; g++)
                    passSums[g][t] = __builtin_elementwise_fma(gradients[g], input, passSums[g][t]);
            }
        }
        for (int g = 0; g < group; g++) {
            halfLanes[half][g] = passLanes[g];
            for (long t = 0; t < count; t++) halfSums[half][g][t] = passSums[g][t];
        }
    }
    for (int g = 0; g < group; g++) {
        lanes[g] = kp_join8(halfLanes[0][g], halfLanes[1][g]);
        for (long t = 0; t < count; t++) sums[g][t] = kp_join8(halfSums[0][g][t], halfSums[1][g][t]);
    }
    return q;
}

/// `group` filters (4, 2 or 1) and one channel, taps [first, first + count) (count at most
/// `kp_weight_gradient_taps_per_pass`, so that the group·count sums stay in registers): lane l
/// of a sum takes the positions q ≡ l (mod 16) of the full blocks, whole blocks at a time or
/// (`inHalves`, a constant) in halves, the lanes are summed as a tree, then the tail positions
/// are added in order. Filter g's gradient plane is dwide + g·rows, its weight gradient
/// dw + g·filterStride. With `withBias` (a constant), biasSums[g] also gets its plane's sum in
/// `kp_add_plane_sums`'s order, from the gradient vectors this pass loads anyway: a second pass
/// over nouri's first layer's planes (1.15 MB a sample) cost 1.6 ms of its 12 ms backward a batch.
KP_INLINE void kp_weight_gradient_taps(const float *x, long height, long width, const float *dwide, long rows,
                                       long kernel, long first, long count, float *dw, long filterStride,
                                       float *biasSums, const int group, const int withBias, const int inHalves) {
    const long computed = kp_computed(height, width, kernel);
    kp_f16 sums[4][8], lanes[4];
    long offsets[8];
    for (long t = 0; t < count; t++) offsets[t] = (first + t) / kernel * width + (first + t) % kernel;
    const long q = inHalves
        ? kp_weight_gradient_blocks_in_halves(x, dwide, rows, computed, offsets, count, sums, lanes, group, withBias)
        : kp_weight_gradient_blocks(x, dwide, rows, computed, offsets, count, sums, lanes, group, withBias);
    // The tail positions go to every sum in turn rather than sum after sum: each sum's chain is
    // the same, but the group·count chains now overlap instead of each waiting on the FMA's
    // latency (cnn-small's third layer, 375 positions: its weight gradient alone 1.26× faster,
    // its training step 1.1×).
    float totals[4][8];
    for (int g = 0; g < group; g++)
        for (long t = 0; t < count; t++) totals[g][t] = kp_sum(sums[g][t]);
    for (long r = q; r < computed; r++)
        for (int g = 0; g < group; g++)
            for (long t = 0; t < count; t++) totals[g][t] = fmaf(dwide[g * rows + r], x[r + offsets[t]], totals[g][t]);
    for (int g = 0; g < group; g++)
        for (long t = 0; t < count; t++) dw[g * filterStride + first + t] += totals[g][t];
    // The bias sums run over all `rows` positions, the last k − 1 past `computed` too.
    if (withBias) kp_finish_plane_sums(lanes, dwide, q, rows, rows, biasSums, group);
}

/// The most taps one pass over the plane takes for a group of filters, so that its sums stay in
/// registers: with 32 (whole blocks), 6 for 4 filters (24 sums, the 4 gradients and an input)
/// and 8 for 1 or 2; with 16 (blocks in halves), 6 for 2 filters (12 sums, 2 gradients and an
/// input) and 8 for one.
KP_INLINE long kp_weight_gradient_taps_per_pass(int group, int registers) {
    if (registers >= 32) return group == 4 ? 6 : 8;
    return group == 2 ? 6 : 8;
}

/// `kp_weight_gradient_taps`, taking the bias sums too when `biasSums` is not NULL: each case
/// compiled with its own constant, so that the pass without them keeps its registers.
KP_INLINE void kp_weight_gradient_pass(const float *x, long height, long width, const float *dwide, long rows,
                                       long kernel, long first, long count, float *dw, long filterStride,
                                       float *biasSums, const int group, const int registers) {
    const int inHalves = registers < 32;
    if (biasSums)
        kp_weight_gradient_taps(x, height, width, dwide, rows, kernel, first, count, dw, filterStride, biasSums,
                                group, 1, inHalves);
    else
        kp_weight_gradient_taps(x, height, width, dwide, rows, kernel, first, count, dw, filterStride, NULL,
                                group, 0, inHalves);
}

/// The taps in near-equal groups of at most `kp_weight_gradient_taps_per_pass` (25 → 7, 6, 6, 6
/// for 2 filters, 5 × 5 for 4), so that no group is left with a chain or two that the FMA's
/// latency would stall. The bias sums, when asked for (`biasSums` not NULL), go with the last
/// group, the one with the fewest taps and so the most registers to spare.
KP_INLINE void kp_weight_gradient_plane(const float *x, long height, long width, const float *dwide, long rows,
                                        long kernel, float *dw, long filterStride, float *biasSums,
                                        const int group, const int registers) {
    const long taps = kernel * kernel, most = kp_weight_gradient_taps_per_pass(group, registers);
    const long groups = (taps + most - 1) / most, per = (taps + groups - 1) / groups;
    // Whole groups, then the rest: with a constant kernel both counts are constants, and the
    // sums of each call stay in registers (a count known only at run time spilled them).
    long first = 0;
    for (; first + per <= taps; first += per)
        kp_weight_gradient_pass(x, height, width, dwide, rows, kernel, first, per, dw, filterStride,
                                first + per == taps ? biasSums : NULL, group, registers);
    if (first < taps)
        kp_weight_gradient_pass(x, height, width, dwide, rows, kernel, first, taps - first, dw, filterStride,
                                biasSums, group, registers);
}

/// The first channel's passes also take the bias sums (when `biasSums` is not NULL).
KP_INLINE void kp_weight_gradient_sized(const float *x, long channels, long height, long width,
                                        const float *dwide, long filters, long kernel, float *dw, float *biasSums,
                                        const int registers) {
    const long plane = height * width, rows = (height - kernel + 1) * width, taps = kernel * kernel;
    for (long c = 0; c < channels; c++) {
        float *bias = c == 0 ? biasSums : NULL;
        long f = 0;
        // Four filters share each input load, where two did: 1.2–1.4× on cnn-small's second
        // and third layers with 32 registers. With 16, four filters leave room for 2 taps a pass
        // even in halves, and ran 0.5–0.8× as fast as two filters' 6 (Zen 3, AVX2).
        if (registers >= 32)
            for (; f + 4 <= filters; f += 4)
                kp_weight_gradient_plane(x + c * plane, height, width, dwide + f * rows, rows, kernel,
                                         dw + (f * channels + c) * taps, channels * taps, bias ? bias + f : NULL, 4,
                                         registers);
        for (; f + 2 <= filters; f += 2)
            kp_weight_gradient_plane(x + c * plane, height, width, dwide + f * rows, rows, kernel,
                                     dw + (f * channels + c) * taps, channels * taps, bias ? bias + f : NULL, 2,
                                     registers);
        for (; f < filters; f++)
            kp_weight_gradient_plane(x + c * plane, height, width, dwide + f * rows, rows, kernel,
                                     dw + (f * channels + c) * taps, channels * taps, bias ? bias + f : NULL, 1,
                                     registers);
    }
}

KP_INLINE void kp_convolution_wide_weight_gradient_body(const int registers, const float *x, long channels,
                                                        long height, long width, const float *dwide, long filters,
                                                        long kernel, float *dw, float *biasSums) {
    KP_WITH_CONSTANT_KERNEL(kernel, kp_weight_gradient_sized(x, channels, height, width, dwide, filters, K, dw, biasSums,
                                                             registers))
}

KP_VERSIONS_BY_REGISTERS(kp_convolution_wide_weight_gradient,
                         (const float *x, long channels, long height, long width, const float *dwide, long filters,
                          long kernel, float *dw, float *biasSums),
                         (x, channels, height, width, dwide, filters, kernel, dw, biasSums))

// The input gradient is the forward's pattern turned round: dx[c][p] = Σ_(i,j,f) w[f][c][i][j] ·
// dwide[f][p − i·W − j], over the q = p − i·W − j inside [0, computed), in (i, j, f) order.
// Each dwide plane is copied once between zero borders (`kp_padded_gradients`), so that every
// position p takes all its taps: a missing term becomes fma(w, 0, sum), which returns the sum
// itself for any finite w (w·0 is ±0, exactly, and sum ± 0 rounds to sum), except that a sum
// of −0 would become +0 — and a chain started from +0 reaches −0 only if a product underflows
// to −0 first. Then, as in the forward, `group` input channels share each load of the gradient
// over several blocks of 16 positions: `kp_chains` chains in flight and one load per `group`
// FMAs, where taking tap after tap through dx itself loaded and stored dx for every tap (a
// third of the FMA rate; 1.9–2.3× faster on cnn-small's second and third layers).

/// Filter f's gradient plane, copied to the returned scratch + f·length: `pad` zeros,
/// dwide[f][0 ..< computed], then zeros to `length` (H·W + pad + 16) values, so that position p's
/// tap (i, j) is at [p + pad − i·W − j] for every p of the plane's blocks, the last one's lanes
/// past the plane too.
KP_INLINE const float *kp_padded_gradients(const float *dwide, long filters, long rows, long computed, long pad,
                                           long length) {
    kp_scratch(&kp_padded, &kp_padded_size, filters * length);
    for (long f = 0; f < filters; f++) {
        float *plane = kp_padded + f * length;
        __builtin_memset(plane, 0, pad * sizeof(float));
        __builtin_memcpy(plane + pad, dwide + f * rows, computed * sizeof(float));
        __builtin_memset(plane + pad + computed, 0, (length - pad - computed) * sizeof(float));
    }
    return kp_padded;
}

/// dx[c + g][p + 16·b …] for `group` channels from c and `blocks` blocks from p; of a single
/// block, only the first `valid` positions are stored when fewer than 16.
KP_INLINE void kp_input_gradient_blocks(const float *padded, long length, long pad, const float *w, long channels,
                                        long width, long kernel, long filters, long c, float *dx, long plane, long p,
                                        const int group, const int blocks, long valid) {
    const long taps = kernel * kernel;
    kp_f16 sums[8];
    for (int s = 0; s < group * blocks; s++) sums[s] = 0;
    for (long i = 0; i < kernel; i++) {
        for (long j = 0; j < kernel; j++) {
            const float *at = padded + p + pad - i * width - j;
            const float *weights = w + c * taps + i * kernel + j;  // filter f, channel c + g: [(f·C + g)·taps]
            for (long f = 0; f < filters; f++) {
                for (int b = 0; b < blocks; b++) {
                    const kp_f16 gradient = kp_load(at + f * length + 16 * b);
                    for (int g = 0; g < group; g++)
                        sums[g * blocks + b] = kp_fma((kp_f16)weights[(f * channels + g) * taps], gradient, sums[g * blocks + b]);
                }
            }
        }
    }
    kp_store_blocks(sums, group, blocks, dx + c * plane + p, plane, valid);
}

/// `group` channels from c (at most `chains`: 8, 4, 2 or 1): chains / group blocks at a time, then
/// single blocks, the last one partly outside the plane (the padded copy extends 16 values past it).
KP_INLINE void kp_input_gradient_group(const float *padded, long length, long pad, const float *w, long channels,
                                       long width, long kernel, long filters, long c, float *dx, long plane,
                                       const int group, const int chains) {
    const int blocks = chains / group;
    long p = 0;
    for (; p + 16 * blocks <= plane; p += 16 * blocks)
        kp_input_gradient_blocks(padded, length, pad, w, channels, width, kernel, filters, c, dx, plane, p, group, blocks,
                                 16 * blocks);
    for (; p < plane; p += 16)
        kp_input_gradient_blocks(padded, length, pad, w, channels, width, kernel, filters, c, dx, plane, p, group, 1,
                                 plane - p < 16 ? plane - p : 16);
}

KP_INLINE void kp_input_gradient_sized(const float *w, long channels, long height, long width,
                                       const float *dwide, long filters, long kernel, float *dx, const int chains) {
    const long plane = height * width, rows = (height - kernel + 1) * width;
    const long computed = kp_computed(height, width, kernel), pad = (kernel - 1) * width + kernel - 1;
    const long length = plane + pad + 16;
    const float *padded = kp_padded_gradients(dwide, filters, rows, computed, pad, length);
    long c = 0;
    if (chains >= 8)
        for (; c + 8 <= channels; c += 8) kp_input_gradient_group(padded, length, pad, w, channels, width, kernel, filters, c, dx, plane, 8, chains);
    for (; c + 4 <= channels; c += 4) kp_input_gradient_group(padded, length, pad, w, channels, width, kernel, filters, c, dx, plane, 4, chains);
    for (; c + 2 <= channels; c += 2) kp_input_gradient_group(padded, length, pad, w, channels, width, kernel, filters, c, dx, plane, 2, chains);
    for (; c < channels; c++) kp_input_gradient_group(padded, length, pad, w, channels, width, kernel, filters, c, dx, plane, 1, chains);
}

/// `kp_chains(registers)` groups·blocks in flight: 8 with 16 registers ran 0.75–0.8× as fast as
/// the kernel this one replaced on cnn-small's second layer, and 4 run 2× as fast.
KP_INLINE void kp_convolution_wide_input_gradient_body(const int registers, const float *w, long channels, long height,
                                                       long width, const float *dwide, long filters, long kernel,
                                                       float *dx) {
    KP_WITH_CONSTANT_KERNEL(kernel, kp_input_gradient_sized(w, channels, height, width, dwide, filters, K, dx,
                                                            kp_chains(registers)))
}

KP_VERSIONS_BY_REGISTERS(kp_convolution_wide_input_gradient,
                         (const float *w, long channels, long height, long width, const float *dwide, long filters,
                          long kernel, float *dx),
                         (w, channels, height, width, dwide, filters, kernel, dx))

/// The three kernels with the plan for `registers` (32, or 16: see `kp_chains` and
/// `kp_weight_gradient_blocks_in_halves`), for tests.
KP_INLINE void kp_convolution_wide_planned(int registers, const float *x, long channels, long height, long width,
                                           const float *w, long filters, long kernel, const float *dwide,
                                           float *wide, float *dw, float *biasSums, float *dx) {
    if (registers >= 32) {
        kp_convolution_wide_forward_body(32, x, channels, height, width, w, filters, kernel, wide);
        kp_convolution_wide_weight_gradient_body(32, x, channels, height, width, dwide, filters, kernel, dw, biasSums);
        kp_convolution_wide_input_gradient_body(32, w, channels, height, width, dwide, filters, kernel, dx);
    } else {
        kp_convolution_wide_forward_body(16, x, channels, height, width, w, filters, kernel, wide);
        kp_convolution_wide_weight_gradient_body(16, x, channels, height, width, dwide, filters, kernel, dw, biasSums);
        kp_convolution_wide_input_gradient_body(16, w, channels, height, width, dwide, filters, kernel, dx);
    }
}

#if KP_HAS_X86_VERSIONS
KP_AVX2 static void kp_convolution_wide_planned_avx2(int registers, const float *x, long channels, long height,
                                                     long width, const float *w, long filters, long kernel,
                                                     const float *dwide, float *wide, float *dw, float *biasSums,
                                                     float *dx) {
    kp_convolution_wide_planned(registers, x, channels, height, width, w, filters, kernel, dwide, wide, dw, biasSums, dx);
}
#endif

int kp_convolution_wide_plan_for_testing(int registers, const float *x, long channels, long height, long width,
                                         const float *w, long filters, long kernel, const float *dwide, float *wide,
                                         float *dw, float *biasSums, float *dx) {
#if KP_HAS_X86_VERSIONS
    if (kp_best_kernel_level() >= 1) {
        kp_convolution_wide_planned_avx2(registers, x, channels, height, width, w, filters, kernel, dwide, wide, dw,
                                         biasSums, dx);
        return 1;
    }
#endif
    kp_convolution_wide_planned(registers, x, channels, height, width, w, filters, kernel, dwide, wide, dw, biasSums, dx);
    return 0;
}
