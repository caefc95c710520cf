// 2×2/2 max-pooling fused with ReLU, and its adjoint, one row of windows at a time.
#include "CKernels.h"
#include "Vectors.h"

#define EVEN 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30
#define ODD 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31

/// One step of 16 windows from 32 values of each row (see kp_pool_pairs_positive_body).
KP_INLINE void kp_pool_step(const float *top, const float *bottom, float bias, float *y, uint8_t *winner) {
    kp_f16 t0 = kp_load(top), t1 = kp_load(top + 16), l0 = kp_load(bottom), l1 = kp_load(bottom + 16);
    kp_f16 a0 = __builtin_shufflevector(t0, t1, EVEN) + bias, a1 = __builtin_shufflevector(t0, t1, ODD) + bias;
    kp_f16 b0 = __builtin_shufflevector(l0, l1, EVEN) + bias, b1 = __builtin_shufflevector(l0, l1, ODD) + bias;
    kp_i16 rightTop = a1 > a0, rightBottom = b1 > b0;
    kp_f16 first = kp_select(rightTop, a1, a0), second = kp_select(rightBottom, b1, b0);
    kp_i16 secondWins = second > first;
    kp_f16 best = kp_select(secondWins, second, first);
    kp_i16 positive = best > 0;
    kp_store(y, kp_select(positive, best, 0));
    kp_i16 firstAt = rightTop & 1, secondAt = 2 + (rightBottom & 1);
    kp_i16 at = (secondAt & secondWins) | (firstAt & ~secondWins);
    kp_u8x16 bytes = __builtin_convertvector((at & positive) | (KP_BLOCKED & ~positive), kp_u8x16);
    __builtin_memcpy(winner, &bytes, sizeof bytes);
}

// The sequential rule, branch-free: the top pair's winner (ties to the left), the bottom
// pair's, then the top one's unless the bottom one is strictly larger. NaN never wins, and
// a window whose maximum is not positive (NaN included) records KP_BLOCKED. A last partial
// step is redone as the row's last 16 windows (the same values again); rows of fewer than
// 16 windows run one window at a time.
KP_INLINE void kp_pool_pairs_positive_body(const float *top, const float *bottom, long count, float bias,
                                           float *y, uint8_t *winner) {
    if (count < 16) {
        for (long ow = 0; ow < count; ow++) {
            float a0 = top[2 * ow] + bias, a1 = top[2 * ow + 1] + bias;
            float b0 = bottom[2 * ow] + bias, b1 = bottom[2 * ow + 1] + bias;
            int rightTop = a1 > a0, rightBottom = b1 > b0;
            float first = rightTop ? a1 : a0, second = rightBottom ? b1 : b0;
            int secondWins = second > first;
            float best = secondWins ? second : first;
            y[ow] = best > 0 ? best : 0;
            winner[ow] = best > 0 ? (uint8_t)(secondWins ? 2 + rightBottom : rightTop) : KP_BLOCKED;
        }
        return;
    }
    long ow = 0;
    for (; ow + 16 <= count; ow += 16) kp_pool_step(top + 2 * ow, bottom + 2 * ow, bias, y + ow, winner + ow);
    if (ow < count) {
        ow = count - 16;
        kp_pool_step(top + 2 * ow, bottom + 2 * ow, bias, y + ow, winner + ow);
    }
}

KP_VERSIONS(kp_pool_pairs_positive,
            (const float *top, const float *bottom, long count, float bias, float *y, uint8_t *winner),
            (top, bottom, count, bias, y, winner))

#define INTERLEAVE_LOW 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23
#define INTERLEAVE_HIGH 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31

/// One step of 16 windows into 32 values of each row. 0 + dy rather than dy: MaxPool's
/// scatter adds to a zeroed gradient, turning −0 into +0.
KP_INLINE void kp_scatter_step(const float *dy, const uint8_t *winner, float *top, float *bottom) {
    kp_f16 g = 0.0f + kp_load(dy);
    kp_u8x16 bytes;
    __builtin_memcpy(&bytes, winner, sizeof bytes);
    kp_i16 at = __builtin_convertvector(bytes, kp_i16);
    kp_f16 g0 = kp_select(at == 0, g, 0), g1 = kp_select(at == 1, g, 0);
    kp_f16 g2 = kp_select(at == 2, g, 0), g3 = kp_select(at == 3, g, 0);
    kp_store(top, __builtin_shufflevector(g0, g1, INTERLEAVE_LOW));
    kp_store(top + 16, __builtin_shufflevector(g0, g1, INTERLEAVE_HIGH));
    kp_store(bottom, __builtin_shufflevector(g2, g3, INTERLEAVE_LOW));
    kp_store(bottom + 16, __builtin_shufflevector(g2, g3, INTERLEAVE_HIGH));
}

KP_INLINE void kp_scatter_pairs_positive_body(const float *dy, const uint8_t *winner, long count,
                                              float *top, float *bottom) {
    if (count < 16) {
        for (long ow = 0; ow < count; ow++) {
            float g = 0.0f + dy[ow];
            uint8_t at = winner[ow];
            top[2 * ow] = at == 0 ? g : 0;
            top[2 * ow + 1] = at == 1 ? g : 0;
            bottom[2 * ow] = at == 2 ? g : 0;
            bottom[2 * ow + 1] = at == 3 ? g : 0;
        }
        return;
    }
    long ow = 0;
    for (; ow + 16 <= count; ow += 16) kp_scatter_step(dy + ow, winner + ow, top + 2 * ow, bottom + 2 * ow);
    if (ow < count) {
        ow = count - 16;
        kp_scatter_step(dy + ow, winner + ow, top + 2 * ow, bottom + 2 * ow);
    }
}

KP_VERSIONS(kp_scatter_pairs_positive,
            (const float *dy, const uint8_t *winner, long count, float *top, float *bottom),
            (dy, winner, count, top, bottom))
