// Vector vocabulary shared by the kernels: 16-float vectors written once in portable clang
// vector syntax and compiled three times (see KP_VERSIONS), and fixed-order sums (a vector's
// lanes; whole planes, for the convolutions' bias gradients).
#ifndef KP_VECTORS_H
#define KP_VECTORS_H

#include <stdint.h>
#include <stdlib.h>
#include <math.h>

// The 16-float helpers below are always inlined, so no vector ever crosses a call and the
// ABI note clang gives for the versions compiled without AVX-512 does not apply.
#pragma clang diagnostic ignored "-Wpsabi"

typedef float kp_f16 __attribute__((ext_vector_type(16)));
typedef float kp_f8 __attribute__((ext_vector_type(8)));
typedef float kp_f4 __attribute__((ext_vector_type(4)));
typedef int32_t kp_i16 __attribute__((ext_vector_type(16)));
typedef uint8_t kp_u8x16 __attribute__((ext_vector_type(16)));

#define KP_INLINE static inline __attribute__((always_inline))

KP_INLINE kp_f16 kp_load(const float *p) { kp_f16 v; __builtin_memcpy(&v, p, sizeof v); return v; }
KP_INLINE void kp_store(float *p, kp_f16 v) { __builtin_memcpy(p, &v, sizeof v); }
/// The first `lanes` (at most 16) floats from p, zeros past them: a vector's worth at the end of
/// a row, without reading beyond it.
KP_INLINE kp_f16 kp_load_first(const float *p, long lanes) {
    if (lanes >= 16) return kp_load(p);
    float staged[16] = {0};
    for (long l = 0; l < lanes; l++) staged[l] = p[l];
    return kp_load(staged);
}
/// v's first `lanes` (at most 16) floats stored at p, nothing past them.
KP_INLINE void kp_store_first(float *p, kp_f16 v, long lanes) {
    if (lanes >= 16) {
        kp_store(p, v);
        return;
    }
    float staged[16];
    kp_store(staged, v);
    for (long l = 0; l < lanes; l++) p[l] = staged[l];
}
KP_INLINE kp_f8 kp_load8(const float *p) { kp_f8 v; __builtin_memcpy(&v, p, sizeof v); return v; }
/// The 16-float vector whose lanes 0–7 are `low`'s and 8–15 `high`'s.
KP_INLINE kp_f16 kp_join8(kp_f8 low, kp_f8 high) {
    return __builtin_shufflevector(low, high, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
}
KP_INLINE kp_f16 kp_fma(kp_f16 a, kp_f16 b, kp_f16 c) { return __builtin_elementwise_fma(a, b, c); }
/// Σ of the 16 lanes as a fixed tree: halves, quarters, eighths, then the last pair.
KP_INLINE float kp_sum(kp_f16 v) {
    kp_f8 h = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7)
            + __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
    kp_f4 q = __builtin_shufflevector(h, h, 0, 1, 2, 3) + __builtin_shufflevector(h, h, 4, 5, 6, 7);
    return (q[0] + q[2]) + (q[1] + q[3]);
}

/// The rest of a convolution's bias-gradient order (`kp_add_plane_sums`): `lanes[p]` holds
/// plane p's 16 lane sums over its whole blocks before `from` (a multiple of 16); adds the
/// remaining whole blocks of planes[p·pitch ..< p·pitch + count], then sums[p] += the lanes
/// added in order from −0, then the tail in order. For `group` planes side by side.
KP_INLINE void kp_finish_plane_sums(kp_f16 *lanes, const float *planes, long from, long count, long pitch,
                                    float *sums, const int group) {
    long i = from;
    for (; i + 16 <= count; i += 16)
        for (int p = 0; p < group; p++) lanes[p] += kp_load(planes + p * pitch + i);
    for (int p = 0; p < group; p++) {
        float total = -0.0f;
        for (int l = 0; l < 16; l++) total += lanes[p][l];
        for (long r = i; r < count; r++) total += planes[p * pitch + r];
        sums[p] += total;
    }
}

/// Whether tiles of 8 rows cover `rows` with no more rows computed than tiles of 6 (where they
/// do, each value loaded from the other operand feeds 8 FMAs rather than 6): AVX-512 kernels
/// whose 32 registers hold either tile take 8 rows then.
KP_INLINE int kp_eight_row_tiles(long rows) { return (rows + 7) / 8 * 8 <= (rows + 5) / 6 * 6; }

/// The first `rows` of a product's (or a block's) rows taken by tiles of `mr` rows; the rest
/// by tiles of KP_NARROW_ROWS when `narrow` (the AVX2 and portable versions' 6-row tiles). A
/// 6-row tile costs the same whether its rows are all real or partly zeros, and a 4-row tile
/// two thirds of it (8 FMA chains, still enough to cover the FMA latency on two pipes): so 1–4
/// rows left over take one 4-row tile, and 2 left over take two, 8 rows in two tiles rather
/// than 6 + 2 in two 6-row ones (32 rows: 5 tiles of 6 and one for 2 cost 36 rows' time; 4 of
/// 6 and 2 of 4, 32). Each output is the same chain whichever tile computes it. Measured alone
/// on Zen 3 (AVX2, 1 thread): the products of cnn-large's third convolution (32 filters) 1.12–
/// 1.15× faster, cnn-small's last (16) 1.16×, nouri's second and cnn-large's fourth (64) 1.05–
/// 1.06×, the MLP's first weight gradient (256 rows) 1.06×.
enum { KP_NARROW_ROWS = 4 };
KP_INLINE long kp_wide_tile_rows(long rows, const int mr, const int narrow) {
    if (!narrow) return rows;
    const long left = rows % mr;
    if (left == 0 || left > KP_NARROW_ROWS) return rows;
    if (left == 2 && rows >= 2 * KP_NARROW_ROWS) return rows - 2 * KP_NARROW_ROWS;
    return rows - left;
}

/// The rows of the tile that takes row `row`, given `wideRows` (`kp_wide_tile_rows`).
KP_INLINE int kp_tile_rows_at(long row, long wideRows, const int mr) { return row < wideRows ? mr : KP_NARROW_ROWS; }

/// A thread's scratch buffer of at least `count` floats, 64-byte aligned, kept for the next call
/// (`buffer` and `size` are the caller's `__thread` variables): grown, never shrunk.
KP_INLINE float *kp_scratch(float **buffer, long *size, long count) {
    if (*size < count) {
        free(*buffer);
        *buffer = aligned_alloc(64, ((count * sizeof(float) + 63) / 64) * 64);
        *size = *buffer ? count : 0;
        if (!*buffer) abort();
    }
    return *buffer;
}

// Level 2 and 1 versions exist on x86-64 only; elsewhere the portable version is the one.
#if defined(__x86_64__)
#define KP_HAS_X86_VERSIONS 1
#define KP_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")))
#define KP_AVX2 __attribute__((target("avx2,fma")))
#else
#define KP_HAS_X86_VERSIONS 0
#endif

/// The level every kernel dispatches on (Dispatch.c).
extern int kp_level;

/// to[j·toStride + i] = from[i·fromStride + j] for i < rows, j < columns (Gemm.c).
void kp_copy_transposed(const float *from, long fromStride, long rows, long columns, float *to, long toStride);

/// Defines NAME_avx512, NAME_avx2 and NAME_portable, each calling the always-inline
/// NAME_body with the same arguments, and the public NAME that picks one by `kp_level`.
#define KP_VERSIONS(name, parameters, arguments) \
    KP_VERSIONS_CALLING(name, parameters, arguments, name##_body arguments, name##_body arguments, name##_body arguments)

#define KP_UNPARENTHESIZED(...) __VA_ARGS__
/// `KP_VERSIONS` for a body that takes first the vector registers its version has, so that it
/// keeps as many accumulators in flight as they hold: 32 on AVX-512, 16 on AVX2 and in portable
/// C (x86-64's 16 SSE registers), where a 16-float vector takes two registers or four.
#define KP_VERSIONS_BY_REGISTERS(name, parameters, arguments)                                              \
    KP_VERSIONS_CALLING(name, parameters, arguments, name##_body(32, KP_UNPARENTHESIZED arguments),       \
                        name##_body(16, KP_UNPARENTHESIZED arguments), name##_body(16, KP_UNPARENTHESIZED arguments))

/// The three versions running the given calls, and the public NAME that picks one by `kp_level`.
#if KP_HAS_X86_VERSIONS
#define KP_VERSIONS_CALLING(name, parameters, arguments, avx512, avx2, portable) \
    KP_AVX512 static void name##_avx512 parameters { avx512; }                   \
    KP_AVX2 static void name##_avx2 parameters { avx2; }                         \
    static void name##_portable parameters { portable; }                         \
    void name parameters {                                                       \
        switch (__atomic_load_n(&kp_level, __ATOMIC_RELAXED)) {                 \
        case 2: name##_avx512 arguments; return;                                 \
        case 1: name##_avx2 arguments; return;                                   \
        default: name##_portable arguments; return;                              \
        }                                                                        \
    }
#else
#define KP_VERSIONS_CALLING(name, parameters, arguments, avx512, avx2, portable) \
    void name parameters { portable; }
#endif

#endif
