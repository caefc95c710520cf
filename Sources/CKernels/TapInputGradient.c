// The input gradient of a convolution computed by tap GEMMs (the engine's TapGEMMConvolution),
// in one pass over dx. By definition, with dcol = tapsᵀ · dwide (row (t, c), column q: one FMA
// chain over the filters f in order, from zero, as `kp_gemm` computes it),
//     dx[c][p] = Σ_t, in tap order, of dcol[(t, c)][p − off(t)], off(t) = i·W + j,
// over the taps whose q = p − off(t) lies in [0, computed), added to a dx cleared to zero.
// Computing dcol whole and then adding its shifted rows into dx (as the engine did) writes and
// reads back k²·C·computed values a sample, most of them past L1 (1.1 MB a sample for nouri's
// second layer). Here dx is taken a block of 16·`width` positions at a time, and for each tap in
// order a tile of dcol (`mr` channels × the block's columns shifted by the tap) is computed in
// registers and added straight into the block: the same chains, added in the same order, so
// the same bits, without dcol.
#include "CKernels.h"
#include "Vectors.h"

/// Each thread's taps packed in panels and columns copied with zeros, grown to the largest a call
/// has used.
static __thread float *kp_tap_panels, *kp_tap_staged;
static __thread long kp_tap_panels_size, kp_tap_staged_size;

/// One step of a tile's chains: sums[r][v] = fma(panel[f][r], column[16v …], sums[r][v]).
KP_INLINE void kp_tap_step(kp_f16 sums[8][2], const float *panelRow, const float *column, const int mr,
                           const int width) {
    kp_f16 values[2];
    for (int v = 0; v < width; v++) values[v] = kp_load(column + 16 * v);
    for (int r = 0; r < mr; r++) {
        const kp_f16 a = panelRow[r];
        for (int v = 0; v < width; v++) sums[r][v] = kp_fma(a, values[v], sums[r][v]);
    }
}

/// Where a block's columns are read from: for filters [inPlace, staged), row f from
/// dwide + f·pitch + q0, where dwide lies; for the others (whose columns would leave dwide), row
/// f of `copies`, the columns copied with zeros outside dwide.
typedef struct {
    const float *dwide, *copies;
    long pitch, q0, inPlace, staged;
} kp_tap_columns;

/// The tile of `mr` channels from c0 × 16·`width` columns: sums[r][v] = Σ_f panel[f][r] ·
/// column f, one FMA chain over f from zero. Then added to dx's rows c0 + r at `out` (row r
/// `plane` apart): every lane when `lo` = 0 and `hi` = 16·`width`, else lanes [lo, hi) only,
/// the others left as they were.
KP_INLINE void kp_tap_tile(const float *panel, kp_tap_columns columns, long filters, float *out, long plane,
                           long rows, long lo, long hi, int wholeVectors, const int mr, const int width) {
    const long lanes = 16 * width;
    kp_f16 sums[8][2];
    for (int r = 0; r < mr; r++)
        for (int v = 0; v < width; v++) sums[r][v] = 0;
    long f = 0;
    for (; f < columns.inPlace; f++) kp_tap_step(sums, panel + f * mr, columns.copies + f * lanes, mr, width);
    for (; f < columns.staged; f++) {
        const float *column = columns.dwide + f * columns.pitch + columns.q0;
        kp_tap_step(sums, panel + f * mr, column, mr, width);
        // The next block's columns of this row: the tile's rows are `filters` streams, more
        // than the hardware prefetcher follows (without it, no faster than writing dcol whole).
        __builtin_prefetch(column + lanes);
        __builtin_prefetch(column + lanes + 16);
    }
    for (; f < filters; f++) kp_tap_step(sums, panel + f * mr, columns.copies + f * lanes, mr, width);
    if (lo == 0 && hi == lanes) {
        for (int r = 0; r < mr; r++)  // to mr, not rows: a loop the compiler unrolls keeps sums in registers
            if (r < rows)
                for (int v = 0; v < width; v++) {
                    float *at = out + r * plane + 16 * v;
                    kp_store(at, kp_load(at) + sums[r][v]);
                }
        return;
    }
    if (wholeVectors) {  // whole vectors lie inside dx: the lanes outside [lo, hi) are stored unchanged
        const kp_i16 lane = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
        for (int v = 0; v < width; v++) {
            const kp_i16 at = lane + 16 * v, kept = at >= (int)lo & at < (int)hi;
            for (int r = 0; r < mr; r++)
                if (r < rows) {
                    const kp_f16 old = kp_load(out + r * plane + 16 * v);
                    kp_store(out + r * plane + 16 * v, kept ? old + sums[r][v] : old);
                }
        }
        return;
    }
    float staged[8][32];
    for (int r = 0; r < mr; r++)
        for (int v = 0; v < width; v++) kp_store(&staged[r][16 * v], sums[r][v]);
    for (long r = 0; r < rows; r++)
        for (long j = lo; j < hi; j++) out[r * plane + j] += staged[r][j];
}

/// A block's `lanes` columns of a row, row[q0 + j], with zeros outside lanes [lo, hi) (where the
/// row may not be read).
KP_INLINE void kp_tap_copy_columns(const float *row, long q0, long lo, long hi, long lanes, float *copy) {
    for (long j = 0; j < lanes; j++) copy[j] = j >= lo && j < hi ? row[q0 + j] : 0;
}

KP_INLINE void kp_tap_input_gradient_body(const int mr, const int width, const float *taps, long filters,
                                          long channels, long kernel, long height, long inputWidth,
                                          const float *dwide, long pitch, long computed, float *dx) {
    const long area = kernel * kernel, depth = area * channels, plane = height * inputWidth;
    const long lanes = 16 * width;
    // Tiles of `mr` channels up to wideRows, then of KP_NARROW_ROWS (AVX2 and portable C), whose
    // rows past the channels are zero: `padded` rows in all.
    const int narrow = mr == 6 && width == 1;
    const long wideRows = kp_wide_tile_rows(channels, mr, narrow);
    long padded = 0;
    while (padded < channels) padded += kp_tile_rows_at(padded, wideRows, mr);
    // Tap t's channels c0 … c0 + rows − 1 as a panel, filters-major, at panels + (t·padded + c0)·F:
    // panel[f][r] = taps[f][t·C + c0 + r].
    float *panels = kp_scratch(&kp_tap_panels, &kp_tap_panels_size, area * padded * filters);
    for (long t = 0; t < area; t++)
        for (long c0 = 0, rows; c0 < channels; c0 += rows) {
            rows = kp_tile_rows_at(c0, wideRows, mr);
            float *panel = panels + (t * padded + c0) * filters;
            for (long f = 0; f < filters; f++)
                for (long r = 0; r < rows; r++) {
                    const long c = c0 + r;
                    panel[f * rows + r] = c < channels ? taps[f * depth + t * channels + c] : 0;
                }
        }
    // A block's columns outside [0, computed) are read in place from the neighbouring filter's
    // row (their sums are never added), except where that would leave dwide: before its first
    // row and past its last computed value (usually the first row and the last), those rows are
    // copied with zeros there.
    float *copies = kp_scratch(&kp_tap_staged, &kp_tap_staged_size, filters * lanes);
    const long end = (filters - 1) * pitch + computed;  // one past the last value of dwide that may be read
    __builtin_memset(dx, 0, channels * plane * sizeof(float));
    for (long p0 = 0; p0 < plane; p0 += lanes) {
        for (long t = 0; t < area; t++) {
            const long q0 = p0 - (t / kernel) * inputWidth - t % kernel;
            long lo = q0 < 0 ? -q0 : 0, hi = lanes;
            if (computed - q0 < hi) hi = computed - q0;
            if (plane - p0 < hi) hi = plane - p0;
            if (hi <= lo) continue;
            // Rows [inPlace, staged) read lanes [0, lanes) inside [0, end).
            kp_tap_columns columns = {dwide, copies, pitch, q0, q0 < 0 ? (-q0 + pitch - 1) / pitch : 0, 0};
            if (columns.inPlace > filters) columns.inPlace = filters;  // a plane shorter than the tap's shift
            const long room = end - q0 - lanes;
            columns.staged = room < 0 ? 0 : room / pitch + 1;
            if (columns.staged > filters) columns.staged = filters;
            if (columns.staged < columns.inPlace) columns.staged = columns.inPlace;
            for (long f = 0; f < columns.inPlace; f++)
                kp_tap_copy_columns(dwide + f * pitch, q0, lo, hi, lanes, copies + f * lanes);
            for (long f = columns.staged; f < filters; f++)
                kp_tap_copy_columns(dwide + f * pitch, q0, lo, hi, lanes, copies + f * lanes);
            const int wholeVectors = p0 + lanes <= plane;
            for (long c0 = 0, rows; c0 < channels; c0 += rows) {
                rows = kp_tile_rows_at(c0, wideRows, mr);
                const float *panel = panels + (t * padded + c0) * filters;
                const long filled = channels - c0 < rows ? channels - c0 : rows;
                if (narrow && rows == KP_NARROW_ROWS)
                    kp_tap_tile(panel, columns, filters, dx + c0 * plane + p0, plane, filled, lo, hi, wholeVectors,
                                KP_NARROW_ROWS, width);
                else
                    kp_tap_tile(panel, columns, filters, dx + c0 * plane + p0, plane, filled, lo, hi, wholeVectors, mr,
                                width);
            }
        }
    }
}

/// AVX-512's 32 registers hold an 8 × 32 tile (16 accumulators), or 6 × 32 where 6 rows fill
/// the channels better (17 channels: 3 tiles of 8 rows compute 24, of 6 compute 18); AVX2's and
/// portable C's 16 hold a 6 × 16 one (a 16-float vector in two registers or four), and 4 × 16
/// ones for the channels 6-row tiles leave (`kp_wide_tile_rows`).
#define KP_TAP_PARAMETERS (const float *taps, long filters, long channels, long kernel, long height, long inputWidth, \
                           const float *dwide, long pitch, long computed, float *dx)
#define KP_TAP_ARGUMENTS taps, filters, channels, kernel, height, inputWidth, dwide, pitch, computed, dx
KP_VERSIONS_CALLING(kp_tap_input_gradient, KP_TAP_PARAMETERS, (KP_TAP_ARGUMENTS),
                    kp_eight_row_tiles(channels) ? kp_tap_input_gradient_body(8, 2, KP_TAP_ARGUMENTS)
                                                : kp_tap_input_gradient_body(6, 2, KP_TAP_ARGUMENTS),
                    kp_tap_input_gradient_body(6, 1, KP_TAP_ARGUMENTS), kp_tap_input_gradient_body(6, 1, KP_TAP_ARGUMENTS))
