// The sums of several planes in one fixed order, for the bias gradients of convolutions.
// Each plane's order: 16 lanes, lane l adding the values at i ≡ l (mod 16) of the whole blocks
// in order from +0; the lanes added in order from −0; then the tail left to right. Planes run
// side by side, so that their chains of adds overlap: one plane's 16 lanes are a single chain
// of vector adds, waiting on the add's latency at every block.
#include "CKernels.h"
#include "Vectors.h"

/// sums[p] += the sum of planes[p·pitch ..< p·pitch + count] for p < `group`.
KP_INLINE void kp_plane_sums_group(const float *planes, long count, long pitch, float *sums, const int group) {
    kp_f16 lanes[8];
    for (int p = 0; p < group; p++) lanes[p] = 0;
    kp_finish_plane_sums(lanes, planes, 0, count, pitch, sums, group);
}

/// Eight planes at a time where 32 registers hold their lanes, four where 16 do.
KP_INLINE void kp_add_plane_sums_body(const int registers, const float *planes, long planeCount, long count,
                                      long pitch, float *sums) {
    long p = 0;
    if (registers >= 32)
        for (; p + 8 <= planeCount; p += 8) kp_plane_sums_group(planes + p * pitch, count, pitch, sums + p, 8);
    for (; p + 4 <= planeCount; p += 4) kp_plane_sums_group(planes + p * pitch, count, pitch, sums + p, 4);
    for (; p < planeCount; p++) kp_plane_sums_group(planes + p * pitch, count, pitch, sums + p, 1);
}

KP_VERSIONS_BY_REGISTERS(kp_add_plane_sums,
                         (const float *planes, long planeCount, long count, long pitch, float *sums),
                         (planes, planeCount, count, pitch, sums))
