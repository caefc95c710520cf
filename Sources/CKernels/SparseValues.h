// What the sparse kernels (SparseTapGradients.c, SparseProducts.c) share: finding the values
// other than ±0 of a mostly zero operand, checking that the operand they multiply is finite (a
// dropped term must be ±0 × a finite value) and that no sum is −0, scratch, and the plan the
// AVX2 versions follow.
#ifndef KP_SPARSE_VALUES_H
#define KP_SPARSE_VALUES_H

#include "Vectors.h"

/// 16 lanes' flags: a comparison of 16-float vectors as a 16-bit mask.
typedef _Bool kp_b16 __attribute__((ext_vector_type(16)));

KP_INLINE unsigned kp_nonzero_mask(kp_f16 values) {
    return __builtin_bit_cast(uint16_t, __builtin_convertvector(values != 0, kp_b16));  // NaN ≠ 0 too
}

/// The registers the AVX2 versions plan for: 16, or for tests 32, so that a CPU without AVX-512
/// runs the AVX-512 version's plan (its passes and vectors; the instructions are AVX2's). Set by
/// `kp_sparse_gradients_plan_avx512_for_testing` (SparseTapGradients.c).
extern int kp_sparse_registers_below_avx512;

KP_INLINE int kp_sparse_avx2_registers(void) { return __atomic_load_n(&kp_sparse_registers_below_avx512, __ATOMIC_RELAXED); }

/// `kp_scratch` for 32-bit integers (the size of a float).
KP_INLINE int32_t *kp_int_scratch(int32_t **buffer, long *size, long count) {
    return (int32_t *)kp_scratch((float **)buffer, size, count);
}

/// The positions q < count of `row` whose value is not ±0, in order, and those values; returns
/// how many. Every lane of a block with any is written, the count advanced by the kept ones
/// only: no branch per value (a quarter-full plane makes one unpredictable). `positions` and
/// `values` have room for `count`.
KP_INLINE long kp_nonzero_positions(const float *row, long count, int32_t *positions, float *values) {
    long found = 0, q = 0;
    for (; q + 16 <= count; q += 16) {
        const kp_f16 block = kp_load(row + q);
        const unsigned mask = kp_nonzero_mask(block);
        if (!mask) continue;
        for (int l = 0; l < 16; l++) {
            positions[found] = (int32_t)(q + l);
            values[found] = block[l];
            found += (mask >> l) & 1;
        }
    }
    for (; q < count; q++)
        if (row[q] != 0) {
            positions[found] = (int32_t)q;
            values[found++] = row[q];
        }
    return found;
}

/// Lanes that hold −0 (its bits, 0x80000000), as −1.
KP_INLINE kp_i16 kp_negative_zero_lanes(kp_f16 v) { return __builtin_bit_cast(kp_i16, v) == (int32_t)0x80000000; }

/// Lanes that are not finite (v − v is 0 for finite v, NaN for ±∞ and NaN), as −1.
KP_INLINE kp_i16 kp_not_finite_lanes(kp_f16 v) { return v - v != 0; }

/// Whether any lane of a comparison's flags is set.
KP_INLINE int kp_any_lane(kp_i16 flags) {
    int any = 0;
    for (int l = 0; l < 16; l++) any |= flags[l];
    return any;
}

#endif
