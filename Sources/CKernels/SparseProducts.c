// A product C = op(A)·B over A's values other than ±0 only: a dense layer's gradients behind a
// ReLU and dropout, dW = dYᵀ·X and dX = dY·W, where dY is zero wherever the ReLU blocked a unit
// or dropout dropped it (three values in four behind the MLP's first layer), so that the dense
// product spends most of its FMAs on zeros.
//
// The same bits as `kp_gemm(transposeA, 0, m, n, k, a, lda, b, ldb, 0, c, ldc)`, by the argument
// of SparseTapGradients.c: each output there is one FMA chain over k in order from +0; a term
// whose A value is ±0, times a finite B value, is ±0, and adding ±0 leaves a sum that is not −0
// unchanged. So the kernel drops those terms and keeps every other in its order. B must be
// finite (0 · ∞ is NaN): each block of B is checked before it is used, and the kernel declines
// on the first that is not. NaN in A is kept, like any nonzero value.
//
// A chain from +0 does reach −0 where a kept term's product underflows (a negative product under
// 2⁻¹⁵⁰ in magnitude, rounded to −0, added to +0); a dropped term with a +0 product would then
// turn the dense chain's −0 into +0 where this one keeps −0. The two chains differ only so: once
// apart, the dense one is +0 and this one −0 (a kept term's nonzero product gives both the same
// value, its zero product keeps them as they are or both +0, a dropped term leaves +0 as it is).
// So a result other than −0 is the dense one's, and the kernel declines where any result is −0
// (checked in registers as each is stored; such a product needs factors near the smallest
// normal floats, 2⁻¹²⁶, which gradients and activations do not come near).
//
// Structure: each row of op(A) is turned into a list of its nonzero values and their depths.
// Then, for each block of 16·V columns of C (V vectors, held in registers), for each block of
// depths whose rows of B (16·V columns of them) fill about 26 KB: those rows are packed side by
// side (checked finite on the way; in place they lie a whole row of B apart, 36 KB for the
// MLP's first layer, and L1 would keep only 8 of them), and every row of C passes over them, its
// sums advanced over its list's entries in that depth block, the vectors of B's row
// broadcast-multiplied by the entry's value. One load of B per FMA; a row's sums cross depth
// blocks through C, which changes no bit (a float stored and loaded back is the same float).
//
// Measured alone on Zen 3 (AVX2, 1 thread, against `kp_gemm`): the MLP's first layer's weight
// gradient (256×9216×100) with a quarter of dY kept 5.5 → 2.5 ms (2.2×); nouri's first dense
// layer's (500×15488×128) 1.5× with 30% kept and 1.17× with 49%. About 6.5 cycles per kept value
// (8 FMAs of 8 floats, 10 loads), 30 per row of C and block.
#include "CKernels.h"
#include "Vectors.h"
#include "SparseValues.h"

/// Each thread's scratch, grown to the largest call's.
static __thread float *kp_product_rows, *kp_product_values, *kp_product_packed;
static __thread long kp_product_rows_size, kp_product_values_size, kp_product_packed_size;
static __thread int32_t *kp_product_depths, *kp_product_bounds;
static __thread long kp_product_depths_size, kp_product_bounds_size;

/// The kernel takes a product when at most half of op(A)'s values are kept: alone (above), 500-wide
/// dense layers' products (500×500×128) still ran 1.04–1.07× faster with 49% kept.
KP_INLINE int kp_sparse_product_takes(long entries, long m, long k) { return 2 * entries <= m * k; }

/// Each row r of A's (m×k, row-major, `lda` apart) nonzero values, in order of depth: entries
/// [r·k, r·k + found) of `depths` and `values`; `bounds[r·(blocks + 1) + j]` is the first entry
/// of depth block j (depths from j·`block`), `bounds[r·(blocks + 1) + blocks]` the end;
/// *entries = how many values were kept in all.
KP_INLINE void kp_sparse_lists_body(const float *a, long lda, long m, long k, long block, long blocks, int32_t *depths,
                                    float *values, int32_t *bounds, long *entries) {
    long total = 0;
    for (long r = 0; r < m; r++) {
        const long first = r * k, found = kp_nonzero_positions(a + r * lda, k, depths + first, values + first);
        int32_t *rowBounds = bounds + r * (blocks + 1);
        long e = first;
        for (long j = 0; j < blocks; j++) {
            rowBounds[j] = (int32_t)e;
            while (e < first + found && depths[e] < (j + 1) * block) e++;
        }
        rowBounds[blocks] = (int32_t)(first + found);
        total += found;
    }
    *entries = total;
}

KP_VERSIONS(kp_sparse_lists,
            (const float *a, long lda, long m, long k, long block, long blocks, int32_t *depths, float *values,
             int32_t *bounds, long *entries),
            (a, lda, m, k, block, blocks, depths, values, bounds, entries))

/// Rows [from, to) of B's `vectors` 16-column vectors from column 0 (the last one's first
/// `lanes` columns only, zeros past them) copied side by side into `packed` (16·vectors floats a
/// row): B's rows lie a whole row of the product apart (36 KB for the MLP's first layer), where
/// L1 would hold only 8 of them. Returns whether they are all finite.
KP_INLINE int kp_pack_finite(const float *b, long ldb, long from, long to, long vectors, int lanes, float *packed) {
    kp_i16 bad = 0;
    for (long kk = from; kk < to; kk++) {
        const float *in = b + kk * ldb;
        float *out = packed + (kk - from) * 16 * vectors;
        for (long v = 0; v < vectors; v++) {
            const kp_f16 value = kp_load_first(in + 16 * v, v < vectors - 1 ? 16 : lanes);
            bad |= kp_not_finite_lanes(value);
            kp_store(out + 16 * v, value);
        }
    }
    return !kp_any_lane(bad);
}

/// One block of `vectors` 16-column vectors of C over depth block j, whose rows of B (from depth
/// `from`) are packed 16·vectors floats apart: each row's sums, from +0 at the first depth block
/// or else from C, advanced over its entries in the block, stored back. With `lanes` < 16 the
/// last vector's first `lanes` columns only are C's (the lanes past them stay +0). At the last
/// depth block, the lanes that hold −0 are or-ed into `negativeZeros`.
KP_INLINE void kp_sparse_block(const float *packed, long from, long m, const int32_t *depths, const float *values,
                               const int32_t *bounds, long blocks, long j, float *c, long ldc, const int vectors,
                               int lanes, kp_i16 *negativeZeros) {
    const int last = j == blocks - 1;
    kp_i16 found = 0;
    for (long r = 0; r < m; r++) {
        float *out = c + r * ldc;
        kp_f16 acc[8];
        for (int v = 0; v < vectors; v++) acc[v] = j == 0 ? 0 : kp_load_first(out + 16 * v, v < vectors - 1 ? 16 : lanes);
        const int32_t *rowBounds = bounds + r * (blocks + 1);
        for (int32_t e = rowBounds[j]; e < rowBounds[j + 1]; e++) {
            const kp_f16 g = values[e];
            const float *row = packed + (depths[e] - from) * 16 * vectors;
            for (int v = 0; v < vectors; v++) acc[v] = kp_fma(g, kp_load(row + 16 * v), acc[v]);
        }
        for (int v = 0; v < vectors; v++) {
            if (last) found |= kp_negative_zero_lanes(acc[v]);
            kp_store_first(out + 16 * v, acc[v], v < vectors - 1 ? 16 : lanes);
        }
    }
    *negativeZeros |= found;
}

/// `kp_sparse_block` with `vectors` (1 to 8) a constant, so that its sums stay in registers.
KP_INLINE void kp_sparse_block_of(const float *packed, long from, long m, const int32_t *depths, const float *values,
                                  const int32_t *bounds, long blocks, long j, float *c, long ldc, long vectors,
                                  int lanes, kp_i16 *negativeZeros) {
#define KP_BLOCK(n)                                                                               \
    case n:                                                                                       \
        kp_sparse_block(packed, from, m, depths, values, bounds, blocks, j, c, ldc, n, lanes, negativeZeros); \
        break;
    switch (vectors) { KP_BLOCK(1) KP_BLOCK(2) KP_BLOCK(3) KP_BLOCK(4) KP_BLOCK(5) KP_BLOCK(6) KP_BLOCK(7) KP_BLOCK(8) }
#undef KP_BLOCK
}

/// The vectors of C's columns one block takes: 8 with AVX-512's 32 registers, 4 with 16 (where a
/// vector takes two registers or four): 8 chains in flight either way on AVX2, 8 or 16 on AVX-512.
KP_INLINE long kp_sparse_block_vectors(const int registers) { return registers >= 32 ? 8 : 4; }

/// The depth block for `vectors` vectors of columns: B's rows in it fill about 26 KB of L1,
/// in near-equal blocks.
KP_INLINE long kp_sparse_depth_block(long k, long vectors) {
    const long most = 26 * 1024 / (16 * vectors * (long)sizeof(float)), blocks = (k + most - 1) / most;
    return (k + blocks - 1) / blocks;
}

/// C's n columns, block by block of columns, each depth block by depth block (B's rows packed
/// into `packed`); *exact = 0, stopping, at the first block of B that is not finite, or at the
/// end where a result is −0.
KP_INLINE void kp_sparse_columns_body(const int registers, const float *b, long ldb, long m, long n, long k,
                                      long block, long blocks, const int32_t *depths, const float *values,
                                      const int32_t *bounds, float *packed, float *c, long ldc, int *exact) {
    const long most = kp_sparse_block_vectors(registers), all = (n + 15) / 16;
    kp_i16 negativeZeros = 0;
    *exact = 0;
    for (long first = 0; first < all; first += most) {
        const long vectors = all - first < most ? all - first : most;
        const int lanes = first + vectors == all && n % 16 ? (int)(n % 16) : 16;
        for (long j = 0; j < blocks; j++) {
            const long from = j * block, to = from + block < k ? from + block : k;
            if (!kp_pack_finite(b + 16 * first, ldb, from, to, vectors, lanes, packed)) return;
            kp_sparse_block_of(packed, from, m, depths, values, bounds, blocks, j, c + 16 * first, ldc, vectors, lanes,
                               &negativeZeros);
        }
    }
    *exact = !kp_any_lane(negativeZeros);
}

#define KP_COLUMNS_ARGUMENTS b, ldb, m, n, k, block, blocks, depths, values, bounds, packed, c, ldc, exact
KP_VERSIONS_CALLING(kp_sparse_columns,
                    (const float *b, long ldb, long m, long n, long k, long block, long blocks,
                     const int32_t *depths, const float *values, const int32_t *bounds, float *packed, float *c,
                     long ldc, int *exact),
                    (KP_COLUMNS_ARGUMENTS), kp_sparse_columns_body(32, KP_COLUMNS_ARGUMENTS),
                    kp_sparse_columns_body(kp_sparse_avx2_registers(), KP_COLUMNS_ARGUMENTS),
                    kp_sparse_columns_body(16, KP_COLUMNS_ARGUMENTS))

int kp_gemm_sparse_a(int transposeA, long m, long n, long k, const float *a, long lda, const float *b, long ldb,
                     float *c, long ldc) {
    if (m <= 0 || n <= 0 || k <= 0 || m * k > INT32_MAX) return 0;  // entries are numbered in 32 bits
    // op(A) row-major: Aᵀ (k×m as stored) transposed into scratch.
    const float *rows = a;
    long rowPitch = lda;
    if (transposeA) {
        float *transposed = kp_scratch(&kp_product_rows, &kp_product_rows_size, m * k);
        kp_copy_transposed(a, lda, k, m, transposed, k);
        rows = transposed;
        rowPitch = k;
    }
    const int level = kp_kernel_level(), registers = level == 2 ? 32 : level == 1 ? kp_sparse_avx2_registers() : 16;
    const long block = kp_sparse_depth_block(k, kp_sparse_block_vectors(registers));
    const long blocks = (k + block - 1) / block;
    int32_t *depths = kp_int_scratch(&kp_product_depths, &kp_product_depths_size, m * k);
    float *values = kp_scratch(&kp_product_values, &kp_product_values_size, m * k);
    int32_t *bounds = kp_int_scratch(&kp_product_bounds, &kp_product_bounds_size, m * (blocks + 1));
    long entries;
    kp_sparse_lists(rows, rowPitch, m, k, block, blocks, depths, values, bounds, &entries);
    if (!kp_sparse_product_takes(entries, m, k)) return 0;
    float *packed = kp_scratch(&kp_product_packed, &kp_product_packed_size,
                               block * 16 * kp_sparse_block_vectors(registers));
    int exact;
    kp_sparse_columns(b, ldb, m, n, k, block, blocks, depths, values, bounds, packed, c, ldc, &exact);
    return exact;
}
