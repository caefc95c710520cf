#if canImport(Glibc)
import Glibc
#endif

/// Which OpenBLAS kernel family runs the engine's matrix products, and choosing a fast one.
///
/// OpenBLAS reads `OPENBLAS_CORETYPE` once, when the library loads, so a process cannot
/// switch kernels after it starts: `ensureFastKernel(arguments:)` re-executes the program
/// once with the variable set. Call it first thing in `main`, before any work.
///
/// Measured on this project's machine (AMD EPYC with AVX-512, one thread, SGEMM GFLOP/s,
/// median of noisy shared-machine passes; every kernel matched a Double naive GEMM to
/// ≤1e-6 relative error):
///
/// | OPENBLAS_CORETYPE | 512³ | 32×8836×9 | 64×2116×128 | 128×500×15488 |
/// |---|---|---|---|---|
/// | unset (detects Cooperlake) | 112–234 | 75 | 143 | 122–186 |
/// | Prescott | 31 | 20 | 30 | 24 |
/// | Haswell (the workplace's setting) | 67–124 | 47 | 54 | 75–110 |
/// | SkylakeX | 164–235 | 88 | 150 | 98–188 |
/// | Zen | 68 | 29 | 50 | 45 |
///
/// Policy, in order:
/// 1. `KPLAB_BLAS_CORETYPE=keep` leaves OpenBLAS exactly as the environment configured it;
///    `KPLAB_BLAS_CORETYPE=<name>` (e.g. `Haswell`) forces that kernel. A person's explicit
///    choice for kplab always wins.
/// 2. Otherwise, when the CPU has the AVX-512 subsets the SkylakeX kernels use (F, CD, BW,
///    DQ, VL) and the live kernel is not already an AVX-512 one (SkylakeX, Cooperlake,
///    SapphireRapids), run with `SkylakeX`. This deliberately overrides a machine-wide
///    `OPENBLAS_CORETYPE=Haswell` or a misdetected `Prescott`: both are correct but 2–10×
///    slower here, and `OPENBLAS_CORETYPE` is often set for other programs' sake.
/// 3. The re-executed process checks a GEMM against a naive reference before any work;
///    if the chosen kernel is wrong on this CPU (the reason such variables get set), it
///    re-executes once more with the environment's original setting. Marker variables
///    stop any loop.
public enum BLASKernel {
    /// The live kernel family, e.g. "SkylakeX" — what run records should state.
    public static var name: String { BLAS.coreName }

    /// OpenBLAS's own thread count. The engine keeps it at 1 and parallelises across the
    /// batch itself (`Network.threads`), so the two never oversubscribe the cores.
    public static var threads: Int { BLAS.threadCount }

    /// OpenBLAS's build description, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64".
    public static var configuration: String { BLAS.configuration }

    /// Kernel families whose SGEMM uses AVX-512.
    static let avx512Cores: Set<String> = ["skylakex", "cooperlake", "sapphirerapids"]
    /// CPU flags (as /proc/cpuinfo names them) that OpenBLAS's SkylakeX kernels need.
    static let skylakeXFlags: Set<String> = ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]

    static let choiceVariable = "KPLAB_BLAS_CORETYPE"
    static let markerVariable = "KPLAB_BLAS_REEXEC"
    static let originalVariable = "KPLAB_BLAS_ORIGINAL_CORETYPE"

    /// The `OPENBLAS_CORETYPE` this process should run with, or nil to keep the live one.
    /// Pure policy (see the type's documentation), separate so tests can state it.
    static func preferredCoreType(liveCore: String, cpuFlags: Set<String>, choice: String?) -> String? {
        if let choice, !choice.isEmpty {
            if choice.lowercased() == "keep" { return nil }
            return choice.lowercased() == liveCore.lowercased() ? nil : choice
        }
        guard skylakeXFlags.isSubset(of: cpuFlags) else { return nil }
        return avx512Cores.contains(liveCore.lowercased()) ? nil : "SkylakeX"
    }

    /// Re-executes this program once with a faster OpenBLAS kernel when the policy asks for
    /// one; returns normally when the live kernel is already right (or nothing can be done).
    /// `arguments` are passed unchanged to the new process image.
    public static func ensureFastKernel(arguments: [String] = CommandLine.arguments) {
        #if os(Linux)
        let environment = currentEnvironment()
        switch environment[markerVariable] {
        case "chosen":
            // We are the re-executed process: trust the new kernel only if it computes right.
            if verifyAgainstNaive() { return }
            var restore = [markerVariable: "restored"]
            restore["OPENBLAS_CORETYPE"] = environment[originalVariable]  // nil: unset it
            reexecute(arguments: arguments, setting: restore)
            return
        case "restored":
            return
        default:
            break
        }
        guard let wanted = preferredCoreType(liveCore: name, cpuFlags: cpuFlags(),
                                             choice: environment[choiceVariable]) else { return }
        var changes: [String: String?] = [markerVariable: "chosen", "OPENBLAS_CORETYPE": wanted]
        changes[originalVariable] = environment["OPENBLAS_CORETYPE"] ?? ""
        reexecute(arguments: arguments, setting: changes)
        #endif
    }

    /// True when the live kernel's SGEMM matches a Double-accumulated naive product on an
    /// odd-sized problem (all four transpose combinations) to within Float rounding.
    static func verifyAgainstNaive() -> Bool {
        var rng = RandomGenerator(seed: 0x5EED)
        let (m, n, k) = (37, 29, 53)
        let a = (0..<(m * k)).map { _ in rng.uniform(low: -1, high: 1) }
        let b = (0..<(k * n)).map { _ in rng.uniform(low: -1, high: 1) }
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            var fast = [Float](repeating: 0, count: m * n)
            var slow = [Float](repeating: 0, count: m * n)
            BLAS.sgemm(transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: 1,
                       a: a, lda: ta ? m : k, b: b, ldb: tb ? k : n, beta: 0, c: &fast, ldc: n)
            NaiveKernels.gemm(transposeA: ta, transposeB: tb, m: m, n: n, k: k,
                              a: a, b: b, c: &slow)
            for i in 0..<(m * n) where abs(fast[i] - slow[i]) > 1e-4 { return false }
        }
        return true
    }

    #if os(Linux)
    static func cpuFlags() -> Set<String> {
        guard let file = fopen("/proc/cpuinfo", "r") else { return [] }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>? = nil
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0, let line {
            let text = String(cString: line)
            if text.hasPrefix("flags") {
                let values = text.split(separator: ":", maxSplits: 1).last ?? ""
                return Set(values.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
            }
        }
        return []
    }

    private static func currentEnvironment() -> [String: String] {
        var result: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            let pair = String(cString: pointer)
            if let equals = pair.firstIndex(of: "=") {
                result[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
            }
            entry += 1
        }
        return result
    }

    /// Replaces the process image with itself under the changed environment. Returns only
    /// if `execv` fails, in which case the program simply goes on with the live kernel.
    private static func reexecute(arguments: [String], setting changes: [String: String?]) {
        for (key, value) in changes {
            if let value, !value.isEmpty { setenv(key, value, 1) } else { unsetenv(key) }
        }
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        execv("/proc/self/exe", argv)
        for pointer in argv { free(pointer) }
    }
    #else
    static func cpuFlags() -> Set<String> { [] }
    #endif
}
