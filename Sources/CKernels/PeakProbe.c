// The core's peak fp32 FMA rate, measured rather than looked up: twelve independent FMA chains
// held in registers (enough to cover the FMA latency on two pipes), nothing read or written in
// the loop. `kplab bench` quotes each network's speed as a share of it, a figure that travels
// between machines better than images/s. Runs at the best level the CPU has.
#include "CKernels.h"
#include "Vectors.h"

/// Where the chains' sum goes, so that the compiler keeps the work.
volatile float kp_peak_sink;

#define KP_PEAK_LOOP(type)                                                                         \
    type a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0, a8 = 0, a9 = 0, a10 = 0, a11 = 0; \
    const type x = 0.9999f, y = 0.0001f;                                                           \
    for (long i = 0; i < iterations; i++) {                                                        \
        a0 = kp_fma_any(a0, x, y); a1 = kp_fma_any(a1, x, y); a2 = kp_fma_any(a2, x, y);            \
        a3 = kp_fma_any(a3, x, y); a4 = kp_fma_any(a4, x, y); a5 = kp_fma_any(a5, x, y);            \
        a6 = kp_fma_any(a6, x, y); a7 = kp_fma_any(a7, x, y); a8 = kp_fma_any(a8, x, y);            \
        a9 = kp_fma_any(a9, x, y); a10 = kp_fma_any(a10, x, y); a11 = kp_fma_any(a11, x, y);        \
    }                                                                                              \
    type total = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11));    \
    kp_peak_sink = total[0];

#define kp_fma_any(a, b, c) __builtin_elementwise_fma(a, b, c)

#if KP_HAS_X86_VERSIONS
KP_AVX512 static long kp_peak_avx512(long iterations) { KP_PEAK_LOOP(kp_f16) return 12 * 16 * 2; }
KP_AVX2 static long kp_peak_avx2(long iterations) { KP_PEAK_LOOP(kp_f8) return 12 * 8 * 2; }
#endif
static long kp_peak_portable(long iterations) { KP_PEAK_LOOP(kp_f4) return 12 * 4 * 2; }

long kp_fma_peak_probe(long iterations) {
#if KP_HAS_X86_VERSIONS
    switch (kp_best_kernel_level()) {
    case 2: return kp_peak_avx512(iterations) * iterations;
    case 1: return kp_peak_avx2(iterations) * iterations;
    default: break;
    }
#endif
    return kp_peak_portable(iterations) * iterations;
}
