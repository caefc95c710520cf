// 2×2/2 max-pooling fused with ReLU, and its adjoint, over whole planes one row of windows
// at a time. Each row runs in steps of 16, 8 or 4 windows (the widest that fits the row), a
// last partial step redone as the row's last windows of that width (the same values again),
// and rows of fewer than 4 windows one window at a time: every window gets the same
// operations whichever step covers it.
#include "CKernels.h"
#include "Vectors.h"

typedef int32_t kp_i8 __attribute__((ext_vector_type(8)));
typedef int32_t kp_i4 __attribute__((ext_vector_type(4)));
typedef uint8_t kp_u8x8 __attribute__((ext_vector_type(8)));
typedef uint8_t kp_u8x4 __attribute__((ext_vector_type(4)));

/// mask ? a : b per lane for vectors F with lane masks I (all ones or all zeros, as comparisons give).
#define KP_SELECT(I, F, mask, a, b) ((F)(((I)(a) & (mask)) | ((I)(b) & ~(mask))))

#define EVEN16 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30
#define ODD16 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31
#define EVEN8 0, 2, 4, 6, 8, 10, 12, 14
#define ODD8 1, 3, 5, 7, 9, 11, 13, 15
#define EVEN4 0, 2, 4, 6
#define ODD4 1, 3, 5, 7
#define LOW16 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23
#define HIGH16 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31
#define LOW8 0, 8, 1, 9, 2, 10, 3, 11
#define HIGH8 4, 12, 5, 13, 6, 14, 7, 15
#define LOW4 0, 4, 1, 5
#define HIGH4 2, 6, 3, 7

// The sequential rule, branch-free: the top pair's winner (ties to the left), the bottom
// pair's, then the top one's unless the bottom one is strictly larger. NaN never wins, and
// a window whose maximum is not positive (NaN included) records KP_BLOCKED at winner[at] when
// `withWinners` (a constant; an inference pass keeps none).
#define KP_POOL_STEP(name, width, F, I, U8, EVEN, ODD)                                                    \
    KP_INLINE void name(const float *top, const float *bottom, float bias, float *y, uint8_t *winner,    \
                        long at, const int withWinners) {                                                 \
        F t0, t1, l0, l1;                                                                                 \
        __builtin_memcpy(&t0, top, sizeof t0); __builtin_memcpy(&t1, top + width, sizeof t1);            \
        __builtin_memcpy(&l0, bottom, sizeof l0); __builtin_memcpy(&l1, bottom + width, sizeof l1);      \
        F a0 = __builtin_shufflevector(t0, t1, EVEN) + bias, a1 = __builtin_shufflevector(t0, t1, ODD) + bias; \
        F b0 = __builtin_shufflevector(l0, l1, EVEN) + bias, b1 = __builtin_shufflevector(l0, l1, ODD) + bias; \
        I rightTop = a1 > a0, rightBottom = b1 > b0;                                                      \
        F first = KP_SELECT(I, F, rightTop, a1, a0), second = KP_SELECT(I, F, rightBottom, b1, b0);      \
        I secondWins = second > first;                                                                    \
        F best = KP_SELECT(I, F, secondWins, second, first);                                              \
        I positive = best > 0;                                                                            \
        F values = KP_SELECT(I, F, positive, best, (F)0);                                                 \
        __builtin_memcpy(y, &values, sizeof values);                                                      \
        if (!withWinners) return;                                                                         \
        I firstAt = rightTop & 1, secondAt = 2 + (rightBottom & 1);                                       \
        I offset = (secondAt & secondWins) | (firstAt & ~secondWins);                                     \
        U8 bytes = __builtin_convertvector((offset & positive) | (KP_BLOCKED & ~positive), U8);          \
        __builtin_memcpy(winner + at, &bytes, sizeof bytes);                                              \
    }

KP_POOL_STEP(kp_pool_step16, 16, kp_f16, kp_i16, kp_u8x16, EVEN16, ODD16)
KP_POOL_STEP(kp_pool_step8, 8, kp_f8, kp_i8, kp_u8x8, EVEN8, ODD8)
KP_POOL_STEP(kp_pool_step4, 4, kp_f4, kp_i4, kp_u8x4, EVEN4, ODD4)

KP_INLINE void kp_pool_one(const float *top, const float *bottom, float bias, float *y, uint8_t *winner, long at,
                           const int withWinners) {
    float a0 = top[0] + bias, a1 = top[1] + bias, b0 = bottom[0] + bias, b1 = bottom[1] + bias;
    int rightTop = a1 > a0, rightBottom = b1 > b0;
    float first = rightTop ? a1 : a0, second = rightBottom ? b1 : b0;
    int secondWins = second > first;
    float best = secondWins ? second : first;
    *y = best > 0 ? best : 0;
    if (withWinners) winner[at] = best > 0 ? (uint8_t)(secondWins ? 2 + rightBottom : rightTop) : KP_BLOCKED;
}

/// Runs `step` over windows [0, count) in steps of `width`, the last one ending at count.
#define KP_ROW_IN_STEPS(step, width, ...)                          \
    do {                                                           \
        long ow = 0;                                               \
        for (; ow + width <= count; ow += width) step(__VA_ARGS__); \
        if (ow < count) { ow = count - width; step(__VA_ARGS__); } \
    } while (0)

/// One row of `count` windows by `name`_step16, _step8 or _step4, the widest that fits, or
/// by `name`_one window at a time; the arguments may use the window index `ow`.
#define KP_ROW(name, ...)                                                               \
    do {                                                                                \
        if (count >= 16) KP_ROW_IN_STEPS(name##_step16, 16, __VA_ARGS__);               \
        else if (count >= 8) KP_ROW_IN_STEPS(name##_step8, 8, __VA_ARGS__);             \
        else if (count >= 4) KP_ROW_IN_STEPS(name##_step4, 4, __VA_ARGS__);             \
        else for (long ow = 0; ow < count; ow++) name##_one(__VA_ARGS__);               \
    } while (0)

/// One row of windows; `winner` is only written when `withWinners` (a constant), and may be NULL
/// otherwise.
KP_INLINE void kp_pool_pairs_positive_body(const float *top, const float *bottom, long count, float bias,
                                           float *y, uint8_t *winner, const int withWinners) {
    KP_ROW(kp_pool, top + 2 * ow, bottom + 2 * ow, bias, y + ow, winner, ow, withWinners);
}

// 0 + dy rather than dy: MaxPool's scatter adds to a zeroed gradient, turning −0 into +0.
#define KP_SCATTER_STEP(name, width, F, I, U8, LOW, HIGH)                                                    \
    KP_INLINE void name(const float *dy, const uint8_t *winner, float *top, float *bottom) {                \
        F g;                                                                                                 \
        __builtin_memcpy(&g, dy, sizeof g);                                                                  \
        g = 0.0f + g;                                                                                        \
        U8 bytes;                                                                                            \
        __builtin_memcpy(&bytes, winner, sizeof bytes);                                                      \
        I at = __builtin_convertvector(bytes, I);                                                            \
        F g0 = KP_SELECT(I, F, at == 0, g, (F)0), g1 = KP_SELECT(I, F, at == 1, g, (F)0);                    \
        F g2 = KP_SELECT(I, F, at == 2, g, (F)0), g3 = KP_SELECT(I, F, at == 3, g, (F)0);                    \
        F topLow = __builtin_shufflevector(g0, g1, LOW), topHigh = __builtin_shufflevector(g0, g1, HIGH);    \
        F bottomLow = __builtin_shufflevector(g2, g3, LOW), bottomHigh = __builtin_shufflevector(g2, g3, HIGH); \
        __builtin_memcpy(top, &topLow, sizeof topLow); __builtin_memcpy(top + width, &topHigh, sizeof topHigh); \
        __builtin_memcpy(bottom, &bottomLow, sizeof bottomLow);                                              \
        __builtin_memcpy(bottom + width, &bottomHigh, sizeof bottomHigh);                                    \
    }

KP_SCATTER_STEP(kp_scatter_step16, 16, kp_f16, kp_i16, kp_u8x16, LOW16, HIGH16)
KP_SCATTER_STEP(kp_scatter_step8, 8, kp_f8, kp_i8, kp_u8x8, LOW8, HIGH8)
KP_SCATTER_STEP(kp_scatter_step4, 4, kp_f4, kp_i4, kp_u8x4, LOW4, HIGH4)

KP_INLINE void kp_scatter_one(const float *dy, const uint8_t *winner, float *top, float *bottom) {
    float g = 0.0f + *dy;
    uint8_t at = *winner;
    top[0] = at == 0 ? g : 0;
    top[1] = at == 1 ? g : 0;
    bottom[0] = at == 2 ? g : 0;
    bottom[1] = at == 3 ? g : 0;
}

KP_INLINE void kp_scatter_pairs_positive_body(const float *dy, const uint8_t *winner, long count,
                                              float *top, float *bottom) {
    KP_ROW(kp_scatter, dy + ow, winner + ow, top + 2 * ow, bottom + 2 * ow);
}

// Whole planes in one call: every row of windows as the row functions above compute it, for
// `channels` planes of `height` rows `pitch` apart. One call per sample rather than one per
// row (up to 376 a sample), and the scatter's zeros past the covered columns written inline:
// Swift's update(repeating:) called memset for every row's 1–2 values (cnn-large's layers:
// 3,300 calls a sample). Alone, cnn-large's scatters 1.05–2.6× faster, its pools 1.0–1.5×.
KP_INLINE void kp_pool_planes(const float *plane, long channels, long height, long pitch, long outHeight,
                              long outWidth, const float *bias, float *y, uint8_t *winner, const int withWinners) {
    long o = 0;
    for (long f = 0; f < channels; f++) {
        const float *channel = plane + f * height * pitch;
        const float b = bias ? bias[f] : 0;
        for (long oh = 0; oh < outHeight; oh++, o += outWidth) {
            const float *top = channel + 2 * oh * pitch;
            kp_pool_pairs_positive_body(top, top + pitch, outWidth, b, y + o, withWinners ? winner + o : NULL,
                                        withWinners);
        }
    }
}

/// Without winners (NULL: an inference pass, whose backward never comes) the windows' bytes
/// are neither computed nor stored: 1.5–2.2× faster alone on Zen 3 (AVX2; `cnn-large`'s and
/// `nouri`'s planes, y the same).
KP_INLINE void kp_pool_plane_positive_body(const float *plane, long channels, long height, long pitch, long outHeight,
                                           long outWidth, const float *bias, float *y, uint8_t *winner) {
    if (winner)
        kp_pool_planes(plane, channels, height, pitch, outHeight, outWidth, bias, y, winner, 1);
    else
        kp_pool_planes(plane, channels, height, pitch, outHeight, outWidth, bias, y, NULL, 0);
}

KP_VERSIONS(kp_pool_plane_positive,
            (const float *plane, long channels, long height, long pitch, long outHeight, long outWidth,
             const float *bias, float *y, uint8_t *winner),
            (plane, channels, height, pitch, outHeight, outWidth, bias, y, winner))

KP_INLINE void kp_scatter_plane_positive_body(const float *dy, const uint8_t *winner, long channels, long height,
                                              long pitch, long outHeight, long outWidth, float *plane) {
    const long covered = 2 * outWidth;
    long o = 0;
    for (long f = 0; f < channels; f++) {
        float *channel = plane + f * height * pitch;
        for (long oh = 0; oh < outHeight; oh++, o += outWidth) {
            float *top = channel + 2 * oh * pitch, *bottom = top + pitch;
            kp_scatter_pairs_positive_body(dy + o, winner + o, outWidth, top, bottom);
            // A value or two (an odd width, or the wide layout's discarded columns): a loop the
            // compiler would turn into a memset call is kept a plain one.
#pragma clang loop vectorize(disable) unroll(disable)
            for (long j = covered; j < pitch; j++) {
                top[j] = 0;
                bottom[j] = 0;
            }
        }
        if (2 * outHeight < height)
            __builtin_memset(channel + 2 * outHeight * pitch, 0, (height - 2 * outHeight) * pitch * sizeof(float));
    }
}

KP_VERSIONS(kp_scatter_plane_positive,
            (const float *dy, const uint8_t *winner, long channels, long height, long pitch, long outHeight,
             long outWidth, float *plane),
            (dy, winner, channels, height, pitch, outHeight, outWidth, plane))
