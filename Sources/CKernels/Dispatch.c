// Which version of the kernels runs: the best the CPU supports, chosen once at load time.
// Tests may lower it while other threads run kernels: every level gives the same bits.
#include "CKernels.h"
#include "Vectors.h"

int kp_level = 0;

int kp_best_kernel_level(void) {
#if KP_HAS_X86_VERSIONS
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")) return 2;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 1;
#endif
    return 0;
}

__attribute__((constructor)) static void kp_choose_level(void) { kp_level = kp_best_kernel_level(); }

int kp_kernel_level(void) { return __atomic_load_n(&kp_level, __ATOMIC_RELAXED); }

int kp_set_kernel_level(int level) {
    int best = kp_best_kernel_level();
    int chosen = level < 0 ? 0 : (level > best ? best : level);
    __atomic_store_n(&kp_level, chosen, __ATOMIC_RELAXED);
    return chosen;
}
