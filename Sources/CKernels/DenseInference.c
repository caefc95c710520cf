// A dense layer's inference, Y = X·Wᵀ + b, against weights packed once per change: panels of
// 32 units, each stored k-major (32 consecutive values per input), so that every step of the
// product reads two vectors of weights and broadcasts one input per row. Each output is one
// FMA chain over the inputs in order from zero, then the bias: the same bits whatever the
// batch size, the row's place in it or the thread that computes its panel.
#include "CKernels.h"
#include "Vectors.h"


long kp_dense_packed_count(long units, long inputs) {
    return (units + KP_DENSE_PANEL - 1) / KP_DENSE_PANEL * KP_DENSE_PANEL * inputs;
}

void kp_dense_pack(const float *w, long units, long inputs, float *packed) {
    const long panels = (units + KP_DENSE_PANEL - 1) / KP_DENSE_PANEL;
    for (long p = 0; p < panels; p++) {
        float *panel = packed + p * inputs * KP_DENSE_PANEL;
        for (long u = 0; u < KP_DENSE_PANEL; u++) {
            const long unit = p * KP_DENSE_PANEL + u;
            if (unit < units) {
                const float *row = w + unit * inputs;
                for (long k = 0; k < inputs; k++) panel[k * KP_DENSE_PANEL + u] = row[k];
            } else {
                for (long k = 0; k < inputs; k++) panel[k * KP_DENSE_PANEL + u] = 0;
            }
        }
    }
}

/// `rows` rows of X (≤ 12: 24 accumulators and the two weight vectors fit AVX-512's 32
/// registers) against one panel; `valid` of its 32 units are stored.
KP_INLINE void kp_dense_tile(const float *x, long inputs, const float *panel, const float *bias, long valid,
                             float *y, long units, const int rows) {
    kp_f16 low[12], high[12];
    for (int r = 0; r < rows; r++) low[r] = high[r] = 0;
    for (long k = 0; k < inputs; k++) {
        kp_f16 w0 = kp_load(panel + k * KP_DENSE_PANEL), w1 = kp_load(panel + k * KP_DENSE_PANEL + 16);
        for (int r = 0; r < rows; r++) {
            kp_f16 input = x[r * inputs + k];
            low[r] = kp_fma(input, w0, low[r]);
            high[r] = kp_fma(input, w1, high[r]);
        }
    }
    const kp_f16 b0 = kp_load(bias), b1 = kp_load(bias + 16);
    for (int r = 0; r < rows; r++) {
        kp_f16 out0 = low[r] + b0, out1 = high[r] + b1;
        float *row = y + r * units;
        if (valid == KP_DENSE_PANEL) {
            kp_store(row, out0);
            kp_store(row + 16, out1);
        } else {
            float staged[KP_DENSE_PANEL];
            kp_store(staged, out0);
            kp_store(staged + 16, out1);
            __builtin_memcpy(row, staged, valid * sizeof(float));
        }
    }
}

/// `rows` rows a tile, then 4 where `rows` is larger, then one at a time: 12 where AVX-512's 32
/// registers hold the 24 accumulators, 3 where AVX2's 16 hold 6 (12 rows spilled there: 2.3×
/// slower). Each tile reads the whole panel, so a batch's last rows go 4 at a time where they
/// can (the MLP's batch of 100 = 8 × 12 + 4: 1.2× faster than ending with 4 single rows).
KP_INLINE void kp_dense_forward_packed_body(const float *x, long count, long inputs, const float *packed, long units,
                                            long firstPanel, long panelCount, const float *bias, float *y,
                                            const int rows) {
    for (long p = firstPanel; p < firstPanel + panelCount; p++) {
        const float *panel = packed + p * inputs * KP_DENSE_PANEL;
        const long first = p * KP_DENSE_PANEL, valid = units - first < KP_DENSE_PANEL ? units - first : KP_DENSE_PANEL;
        float panelBias[KP_DENSE_PANEL] = {0};
        __builtin_memcpy(panelBias, bias + first, valid * sizeof(float));
        long n = 0;
        for (; n + rows <= count; n += rows)
            kp_dense_tile(x + n * inputs, inputs, panel, panelBias, valid, y + n * units + first, units, rows);
        if (rows > 4)
            for (; n + 4 <= count; n += 4)
                kp_dense_tile(x + n * inputs, inputs, panel, panelBias, valid, y + n * units + first, units, 4);
        for (; n < count; n++)
            kp_dense_tile(x + n * inputs, inputs, panel, panelBias, valid, y + n * units + first, units, 1);
    }
}

#define KP_DENSE_PARAMETERS const float *x, long count, long inputs, const float *packed, long units, \
                            long firstPanel, long panelCount, const float *bias, float *y
#define KP_DENSE_ARGUMENTS x, count, inputs, packed, units, firstPanel, panelCount, bias, y
#if KP_HAS_X86_VERSIONS
KP_AVX512 static void kp_dense_forward_packed_avx512(KP_DENSE_PARAMETERS) {
    kp_dense_forward_packed_body(KP_DENSE_ARGUMENTS, 12);
}
KP_AVX2 static void kp_dense_forward_packed_avx2(KP_DENSE_PARAMETERS) { kp_dense_forward_packed_body(KP_DENSE_ARGUMENTS, 3); }
#endif
static void kp_dense_forward_packed_portable(KP_DENSE_PARAMETERS) { kp_dense_forward_packed_body(KP_DENSE_ARGUMENTS, 3); }

void kp_dense_forward_packed(KP_DENSE_PARAMETERS) {
#if KP_HAS_X86_VERSIONS
    switch (__atomic_load_n(&kp_level, __ATOMIC_RELAXED)) {
    case 2: kp_dense_forward_packed_avx512(KP_DENSE_ARGUMENTS); return;
    case 1: kp_dense_forward_packed_avx2(KP_DENSE_ARGUMENTS); return;
    default: break;
    }
#endif
    kp_dense_forward_packed_portable(KP_DENSE_ARGUMENTS);
}
