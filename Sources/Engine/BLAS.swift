import CBLAS

/// The one file that talks to OpenBLAS. Everything else in the engine calls these
/// row-major wrappers, so the C types never leak.
enum BLAS {
    /// C ← alpha·op(A)·op(B) + beta·C, row-major. op(A) is M×K, op(B) is K×N, C is M×N;
    /// `lda`, `ldb`, `ldc` are the row strides of A, B and C as stored.
    @inline(__always)
    static func sgemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                      alpha: Float, a: UnsafePointer<Float>, lda: Int,
                      b: UnsafePointer<Float>, ldb: Int,
                      beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor,
                    transposeA ? CblasTrans : CblasNoTrans,
                    transposeB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k),
                    alpha, a, blasint(lda), b, blasint(ldb),
                    beta, c, blasint(ldc))
    }

    /// The kernel family OpenBLAS chose when it loaded, e.g. "SkylakeX", "Haswell", "Prescott".
    static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    static var threadCount: Int { Int(openblas_get_num_threads()) }

    static func setThreadCount(_ count: Int) { openblas_set_num_threads(Int32(count)) }

    /// "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY …" as the library describes its build.
    static var configuration: String {
        guard let text = openblas_get_config() else { return "OpenBLAS" }
        return String(cString: text)
    }
}
