// The engine's matrix product, C (+)= op(A)·op(B), whose every output is one FMA chain over k
// in order: c = fma(a[i][0], b[0][j], c0), then k = 1, 2, … (c0 = 0, or C's value when
// accumulating). FMA rounds once, so that chain has one exact result, and any blocking,
// vector width, tile shape or thread split that keeps each chain whole computes the same bits:
// the product no longer depends on OpenBLAS's per-CPU kernel or on who calls it.
//
// Structure (after Goto and BLIS): op(B) is packed in blocks of KC×NC into panels of 16
// columns stored k-major, op(A) in blocks of MC×KC into panels of 6 rows stored k-major, and a
// microkernel multiplies one A panel by one (AVX-512: two) B panels, its 6×16 (6×32) tile of C
// held in registers across the KC steps. The chain crosses KC blocks through C itself: a
// float stored and loaded back is the same float, so blocking in k changes nothing.
//
// When op(B) has fewer than 16 columns and op(A) more rows, the product is computed as
// Cᵀ = op(B)ᵀ·op(A)ᵀ (so the long side fills the vector lanes) and stored transposed: the same
// chains, in half the time for a convolution's weight gradient with 9 taps.
#include <stdlib.h>
#include "CKernels.h"
#include "Vectors.h"

/// Tile rows and columns; the depth of a packed block (its B panel, 16 KB, stays in L1 while
/// A's panels stream past it), the rows of a packed A block (144 KB, in L2), the columns of a
/// packed B block. Measured on AVX2 (2 × 256-bit FMA): KC 256–384 with MC 96–144 alike.
enum { KP_MR = 6, KP_NR = 16, KP_KC = 256, KP_MC = 144, KP_NC = 4096 };

/// Where a product's operands live; `transposed` means the matrix is stored as its transpose.
typedef struct {
    const float *values;
    long stride;
    int transposed;
} kp_operand;

/// Packs rows [row0, row0 + rows) × columns [k0, k0 + depth) of op(A) into panels of KP_MR
/// rows, each depth×KP_MR (k-major); rows past the end are zero.
static void kp_pack_a(kp_operand a, long row0, long rows, long k0, long depth, float *packed) {
    for (long panel = 0; panel < rows; panel += KP_MR) {
        const long valid = rows - panel < KP_MR ? rows - panel : KP_MR;
        float *out = packed + panel * depth;
        if (!a.transposed) {
            for (long r = 0; r < KP_MR; r++) {
                if (r < valid) {
                    const float *row = a.values + (row0 + panel + r) * a.stride + k0;
                    for (long p = 0; p < depth; p++) out[p * KP_MR + r] = row[p];
                } else {
                    for (long p = 0; p < depth; p++) out[p * KP_MR + r] = 0;
                }
            }
        } else {
            for (long p = 0; p < depth; p++) {
                const float *column = a.values + (k0 + p) * a.stride + row0 + panel;
                for (long r = 0; r < KP_MR; r++) out[p * KP_MR + r] = r < valid ? column[r] : 0;
            }
        }
    }
}

/// Packs rows [k0, k0 + depth) × columns [column0, column0 + columns) of op(B) into panels of
/// KP_NR columns, each depth×KP_NR (k-major); columns past the end are zero.
static void kp_pack_b(kp_operand b, long k0, long depth, long column0, long columns, float *packed) {
    for (long panel = 0; panel < columns; panel += KP_NR) {
        const long valid = columns - panel < KP_NR ? columns - panel : KP_NR;
        float *out = packed + panel * depth;
        if (!b.transposed) {
            for (long p = 0; p < depth; p++) {
                const float *row = b.values + (k0 + p) * b.stride + column0 + panel;
                if (valid == KP_NR) {
                    __builtin_memcpy(out + p * KP_NR, row, KP_NR * sizeof(float));
                } else {
                    for (long j = 0; j < KP_NR; j++) out[p * KP_NR + j] = j < valid ? row[j] : 0;
                }
            }
        } else {
            for (long j = 0; j < KP_NR; j++) {
                if (j < valid) {
                    const float *column = b.values + (column0 + panel + j) * b.stride + k0;
                    for (long p = 0; p < depth; p++) out[p * KP_NR + j] = column[p];
                } else {
                    for (long p = 0; p < depth; p++) out[p * KP_NR + j] = 0;
                }
            }
        }
    }
}

/// Where a tile of C goes: row-major with `stride`, or stored transposed (the Cᵀ case).
typedef struct {
    float *values;
    long stride;
    int transposed;
} kp_output;

KP_INLINE float *kp_output_at(kp_output c, long row, long column) {
    return c.transposed ? c.values + column * c.stride + row : c.values + row * c.stride + column;
}

/// The microkernel: a KP_MR × 16·`width` tile, `width` = 1 or 2 B panels `panelPitch` apart,
/// each output one FMA chain over the `depth` packed steps, started from C's values when
/// `resume`, from zero otherwise. Tiles wholly inside a row-major C are loaded and stored in
/// place; the others go through a staging tile and only their `rows`×`columns` are kept.
KP_INLINE void kp_tile(const float *packedA, const float *packedB, long panelPitch, long depth,
                       kp_output c, long row0, long column0, long rows, long columns, int resume,
                       const int width) {
    kp_f16 sums[KP_MR][2];
    const int direct = !c.transposed && rows == KP_MR && columns == 16 * width;
    float staged[KP_MR][32];
    if (direct && resume)
        for (int r = 0; r < KP_MR; r++) __builtin_prefetch(kp_output_at(c, row0 + r, column0), 1);
    if (resume) {
        if (direct) {
            for (int r = 0; r < KP_MR; r++)
                for (int v = 0; v < width; v++) sums[r][v] = kp_load(kp_output_at(c, row0 + r, column0 + 16 * v));
        } else {
            for (int r = 0; r < KP_MR; r++)
                for (int j = 0; j < 16 * width; j++)
                    staged[r][j] = r < rows && j < columns ? *kp_output_at(c, row0 + r, column0 + j) : 0;
            for (int r = 0; r < KP_MR; r++)
                for (int v = 0; v < width; v++) sums[r][v] = kp_load(&staged[r][16 * v]);
        }
    } else {
        for (int r = 0; r < KP_MR; r++)
            for (int v = 0; v < width; v++) sums[r][v] = 0;
    }
#pragma clang loop unroll_count(4)
    for (long p = 0; p < depth; p++) {
        kp_f16 b[2];
        for (int v = 0; v < width; v++) b[v] = kp_load(packedB + v * panelPitch + p * KP_NR);
        for (int r = 0; r < KP_MR; r++) {
            const kp_f16 a = packedA[p * KP_MR + r];
            for (int v = 0; v < width; v++) sums[r][v] = kp_fma(a, b[v], sums[r][v]);
        }
    }
    if (direct) {
        for (int r = 0; r < KP_MR; r++)
            for (int v = 0; v < width; v++) kp_store(kp_output_at(c, row0 + r, column0 + 16 * v), sums[r][v]);
        return;
    }
    for (int r = 0; r < KP_MR; r++)
        for (int v = 0; v < width; v++) kp_store(&staged[r][16 * v], sums[r][v]);
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < columns; j++) *kp_output_at(c, row0 + r, column0 + j) = staged[r][j];
}

/// Packing buffers, one pair per thread, grown to the largest block a thread has used.
static __thread float *kp_packed_a, *kp_packed_b;
static __thread long kp_packed_a_size, kp_packed_b_size;

static float *kp_buffer(float **buffer, long *size, long needed) {
    if (*size < needed) {
        free(*buffer);
        *buffer = aligned_alloc(64, ((needed * sizeof(float) + 63) / 64) * 64);
        *size = *buffer ? needed : 0;
        if (!*buffer) abort();
    }
    return *buffer;
}

/// The blocked product (see the file's comment); `pairs` = 1 when the microkernel takes two
/// B panels at once (the AVX-512 version, whose 32 registers hold a 6×32 tile).
KP_INLINE void kp_gemm_body(kp_operand a, kp_operand b, long m, long n, long k, kp_output c,
                            int accumulate, const int pairs) {
    const long ncBlock = n < KP_NC ? (n + KP_NR - 1) / KP_NR * KP_NR : KP_NC;
    const long kcBlock = k < KP_KC ? k : KP_KC;
    const long mcBlock = m < KP_MC ? (m + KP_MR - 1) / KP_MR * KP_MR : KP_MC;
    float *packedB = kp_buffer(&kp_packed_b, &kp_packed_b_size, kcBlock * ncBlock);
    float *packedA = kp_buffer(&kp_packed_a, &kp_packed_a_size, kcBlock * mcBlock);
    for (long j0 = 0; j0 < n; j0 += KP_NC) {
        const long columns = n - j0 < KP_NC ? n - j0 : KP_NC;
        for (long k0 = 0; k0 < k; k0 += KP_KC) {
            const long depth = k - k0 < KP_KC ? k - k0 : KP_KC;
            const int resume = accumulate || k0 > 0;
            kp_pack_b(b, k0, depth, j0, columns, packedB);
            for (long i0 = 0; i0 < m; i0 += KP_MC) {
                const long rows = m - i0 < KP_MC ? m - i0 : KP_MC;
                kp_pack_a(a, i0, rows, k0, depth, packedA);
                long jr = 0;
                if (pairs) {
                    for (; jr + 32 <= columns; jr += 32)
                        for (long ir = 0; ir < rows; ir += KP_MR)
                            kp_tile(packedA + ir * depth, packedB + jr * depth, KP_NR * depth, depth, c,
                                    i0 + ir, j0 + jr, rows - ir < KP_MR ? rows - ir : KP_MR, 32, resume, 2);
                }
                for (; jr < columns; jr += KP_NR) {
                    const long valid = columns - jr < KP_NR ? columns - jr : KP_NR;
                    for (long ir = 0; ir < rows; ir += KP_MR)
                        kp_tile(packedA + ir * depth, packedB + jr * depth, 0, depth, c,
                                i0 + ir, j0 + jr, rows - ir < KP_MR ? rows - ir : KP_MR, valid, resume, 1);
                }
            }
        }
    }
}

#if KP_HAS_X86_VERSIONS
KP_AVX512 static void kp_gemm_avx512(kp_operand a, kp_operand b, long m, long n, long k, kp_output c,
                                     int accumulate) {
    kp_gemm_body(a, b, m, n, k, c, accumulate, 1);
}
KP_AVX2 static void kp_gemm_avx2(kp_operand a, kp_operand b, long m, long n, long k, kp_output c,
                                 int accumulate) {
    kp_gemm_body(a, b, m, n, k, c, accumulate, 0);
}
#endif
static void kp_gemm_portable(kp_operand a, kp_operand b, long m, long n, long k, kp_output c, int accumulate) {
    kp_gemm_body(a, b, m, n, k, c, accumulate, 0);
}

/// The share of vector lanes and tile rows a product of this shape fills.
static double kp_fill(long rows, long columns) {
    return (double)rows / ((rows + KP_MR - 1) / KP_MR * KP_MR)
         * (double)columns / ((columns + KP_NR - 1) / KP_NR * KP_NR);
}

void kp_gemm(int transposeA, int transposeB, long m, long n, long k,
             const float *a, long lda, const float *b, long ldb, int accumulate, float *c, long ldc) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) {
        if (!accumulate)
            for (long i = 0; i < m; i++) __builtin_memset(c + i * ldc, 0, n * sizeof(float));
        return;
    }
    kp_operand left = {a, lda, transposeA}, right = {b, ldb, transposeB};
    kp_output out = {c, ldc, 0};
    if (kp_fill(n, m) > kp_fill(m, n)) {
        // Cᵀ = op(B)ᵀ·op(A)ᵀ: op(B)ᵀ is B read with the opposite transposition, likewise A.
        kp_operand swappedLeft = {b, ldb, !transposeB}, swappedRight = {a, lda, !transposeA};
        left = swappedLeft;
        right = swappedRight;
        out.transposed = 1;
        const long rows = m;
        m = n;
        n = rows;
    }
#if KP_HAS_X86_VERSIONS
    switch (__atomic_load_n(&kp_level, __ATOMIC_RELAXED)) {
    case 2: kp_gemm_avx512(left, right, m, n, k, out, accumulate); return;
    case 1: kp_gemm_avx2(left, right, m, n, k, out, accumulate); return;
    default: break;
    }
#endif
    kp_gemm_portable(left, right, m, n, k, out, accumulate);
}
