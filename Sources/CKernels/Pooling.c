// 2×2/2 max-pooling fused with ReLU, and its adjoint, one row of windows at a time.
#include "CKernels.h"
#include "Vectors.h"

#define EVEN 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30
#define ODD 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31

// The sequential rule, branch-free: the top pair's winner (ties to the left), the bottom
// pair's, then the top one's unless the bottom one is strictly larger. NaN never wins.
KP_INLINE void kp_pool_pairs_positive_body(const float *top, const float *bottom, long count, float bias,
                                           float *y, uint8_t *winner) {
    long ow = 0;
    for (; ow + 16 <= count; ow += 16) {
        kp_f16 t0 = kp_load(top + 2 * ow), t1 = kp_load(top + 2 * ow + 16);
        kp_f16 l0 = kp_load(bottom + 2 * ow), l1 = kp_load(bottom + 2 * ow + 16);
        kp_f16 a0 = __builtin_shufflevector(t0, t1, EVEN) + bias;
        kp_f16 a1 = __builtin_shufflevector(t0, t1, ODD) + bias;
        kp_f16 b0 = __builtin_shufflevector(l0, l1, EVEN) + bias;
        kp_f16 b1 = __builtin_shufflevector(l0, l1, ODD) + bias;
        kp_i16 rightTop = a1 > a0, rightBottom = b1 > b0;
        kp_f16 first = kp_select(rightTop, a1, a0), second = kp_select(rightBottom, b1, b0);
        kp_i16 secondWins = second > first;
        kp_f16 best = kp_select(secondWins, second, first);
        kp_store(y + ow, kp_select(best > 0, best, 0));
        kp_i16 firstAt = rightTop & 1, secondAt = 2 + (rightBottom & 1);
        kp_u8x16 at = __builtin_convertvector((secondAt & secondWins) | (firstAt & ~secondWins), kp_u8x16);
        __builtin_memcpy(winner + ow, &at, sizeof at);
    }
    for (; ow < count; ow++) {
        float a0 = top[2 * ow] + bias, a1 = top[2 * ow + 1] + bias;
        float b0 = bottom[2 * ow] + bias, b1 = bottom[2 * ow + 1] + bias;
        int rightTop = a1 > a0, rightBottom = b1 > b0;
        float first = rightTop ? a1 : a0, second = rightBottom ? b1 : b0;
        int secondWins = second > first;
        float best = secondWins ? second : first;
        y[ow] = best > 0 ? best : 0;
        winner[ow] = (uint8_t)(secondWins ? 2 + rightBottom : rightTop);
    }
}

KP_VERSIONS(kp_pool_pairs_positive,
            (const float *top, const float *bottom, long count, float bias, float *y, uint8_t *winner),
            (top, bottom, count, bias, y, winner))

#define INTERLEAVE_LOW 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23
#define INTERLEAVE_HIGH 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31

// 0 + dy rather than dy: MaxPool's scatter adds to a zeroed gradient, turning −0 into +0.
KP_INLINE void kp_scatter_pairs_positive_body(const float *y, const float *dy, const uint8_t *winner, long count,
                                              float *top, float *bottom) {
    long ow = 0;
    for (; ow + 16 <= count; ow += 16) {
        kp_f16 g = kp_select(kp_load(y + ow) > 0, 0.0f + kp_load(dy + ow), 0);
        kp_u8x16 bytes;
        __builtin_memcpy(&bytes, winner + ow, sizeof bytes);
        kp_i16 at = __builtin_convertvector(bytes, kp_i16);
        kp_f16 g0 = kp_select(at == 0, g, 0), g1 = kp_select(at == 1, g, 0);
        kp_f16 g2 = kp_select(at == 2, g, 0), g3 = kp_select(at == 3, g, 0);
        kp_store(top + 2 * ow, __builtin_shufflevector(g0, g1, INTERLEAVE_LOW));
        kp_store(top + 2 * ow + 16, __builtin_shufflevector(g0, g1, INTERLEAVE_HIGH));
        kp_store(bottom + 2 * ow, __builtin_shufflevector(g2, g3, INTERLEAVE_LOW));
        kp_store(bottom + 2 * ow + 16, __builtin_shufflevector(g2, g3, INTERLEAVE_HIGH));
    }
    for (; ow < count; ow++) {
        float g = y[ow] > 0 ? 0.0f + dy[ow] : 0;
        uint8_t at = winner[ow];
        top[2 * ow] = at == 0 ? g : 0;
        top[2 * ow + 1] = at == 1 ? g : 0;
        bottom[2 * ow] = at == 2 ? g : 0;
        bottom[2 * ow + 1] = at == 3 ? g : 0;
    }
}

KP_VERSIONS(kp_scatter_pairs_positive,
            (const float *y, const float *dy, const uint8_t *winner, long count, float *top, float *bottom),
            (y, dy, winner, count, top, bottom))
