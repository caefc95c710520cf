// The engine's matrix product, C (+)= op(A)·op(B), whose every output is one FMA chain over k
// in order: c = fma(a[i][0], b[0][j], c0), then k = 1, 2, … (c0 = 0, or C's value when
// accumulating). FMA rounds once, so that chain has one exact result, and any blocking,
// vector width, tile shape or thread split that keeps each chain whole computes the same bits:
// the product no longer depends on OpenBLAS's per-CPU kernel or on who calls it.
//
// Structure (after Goto and BLIS): op(B) is packed in blocks of KC×NC into panels of 16
// columns stored k-major, op(A) in blocks of MC×KC into panels of 6 rows (AVX-512: 6 or 8)
// stored k-major, and a microkernel multiplies one A panel by one B panel (AVX-512: up to four),
// its 6×16 tile of C (AVX-512: 6×64 or 8×48, then 6×32 or 8×32 for the columns left) held in
// registers across the KC steps. The chain crosses KC blocks through C itself: a float stored
// and loaded back is the same float, so blocking in k changes nothing.
//
// When op(B) has fewer than 32 columns and the product fills more lanes the other way round, it
// is computed as Cᵀ = op(B)ᵀ·op(A)ᵀ (so the long side fills the vector lanes) and stored
// transposed: the same chains, in half the time for a convolution's weight gradient with 9
// taps, 1.5× faster for cnn-large's last convolution (19 positions a sample) on AVX-512. Only
// then: a transposed store writes each value to another row of C, which costs more than a
// partly empty tile once C's rows are long (measured: 0.6× on the MLP's dense layers). A deep
// A·Bᵀ with fewer rows than columns is computed as Cᵀ too, into a scratch copied back, so that
// fewer rows are packed (`kp_swaps_for_fewer_packed`).
#include "CKernels.h"
#include "Vectors.h"

/// A tile's columns (its rows are the version's: see `kp_gemm_version`); the depth of a packed
/// block (its B panel, 16 KB, stays in L1 while A's panels stream past it), the rows of a packed
/// A block (144 KB, in L2), the most columns of a packed B block (see `kp_block_columns`).
/// Measured on AVX2 (2 × 256-bit FMA): KC 256–384 with MC 96–144 alike; NC 2048 against 4096
/// 1.3× faster on a dense layer's 128×15488×500 product.
enum { KP_NR = 16, KP_KC = 256, KP_MC = 144, KP_NC = 2048 };
/// An untransposed B up to this depth is read in place rather than packed (see `kp_gemm_body`);
/// one up to KP_KC deep too when all its rows lie within KP_IN_PLACE_SPAN bytes.
enum { KP_IN_PLACE_DEPTH = 64, KP_IN_PLACE_SPAN = 512 * 1024 };
/// Products with fewer columns than this may be computed as Cᵀ (see the top).
enum { KP_SWAP_COLUMNS = 32 };
/// The largest B block, in bytes, taken one row panel of A at a time (see `kp_gemm_body`):
/// it stays in L2 (1 MB per core on the machines measured) while the row panels pass.
enum { KP_SHALLOW_BLOCK = 896 * 1024 };
/// The most B panels one tile takes (see `kp_wide_tile`), and the largest shallow block taken
/// one row panel at a time that still takes such tiles (see `kp_block_takes_wide_tiles`).
enum { KP_WIDEST_TILE = 4, KP_WIDE_TILE_BLOCK = 512 * 1024 };

/// The B panels of the AVX-512 version's widest tile for `mr` rows: 24 accumulators either way
/// (6×64 or 8×48), with the B vectors and A's broadcast value 28–29 of the 32 registers. Each
/// step then loads 10 or 11 values for 24 FMAs, where a 6×32 or 8×32 tile loads 8 or 10 for
/// 12 or 16. Measured alone on Zen 4 (1 thread, alternated in both orders, against 6×32 / 8×32
/// tiles): nouri's second convolution's forward 1.08×, cnn-large's third's 1.05–1.07×, the
/// MLP's first dense layer's forward 1.03–1.04×, nouri's first dense layer's 1.02–1.035×,
/// 512-wide dense layers' products 1.00–1.08×, the convolutions' weight gradients 1.01–1.03×;
/// the same bits (each output is the same chain whatever tile computes it).
KP_INLINE int kp_wide_tile(const int mr) { return mr == 6 ? 4 : 3; }

/// Whether a block takes the widest tiles: not when a shallow packed block over
/// KP_WIDE_TILE_BLOCK streams from L2 one row panel at a time (nouri's first dense layer's
/// weight gradient, 500×15488×128, 896 KB blocks: 0.96–0.98× with them; the MLP's, 100 deep,
/// the same as without; blocks of at most 512 KB throughout, so that more took them, gained
/// nothing).
KP_INLINE int kp_block_takes_wide_tiles(long depth, long columns, int rowPanelAtATime) {
    return !rowPanelAtATime || depth * columns * (long)sizeof(float) <= KP_WIDE_TILE_BLOCK;
}

/// The columns of a packed B block for a product of depth k: KP_NC, or fewer so that a block
/// of KP_KC (or k) rows stays within KP_SHALLOW_BLOCK and runs one row panel at a time from L2
/// (nouri's second convolution, 128 deep: 2048 columns made a 1 MB block, which ran column
/// panel by column panel at 70% of peak; 1792 columns, 75–76%; nouri's first dense layer's
/// backward, 500 and 128 deep, 1.2× faster in a training step). A function of k alone, so a
/// whole prepacked B (`kp_gemm_pack_b_whole`) and the product that reads it agree.
KP_INLINE long kp_block_columns(long k) {
    const long depth = k < KP_KC ? k : KP_KC;
    const long fit = KP_SHALLOW_BLOCK / ((long)sizeof(float) * depth) / (2 * KP_NR) * (2 * KP_NR);
    return fit < KP_NC ? (fit < 8 * KP_NR ? 8 * KP_NR : fit) : KP_NC;
}

/// Where a product's operands live; `transposed` means the matrix is stored as its transpose.
/// Stored row r starts at `values + rowOffsets[r]` when the operand has a table of offsets (a
/// convolution's taps and channels as rows of one product), else `r·stride` on.
typedef struct {
    const float *values;
    long stride;
    int transposed;
    const long *rowOffsets;
} kp_operand;

/// Where stored row r of an operand starts.
KP_INLINE const float *kp_row(kp_operand x, long r) {
    return x.values + (x.rowOffsets ? x.rowOffsets[r] : r * x.stride);
}

/// The 8×8 transpose of `rows` into `columns` (columns[i][r] = rows[r][i]), in three rounds
/// of shuffles: packing is a copy, so any instruction set gives the same values.
KP_INLINE void kp_transpose8(const kp_f8 rows[8], kp_f8 columns[8]) {
    kp_f8 t[8], u[8];
    for (int i = 0; i < 8; i += 2) {
        t[i] = __builtin_shufflevector(rows[i], rows[i + 1], 0, 8, 1, 9, 4, 12, 5, 13);
        t[i + 1] = __builtin_shufflevector(rows[i], rows[i + 1], 2, 10, 3, 11, 6, 14, 7, 15);
    }
    for (int i = 0; i < 8; i += 4) {
        u[i] = __builtin_shufflevector(t[i], t[i + 2], 0, 1, 8, 9, 4, 5, 12, 13);
        u[i + 1] = __builtin_shufflevector(t[i], t[i + 2], 2, 3, 10, 11, 6, 7, 14, 15);
        u[i + 2] = __builtin_shufflevector(t[i + 1], t[i + 3], 0, 1, 8, 9, 4, 5, 12, 13);
        u[i + 3] = __builtin_shufflevector(t[i + 1], t[i + 3], 2, 3, 10, 11, 6, 7, 14, 15);
    }
    for (int i = 0; i < 4; i++) {
        columns[i] = __builtin_shufflevector(u[i], u[i + 4], 0, 1, 2, 3, 8, 9, 10, 11);
        columns[i + 4] = __builtin_shufflevector(u[i], u[i + 4], 4, 5, 6, 7, 12, 13, 14, 15);
    }
}

/// to[j·toStride + i] = rows[i][offset + j] for i, j < 8: one 8×8 block copied transposed.
KP_INLINE void kp_copy_transposed8(const float *const rows[8], long offset, float *to, long toStride) {
    kp_f8 block[8], columns[8];
    for (int i = 0; i < 8; i++) block[i] = kp_load8(rows[i] + offset);
    kp_transpose8(block, columns);
    for (int j = 0; j < 8; j++) __builtin_memcpy(to + j * toStride, &columns[j], sizeof columns[j]);
}

/// Packs rows [row0, row0 + rows) × columns [k0, k0 + depth) of op(A) into panels of `mr`
/// (≤ 8) rows, each depth×`mr` (k-major); rows past the end are zero. A whole panel of an
/// untransposed A goes 8 steps at a time through an 8×8 transpose (the scalar copy cost a
/// sixth of the MLP's training step).
KP_INLINE void kp_pack_a(kp_operand a, long row0, long rows, long k0, long depth, float *packed, const int mr) {
    for (long panel = 0; panel < rows; panel += mr) {
        const long valid = rows - panel < mr ? rows - panel : mr;
        float *out = packed + panel * depth;
        if (!a.transposed && valid == mr) {
            const float *stored[8];
            for (int r = 0; r < mr; r++) stored[r] = kp_row(a, row0 + panel + r) + k0;
            long p = 0;
            for (; p + 8 <= depth; p += 8) {
                kp_f8 block[8], columns[8];
                for (int r = 0; r < mr; r++) block[r] = kp_load8(stored[r] + p);
                for (int r = mr; r < 8; r++) block[r] = 0;
                kp_transpose8(block, columns);
                for (int i = 0; i < 8; i++) __builtin_memcpy(out + (p + i) * mr, &columns[i], mr * sizeof(float));
            }
            for (; p < depth; p++)
                for (long r = 0; r < mr; r++) out[p * mr + r] = stored[r][p];
        } else if (!a.transposed) {
            for (long r = 0; r < mr; r++) {
                if (r < valid) {
                    const float *row = kp_row(a, row0 + panel + r) + k0;
                    for (long p = 0; p < depth; p++) out[p * mr + r] = row[p];
                } else {
                    for (long p = 0; p < depth; p++) out[p * mr + r] = 0;
                }
            }
        } else {
            for (long p = 0; p < depth; p++) {
                const float *column = kp_row(a, k0 + p) + row0 + panel;
                for (long r = 0; r < mr; r++) out[p * mr + r] = r < valid ? column[r] : 0;
            }
        }
    }
}

/// Packs rows [k0, k0 + depth) × columns [column0, column0 + columns) of op(B) into panels of
/// KP_NR columns, each depth×KP_NR (k-major); columns past the end are zero. A whole panel of
/// a transposed B goes through 8×8 transposes, like A's.
KP_INLINE void kp_pack_b(kp_operand b, long k0, long depth, long column0, long columns, float *packed) {
    if (!b.transposed) {
        // 8 rows at a time across every panel, so that each row is read front to back (streams
        // the prefetcher follows) rather than 64 bytes of it per panel, rows apart (a miss per
        // 64 bytes when rows are long: nouri's first dense layer's 15488-wide input gradient).
        for (long p0 = 0; p0 < depth; p0 += 8) {
            const long p1 = p0 + 8 < depth ? p0 + 8 : depth;
            for (long panel = 0; panel < columns; panel += KP_NR) {
                const long valid = columns - panel < KP_NR ? columns - panel : KP_NR;
                float *out = packed + panel * depth;
                for (long p = p0; p < p1; p++) {
                    const float *row = kp_row(b, k0 + p) + column0 + panel;
                    if (valid == KP_NR) {
                        __builtin_memcpy(out + p * KP_NR, row, KP_NR * sizeof(float));
                    } else {
                        for (long j = 0; j < KP_NR; j++) out[p * KP_NR + j] = j < valid ? row[j] : 0;
                    }
                }
            }
        }
        return;
    }
    for (long panel = 0; panel < columns; panel += KP_NR) {
        const long valid = columns - panel < KP_NR ? columns - panel : KP_NR;
        float *out = packed + panel * depth;
        if (valid == KP_NR) {
            const float *stored[KP_NR];  // op(B)'s columns are B's stored rows
            for (int j = 0; j < KP_NR; j++) stored[j] = kp_row(b, column0 + panel + j) + k0;
            long p = 0;
            // 16 steps at a time, so that each 8 rows' cache lines (16 floats) are used whole
            // before the other 8 rows are read: where B's rows lie a multiple of 4 KB apart (the
            // MLP's weights, 36 KB), all 16 share one L1 set, and 8 steps at a time had the
            // second 8 rows evict the first 8's lines before their second use. Packing the MLP's
            // 256×9216 weights alone, alternated pairs: 1.21× (median; 0.86–1.48×) from L3,
            // 1.04× (0.85–1.17×) from memory; in the MLP's training step, within the noise.
            for (; p + 16 <= depth; p += 16)
                for (int half = 0; half < KP_NR; half += 8) {
                    kp_copy_transposed8(stored + half, p, out + p * KP_NR + half, KP_NR);
                    kp_copy_transposed8(stored + half, p + 8, out + (p + 8) * KP_NR + half, KP_NR);
                }
            for (; p + 8 <= depth; p += 8)
                for (int half = 0; half < KP_NR; half += 8) kp_copy_transposed8(stored + half, p, out + p * KP_NR + half, KP_NR);
            for (; p < depth; p++)
                for (long j = 0; j < KP_NR; j++) out[p * KP_NR + j] = stored[j][p];
        } else {
            for (long j = 0; j < KP_NR; j++) {
                if (j < valid) {
                    const float *column = kp_row(b, column0 + panel + j) + k0;
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

/// The microkernel: an `mr` × 16·`width` tile of `width` = 1 to 4 B panels, packed ones
/// `panelPitch` apart, or when `inPlaceB` (a constant) read where B lies, row p of the tile's
/// columns at `packedB + bRows[p]`; each output one FMA chain over the `depth` steps, started
/// from C's values when `resume`, from zero otherwise. A is the packed panel at `packedA`, or
/// when `inPlaceA` (a constant) its rows where they lie, `aStride` apart.
/// The `rows` rows of a tile whose columns all lie inside a row-major C are loaded and stored
/// in place (16 filters leave a 4-row tile in every column block); the others go through a
/// staging tile and only their `rows`×`columns` are kept.
KP_INLINE void kp_tile(const float *packedA, long aStride, const float *packedB, const long *bRows,
                       long panelPitch, long depth, kp_output c, long row0, long column0, long rows, long columns,
                       int resume, const int width, const int inPlaceB, const int inPlaceA, const int mr) {
    kp_f16 sums[8][KP_WIDEST_TILE];
    const int direct = !c.transposed && columns == 16 * width;
    float staged[8][16 * KP_WIDEST_TILE];
    if (resume) {
        if (direct) {
            for (int r = 0; r < mr; r++)
                for (int v = 0; v < width; v++) sums[r][v] = r < rows ? kp_load(kp_output_at(c, row0 + r, column0 + 16 * v)) : 0;
        } else {
            for (int r = 0; r < mr; r++)
                for (int j = 0; j < 16 * width; j++)
                    staged[r][j] = r < rows && j < columns ? *kp_output_at(c, row0 + r, column0 + j) : 0;
            for (int r = 0; r < mr; r++)
                for (int v = 0; v < width; v++) sums[r][v] = kp_load(&staged[r][16 * v]);
        }
    } else {
        for (int r = 0; r < mr; r++)
            for (int v = 0; v < width; v++) sums[r][v] = 0;
    }
#pragma clang loop unroll_count(4)
    for (long p = 0; p < depth; p++) {
        kp_f16 b[KP_WIDEST_TILE];
        for (int v = 0; v < width; v++)
            b[v] = kp_load(inPlaceB ? packedB + bRows[p] + 16 * v : packedB + v * panelPitch + p * KP_NR);
        if (inPlaceB) {
            // The next tile's columns of this row (B's rows are streams too many for the
            // hardware's prefetcher to follow): 1.05–1.08× on B 128 and 256 deep, alone.
            for (int v = 0; v < width; v++) __builtin_prefetch(packedB + bRows[p] + 16 * width + 16 * v);
        }
        for (int r = 0; r < mr; r++) {
            const kp_f16 a = inPlaceA ? packedA[r * aStride + p] : packedA[p * mr + r];
            for (int v = 0; v < width; v++) sums[r][v] = kp_fma(a, b[v], sums[r][v]);
        }
    }
    if (direct) {
        for (int r = 0; r < mr; r++)  // to mr, not rows: a loop the compiler unrolls keeps sums in registers
            if (r < rows)
                for (int v = 0; v < width; v++) kp_store(kp_output_at(c, row0 + r, column0 + 16 * v), sums[r][v]);
        return;
    }
    for (int r = 0; r < mr; r++)
        for (int v = 0; v < width; v++) kp_store(&staged[r][16 * v], sums[r][v]);
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < columns; j++) *kp_output_at(c, row0 + r, column0 + j) = staged[r][j];
}

/// `kp_tile` compiled for each of B packed or read in place (`inPlaceB`) and A packed or read
/// in place (`aStride` > 0: row r of the panel at `packedA + r·aStride`), so that no loop tests
/// either per step.
KP_INLINE void kp_tile_of(int inPlaceB, const float *packedA, long aStride, const float *packedB, const long *bRows,
                          long panelPitch, long depth, kp_output c, long row0, long column0, long rows,
                          long columns, int resume, const int width, const int mr) {
    if (inPlaceB && aStride)
        kp_tile(packedA, aStride, packedB, bRows, panelPitch, depth, c, row0, column0, rows, columns, resume, width, 1, 1, mr);
    else if (inPlaceB)
        kp_tile(packedA, 0, packedB, bRows, panelPitch, depth, c, row0, column0, rows, columns, resume, width, 1, 0, mr);
    else if (aStride)
        kp_tile(packedA, aStride, packedB, bRows, panelPitch, depth, c, row0, column0, rows, columns, resume, width, 0, 1, mr);
    else
        kp_tile(packedA, 0, packedB, bRows, panelPitch, depth, c, row0, column0, rows, columns, resume, width, 0, 0, mr);
}

/// Where block (j0, k0) of a whole prepacked op(B) (k×n) starts: the blocks of
/// kp_block_columns(k) columns one after another, each k deep and its columns rounded up to
/// whole panels, and within one the KP_KC-deep blocks in order, each laid out as `kp_pack_b`
/// packs it.
KP_INLINE long kp_prepacked_block(long n, long k, long j0, long k0) {
    const long nc = kp_block_columns(k), columns = n - j0 < nc ? n - j0 : nc;
    return j0 * k + k0 * ((columns + KP_NR - 1) / KP_NR * KP_NR);
}

/// Whether more than 8 of B's k rows start in one of L1's sets. x86 L1 data caches have 64 sets
/// (a set is address bits 6–11, inside a 4 KB page, so virtual addresses tell) of 8 to 12 ways,
/// and a tile reading B in place loads a line of every row in turn, reused by the next row
/// panel: rows a multiple of 1 KB apart (the inputs of a dense layer of 256 or 512 inputs, B of
/// its weight gradient dW = dYᵀ·X) all fall in 4 sets or fewer, and evict one another before
/// that reuse. Packed, the panel is contiguous. Measured alone on Zen 3 (AVX2, 1 thread, five
/// alternated pairs): cnn-large's dense layers' weight gradients (512×512×100, rows 2 KB apart)
/// 75–79% → 82–85% of peak; a 9216×256×100 product with rows 1 KB apart 65–69% → 73–77%.
KP_INLINE int kp_rows_crowd_l1_sets(kp_operand b, long k) {
    unsigned char rowsPerSet[64] = {0};
    for (long r = 0; r < k; r++)
        if (++rowsPerSet[((uintptr_t)kp_row(b, r) >> 6) & 63] > 8) return 1;
    return 0;
}

/// Whether an untransposed B of k rows and n columns is read in place (see `kp_gemm_body`): when
/// shallow, or when one KP_KC block deep, its rows lie close together (a convolution's
/// channels shifted by its taps, a layer's gradient planes), so that the tiles' reads of them
/// stay within L2, and they do not crowd L1's sets (`kp_rows_crowd_l1_sets`).
KP_INLINE int kp_reads_b_in_place(kp_operand b, long n, long k) {
    if (b.transposed || k > KP_KC) return 0;
    if (k <= KP_IN_PLACE_DEPTH) return 1;
    if (kp_rows_crowd_l1_sets(b, k)) return 0;
    long first = kp_row(b, 0) - b.values, last = first;
    for (long r = 1; r < k; r++) {
        const long start = kp_row(b, r) - b.values;
        first = start < first ? start : first;
        last = start > last ? start : last;
    }
    return (last - first + n) * (long)sizeof(float) <= KP_IN_PLACE_SPAN;
}

/// Packing buffers, one pair per thread, grown to the largest block a thread has used.
static __thread float *kp_packed_a, *kp_packed_b;
static __thread long kp_packed_a_size, kp_packed_b_size;

/// How far apart the stored rows of op(A)'s whole panel from `row` lie, when evenly (a table of
/// offsets too: a convolution's channels for one tap are a plane apart), so that the tile reads
/// them in place; 0 when they do not, and the panel is packed.
KP_INLINE long kp_panel_stride(kp_operand a, long row, const int mr) {
    if (!a.rowOffsets) return a.stride;
    const long stride = a.rowOffsets[row + 1] - a.rowOffsets[row];
    for (int r = 2; r < mr; r++)
        if (a.rowOffsets[row + r] - a.rowOffsets[row] != r * stride) return 0;
    return stride;
}

/// Row panel `ir` of the A block from row i0 and step k0: where A lies for the panels read in
/// place (`aStrides[ir / 2]` ≠ 0: panels start at even rows), else in the packed block.
KP_INLINE const float *kp_a_panel(kp_operand a, const float *packedA, long i0, long ir, long k0, long depth,
                                  const long *aStrides) {
    return aStrides[ir / 2] ? kp_row(a, i0 + ir) + k0 : packedA + ir * depth;
}

/// Tiles of `width` (a constant, 2 to 4) B panels of a block across its columns from `jr`, as many
/// as fit before `end`, each for the row panels [s0, s1) of the A block from row i0: B's panels in
/// place from `blockStart` when `inPlace`, else packed at `packedB`. Returns the first column
/// left.
KP_INLINE long kp_tiles_across(long jr, long end, const int width, int inPlace, const float *blockStart,
                               const float *packedB, const long *bRows, kp_operand a, const float *packedA,
                               long i0, long k0, long depth, const long *aStrides, long s0, long s1,
                               long height, kp_output c, long j0, int resume, const int mr) {
    for (; jr + 16 * width <= end; jr += 16 * width) {
        const float *panel = inPlace ? blockStart + jr : packedB + jr * depth;
        for (long ir = s0; ir < s1; ir += mr)
            kp_tile_of(inPlace, kp_a_panel(a, packedA, i0, ir, k0, depth, aStrides),
                       aStrides[ir / 2], panel, bRows, KP_NR * depth, depth, c, i0 + ir,
                       j0 + jr, height - ir < mr ? height - ir : mr, 16 * width, resume, width, mr);
    }
    return jr;
}

/// The blocked product (see the file's comment); `pairs` = 1 when the microkernel takes several
/// B panels at once (the AVX-512 version, whose 32 registers hold a 6×64 or 8×48 tile, then
/// 6×32 or 8×32 for the columns left); `mr` the tile's rows.
///
/// When k is small, a B stored untransposed is read in place, 16 columns of a row per step,
/// rather than packed: the copy cost as much as the multiplication (a convolution's per-tap
/// products over a few channels: 1.1–1.6× faster). So is a B up to KP_KC deep whose rows lie
/// within L2, each tile prefetching its rows' next columns. Measured alone: 1.1× on cnn-large's
/// fourth layer's forward (128 deep) and nouri's third's (256), 1.07–1.17× on the input
/// gradients of layers with 128 filters, and 0.9–0.95× on nouri's second layer's forward; in
/// training steps, 1.07–1.09× on cnn-large's last two layers and nouri's second, 1.03× on
/// nouri's third. With rows far apart, packing wins (a dense layer's weight gradient, its
/// inputs 36 KB apart: 0.65–0.75× in place). Only the last, partial panel is packed, so that
/// nothing past column n is read.
///
/// `prepackedB`, when not NULL, is the whole of op(B) as `kp_gemm_pack_b_whole` lays it out:
/// block (j0, k0) at `kp_prepacked_block`, so that no block is packed again (inference against
/// weights that do not change between calls).
KP_INLINE void kp_gemm_body(kp_operand a, kp_operand b, long m, long n, long k, kp_output c,
                            int accumulate, const float *prepackedB, const int pairs, const int mr) {
    const int inPlace = !prepackedB && kp_reads_b_in_place(b, n, k);
    // An untransposed A is read where it lies too, its panels' rows `stride` apart (or evenly
    // spaced by its table of offsets, `kp_panel_stride`): the tile broadcasts one value of each
    // row per step, and rows read along serve as well as a packed panel, without the copy and
    // its 8×8 transposes. Measured alone: 1.03–1.1× on the dense layers' forward products and
    // the convolutions' weight gradients (1.1× on cnn-large's second layer's); in the benchmark
    // networks' steps, within the noise.
    const int inPlaceA = !a.transposed;
    // The AVX2 and portable versions' 6-row tiles leave their last rows to 4-row ones.
    const int narrow = !pairs && mr == 6;
    const long nc = kp_block_columns(k);
    const long ncBlock = n < nc ? (n + KP_NR - 1) / KP_NR * KP_NR : nc;
    const long kcBlock = k < KP_KC ? k : KP_KC;
    const long mcBlock = m < KP_MC ? (m + mr - 1) / mr * mr : KP_MC;
    float *packingB = prepackedB ? NULL : kp_scratch(&kp_packed_b, &kp_packed_b_size, kcBlock * ncBlock);
    float *packedA = kp_scratch(&kp_packed_a, &kp_packed_a_size, kcBlock * mcBlock);
    for (long j0 = 0; j0 < n; j0 += nc) {
        const long columns = n - j0 < nc ? n - j0 : nc;
        for (long k0 = 0; k0 < k; k0 += KP_KC) {
            const long depth = k - k0 < KP_KC ? k - k0 : KP_KC;
            const int resume = accumulate || k0 > 0;
            const long whole = inPlace ? columns / KP_NR * KP_NR : 0;  // panels read in place
            const float *packedB = prepackedB ? prepackedB + kp_prepacked_block(n, k, j0, k0) : packingB;
            if (!prepackedB && whole < columns) kp_pack_b(b, k0, depth, j0 + whole, columns - whole, packingB + whole * depth);
            // Where the block's rows start in B, for the panels read in place.
            long bRows[KP_KC];
            if (inPlace)
                for (long p = 0; p < depth; p++) bRows[p] = kp_row(b, k0 + p) - b.values;
            const float *blockStart = inPlace ? b.values + j0 : NULL;  // plus bRows[p]: row p of the block, in place
            for (long i0 = 0; i0 < m; i0 += KP_MC) {
                const long height = m - i0 < KP_MC ? m - i0 : KP_MC;
                // The block's row panels: of `mr` rows up to wideRows, then of KP_NARROW_ROWS. A read
                // in place: only a last, partial panel is packed (its missing rows zero), and whole
                // ones whose rows are not evenly spaced (aStrides[ir / 2] = 0).
                const long wideRows = kp_wide_tile_rows(height, mr, narrow);
                long aStrides[KP_MC / 2];
                for (long ir = 0, rows; ir < height; ir += rows) {
                    rows = kp_tile_rows_at(ir, wideRows, mr);
                    const long valid = height - ir < rows ? height - ir : rows;
                    aStrides[ir / 2] = inPlaceA && valid == rows ? kp_panel_stride(a, i0 + ir, rows) : 0;
                    if (aStrides[ir / 2]) continue;
                    if (narrow && rows == KP_NARROW_ROWS)
                        kp_pack_a(a, i0 + ir, valid, k0, depth, packedA + ir * depth, KP_NARROW_ROWS);
                    else
                        kp_pack_a(a, i0 + ir, valid, k0, depth, packedA + ir * depth, mr);
                }
                // A shallow packed block (its B block fits in L2) goes one row panel at a time,
                // writing C along its rows; a deep one, or a B read in place, keeps each B panel
                // in L1 while every row panel passes it. (A 256×9216×100 product: 1.3× faster
                // by rows; a 32×2116×64 one read in place: 1.8× slower.) So does a product more
                // than one block deep in the AVX2 and portable versions, whose 6×16 tiles' B
                // panel (16 KB) stays in L1: by rows, each row panel streams the whole B block
                // from L2 again, and C's tiles are read and written once per block either way.
                // Measured alone on Zen 3 (AVX2, 1 thread, calls alternated in one process,
                // medians): the MLP's first layer's inference (100×256×9216, B prepacked) 71.5 →
                // 76.4% of peak, its forward 64 → 66.5%, 128×500×500 and 100×512×512 products
                // 1.5–4 points, nouri's first dense layer's 1–2. The AVX-512 version keeps rows:
                // its wider tiles' 2–4 panels (32–64 KB) do not stay in L1, and it was not
                // measured.
                const int rowPanelAtATime = !inPlace && depth * columns * (long)sizeof(float) <= KP_SHALLOW_BLOCK
                                         && (k <= KP_KC || pairs);
                for (long s0 = 0, s1; s0 < height; s0 = s1) {
                    const long panelEnd = s0 + kp_tile_rows_at(s0, wideRows, mr);
                    s1 = rowPanelAtATime && panelEnd < height ? panelEnd : height;
                    long jr = 0;
                    if (pairs) {
                        // All of a tile's panels in place, or (B transposed) all packed: the widest
                        // tiles, then pairs for the columns they leave, then single panels below.
                        const long end = inPlace ? whole : columns;
                        if (kp_block_takes_wide_tiles(depth, columns, rowPanelAtATime))
                            jr = kp_tiles_across(jr, end, kp_wide_tile(mr), inPlace, blockStart, packedB, bRows, a,
                                                 packedA, i0, k0, depth, aStrides, s0, s1, height, c, j0,
                                                 resume, mr);
                        jr = kp_tiles_across(jr, end, 2, inPlace, blockStart, packedB, bRows, a, packedA, i0, k0, depth,
                                             aStrides, s0, s1, height, c, j0, resume, mr);
                    }
                    for (; jr < columns; jr += KP_NR) {
                        const long valid = columns - jr < KP_NR ? columns - jr : KP_NR;
                        const int direct = jr < whole;
                        const float *panel = direct ? blockStart + jr : packedB + jr * depth;
                        for (long ir = s0, rows; ir < s1; ir += rows) {
                            rows = kp_tile_rows_at(ir, wideRows, mr);
                            const float *panelA = kp_a_panel(a, packedA, i0, ir, k0, depth, aStrides);
                            const long filled = height - ir < rows ? height - ir : rows;
                            if (narrow && rows == KP_NARROW_ROWS)
                                kp_tile_of(direct, panelA, aStrides[ir / 2], panel, bRows, 0, depth, c, i0 + ir,
                                           j0 + jr, filled, valid, resume, 1, KP_NARROW_ROWS);
                            else
                                kp_tile_of(direct, panelA, aStrides[ir / 2], panel, bRows, 0, depth, c, i0 + ir,
                                           j0 + jr, filled, valid, resume, 1, mr);
                        }
                    }
                }
            }
        }
    }
}

/// Which version of the product runs: its instruction set, and whether its tiles take several B
/// panels. AVX2's 16 registers hold a 6×16 tile (12 accumulators); AVX-512's 32 hold 6×64 or
/// 8×48 (24; `kp_wide_tile`), and 6×32 or 8×32 (16) for the columns those leave. 8 rows are
/// taken whenever they fill the tiles as well as 6 do: each value of B loaded then feeds 8 FMAs
/// rather than 6. Measured alone on AVX-512 (Zen 4), 6 → 8 rows (of 32 columns), alternated in
/// both orders: nouri's third layer's products (128 and 256 rows) 1.04–1.07×; cnn-large's
/// per-sample products with 16 and 32 filters 1.1–1.3× (when 8 rows came in, for up to 64);
/// nouri's dense layers 1.0–1.05×; in training steps, nouri 1.01–1.03×. Where 6 rows fill
/// better (the MLP's and cnn-large's batches of 100: 17 tiles of 6 against 13 of 8), 6 stay.
typedef enum { KP_GEMM_PORTABLE, KP_GEMM_AVX2, KP_GEMM_AVX512, KP_GEMM_AVX512_TILES_IN_AVX2 } kp_gemm_version;

/// The share of vector lanes and tile rows a product of this shape fills.
static double kp_fill(long rows, long columns, int tileRows) {
    return (double)rows / ((rows + tileRows - 1) / tileRows * tileRows)
         * (double)columns / ((columns + KP_NR - 1) / KP_NR * KP_NR);
}

/// A tile's rows for a product of `m` rows in `version`.
static int kp_tile_rows(kp_gemm_version version, long m) {
    const int paired = version == KP_GEMM_AVX512 || version == KP_GEMM_AVX512_TILES_IN_AVX2;
    return paired && kp_eight_row_tiles(m) ? 8 : 6;
}

#define KP_GEMM_PARAMETERS kp_operand a, kp_operand b, long m, long n, long k, kp_output c, int accumulate, \
    const float *prepackedB
#define KP_GEMM_ARGUMENTS a, b, m, n, k, c, accumulate, prepackedB
/// Paired tiles of `tileRows` (6 or 8) rows, each a constant in its own copy of the body.
KP_INLINE void kp_gemm_paired_body(KP_GEMM_PARAMETERS, int tileRows) {
    if (tileRows == 8)
        kp_gemm_body(KP_GEMM_ARGUMENTS, 1, 8);
    else
        kp_gemm_body(KP_GEMM_ARGUMENTS, 1, 6);
}
#if KP_HAS_X86_VERSIONS
KP_AVX512 static void kp_gemm_avx512(KP_GEMM_PARAMETERS, int tileRows) {
    kp_gemm_paired_body(KP_GEMM_ARGUMENTS, tileRows);
}
KP_AVX2 static void kp_gemm_avx2(KP_GEMM_PARAMETERS) { kp_gemm_body(KP_GEMM_ARGUMENTS, 0, 6); }
/// The AVX-512 version's tiles in AVX2 instructions, for tests on CPUs without AVX-512.
KP_AVX2 static void kp_gemm_avx512_tiles_in_avx2(KP_GEMM_PARAMETERS, int tileRows) {
    kp_gemm_paired_body(KP_GEMM_ARGUMENTS, tileRows);
}
#endif
static void kp_gemm_portable(KP_GEMM_PARAMETERS) { kp_gemm_body(KP_GEMM_ARGUMENTS, 0, 6); }

/// Runs `version` of the product.
static void kp_run(kp_gemm_version version, KP_GEMM_PARAMETERS) {
    const int tileRows = kp_tile_rows(version, m);
    switch (version) {
#if KP_HAS_X86_VERSIONS
    case KP_GEMM_AVX512_TILES_IN_AVX2: kp_gemm_avx512_tiles_in_avx2(KP_GEMM_ARGUMENTS, tileRows); return;
    case KP_GEMM_AVX512: kp_gemm_avx512(KP_GEMM_ARGUMENTS, tileRows); return;
    case KP_GEMM_AVX2: kp_gemm_avx2(KP_GEMM_ARGUMENTS); return;
#endif
    default: kp_gemm_portable(KP_GEMM_ARGUMENTS); return;
    }
}

/// Each thread's Cᵀ for the products computed through one (see `kp_product`).
static __thread float *kp_swapped_c;
static __thread long kp_swapped_c_size;

/// to[j·toStride + i] = from[i·fromStride + j] for i < rows, j < columns: a copy, 8×8 blocks at
/// a time through `kp_copy_transposed8` (declared in Vectors.h: the sparse gradients use it too).
void kp_copy_transposed(const float *from, long fromStride, long rows, long columns, float *to, long toStride) {
    long i0 = 0;
    for (; i0 + 8 <= rows; i0 += 8) {
        const float *block[8];
        for (int i = 0; i < 8; i++) block[i] = from + (i0 + i) * fromStride;
        long j0 = 0;
        for (; j0 + 8 <= columns; j0 += 8) kp_copy_transposed8(block, j0, to + j0 * toStride + i0, toStride);
        for (long i = i0; i < i0 + 8; i++)
            for (long j = j0; j < columns; j++) to[j * toStride + i] = from[i * fromStride + j];
    }
    for (long i = i0; i < rows; i++)
        for (long j = 0; j < columns; j++) to[j * toStride + i] = from[i * fromStride + j];
}

/// Whether a product of A and B both stored with k along their rows (C = A·Bᵀ) is computed as
/// Cᵀ = B·Aᵀ through a scratch Cᵀ. Each packs its transposed operand, 8×8 transposes of every
/// row of it: B's n rows, or A's m. When m < n the swapped product packs fewer, and reads the
/// longer operand in place (a convolution's shifted channels too, `kp_panel_stride`); when Cᵀ's
/// tiles fill at least as well, and k is deep enough that copying C to and from the scratch
/// (m·n values each way, `KP_SWAP_DEPTH`) costs less than the packing saved. Measured alone on
/// Zen 4 (AVX-512, 1 thread): nouri's first dense layer's forward (128×500×15488) 1.12× faster,
/// its second convolution's weight gradient (64×128×2161, a sample at a time) 1.045×; its
/// third's (128×256×505) 0.97× (hence the depth); the MLP's first dense layer (100×256×9216)
/// would fill 100 of 112 lanes, and stays as it is.
enum { KP_SWAP_DEPTH = 4 * KP_KC };
static int kp_swaps_for_fewer_packed(kp_gemm_version version, kp_operand a, kp_operand b, long m, long n, long k) {
    return !a.transposed && b.transposed && m < n && k >= KP_SWAP_DEPTH
        && kp_fill(n, m, kp_tile_rows(version, n)) >= kp_fill(m, n, kp_tile_rows(version, m));
}

/// The product of two operands, after the choice of computing Cᵀ instead (see the top, and
/// `kp_swaps_for_fewer_packed`); `paired` runs `kp_gemm_avx512_tiles_in_avx2` when the CPU has
/// AVX2 (tests only).
static void kp_product(kp_operand left, kp_operand right, long m, long n, long k, int accumulate,
                       float *c, long ldc, int paired, const float *prepackedB) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) {
        if (!accumulate)
            for (long i = 0; i < m; i++) __builtin_memset(c + i * ldc, 0, n * sizeof(float));
        return;
    }
    kp_gemm_version version = KP_GEMM_PORTABLE;
#if KP_HAS_X86_VERSIONS
    const int level = __atomic_load_n(&kp_level, __ATOMIC_RELAXED);
    if (paired && kp_best_kernel_level() >= 1)
        version = KP_GEMM_AVX512_TILES_IN_AVX2;
    else if (level == 2)
        version = KP_GEMM_AVX512;
    else if (level == 1)
        version = KP_GEMM_AVX2;
#endif
    // Both operands keep their stored rows and read them with the opposite transposition.
    kp_operand swappedLeft = {right.values, right.stride, !right.transposed, right.rowOffsets};
    kp_operand swappedRight = {left.values, left.stride, !left.transposed, left.rowOffsets};
    if (!prepackedB && kp_swaps_for_fewer_packed(version, left, right, m, n, k)) {
        float *transposed = kp_scratch(&kp_swapped_c, &kp_swapped_c_size, n * m);
        if (accumulate) kp_copy_transposed(c, ldc, m, n, transposed, m);
        kp_output out = {transposed, m, 0};
        kp_run(version, swappedLeft, swappedRight, n, m, k, out, accumulate, NULL);
        kp_copy_transposed(transposed, m, n, m, c, ldc);
        return;
    }
    kp_output out = {c, ldc, 0};
    // (Never with a prepacked B: it is packed as op(B), the right operand.)
    if (!prepackedB && n < KP_SWAP_COLUMNS && kp_fill(n, m, kp_tile_rows(version, n)) > kp_fill(m, n, kp_tile_rows(version, m))) {
        // Cᵀ = op(B)ᵀ·op(A)ᵀ, stored transposed straight into C.
        left = swappedLeft;
        right = swappedRight;
        out.transposed = 1;
        const long rows = m;
        m = n;
        n = rows;
    }
    kp_run(version, left, right, m, n, k, out, accumulate, prepackedB);
}

void kp_gemm(int transposeA, int transposeB, long m, long n, long k,
             const float *a, long lda, const float *b, long ldb, int accumulate, float *c, long ldc) {
    kp_operand left = {a, lda, transposeA, NULL}, right = {b, ldb, transposeB, NULL};
    kp_product(left, right, m, n, k, accumulate, c, ldc, 0, NULL);
}

long kp_gemm_packed_b_count(long n, long k) {
    const long nc = kp_block_columns(k), whole = n / nc * nc, rest = n - whole;
    return whole * k + (rest + KP_NR - 1) / KP_NR * KP_NR * k;
}

void kp_gemm_pack_b_whole(int transposeB, long n, long k, const float *b, long ldb, float *packed) {
    kp_operand right = {b, ldb, transposeB, NULL};
    const long nc = kp_block_columns(k);
    for (long j0 = 0; j0 < n; j0 += nc) {
        const long columns = n - j0 < nc ? n - j0 : nc;
        for (long k0 = 0; k0 < k; k0 += KP_KC)
            kp_pack_b(right, k0, k - k0 < KP_KC ? k - k0 : KP_KC, j0, columns, packed + kp_prepacked_block(n, k, j0, k0));
    }
}

void kp_gemm_prepacked_b(int transposeA, long m, long n, long k, const float *a, long lda, const float *packedB,
                         int accumulate, float *c, long ldc) {
    kp_operand left = {a, lda, transposeA, NULL}, right = {NULL, 0, 0, NULL};
    kp_product(left, right, m, n, k, accumulate, c, ldc, 0, packedB);
}

int kp_gemm_paired_for_testing(int transposeA, int transposeB, long m, long n, long k, const float *a, long lda,
                               const float *b, long ldb, int accumulate, float *c, long ldc) {
    kp_operand left = {a, lda, transposeA, NULL}, right = {b, ldb, transposeB, NULL};
    kp_product(left, right, m, n, k, accumulate, c, ldc, 1, NULL);
    return KP_HAS_X86_VERSIONS && kp_best_kernel_level() >= 1;
}

void kp_gemm_rows(int transposeB, long m, long n, long k, const float *a, long lda, const float *b,
                  const long *rowOffsets, int accumulate, float *c, long ldc) {
    kp_operand left = {a, lda, 0, NULL}, right = {b, 0, transposeB, rowOffsets};
    kp_product(left, right, m, n, k, accumulate, c, ldc, 0, NULL);
}
