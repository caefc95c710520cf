// Which version of the kernels runs: the best the CPU supports, chosen once at load time, or
// a lower one named by KPLAB_VECTOR_KERNELS (avx512, avx2, portable) to check a result on
// another level. Tests may lower it while other threads run kernels: every level gives the
// same bits.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

__attribute__((constructor)) static void kp_choose_level(void) {
    kp_level = kp_best_kernel_level();
    const char *wanted = getenv("KPLAB_VECTOR_KERNELS");
    if (!wanted || !*wanted) return;
    static const char *names[] = {"portable", "avx2", "avx512"};
    for (int level = 0; level < 3; level++) {
        if (strcmp(wanted, names[level]) == 0) {
            if (level > kp_level)
                fprintf(stderr, "kplab: this CPU cannot run KPLAB_VECTOR_KERNELS=%s; using %s\n", wanted, names[kp_level]);
            else
                kp_level = level;
            return;
        }
    }
    fprintf(stderr, "kplab: ignoring KPLAB_VECTOR_KERNELS=%s (avx512, avx2 or portable)\n", wanted);
}

int kp_kernel_level(void) { return __atomic_load_n(&kp_level, __ATOMIC_RELAXED); }

int kp_set_kernel_level(int level) {
    int best = kp_best_kernel_level();
    int chosen = level < 0 ? 0 : (level > best ? best : level);
    __atomic_store_n(&kp_level, chosen, __ATOMIC_RELAXED);
    return chosen;
}
