/// The two kernels a dense layer's inference can run. Both compute each output as one FMA
/// chain over the inputs in order from zero, then the bias, so they give the same bits: which
/// one runs changes speed only.
enum DenseInferenceKernel: CaseIterable {
    /// `VectorKernels.denseForwardPacked`: tiles of 12 rows × 32 units against W packed in
    /// panels of 32 units, each panel streamed whole (AVX-512 only).
    case packedPanels
    /// Training's product against W packed as the GEMM packs it, blocked in depth.
    case gemm

    /// The kernel for `count` rows of `inputs` values, or nil where only timing both on this
    /// core can tell (`DenseInferenceChoice`).
    ///
    /// Below AVX-512 the GEMM: the panel tile's 24 accumulators do not fit AVX2's 16
    /// registers (0.6× of the GEMM there: mlp's first layer, 32 against 53 GFLOP/s). On AVX-512
    /// the panels beat the GEMM 1.2–1.35× up to 2048 inputs (1.1× at 4096) and for a few rows
    /// (one pass over each panel: 1.35–2.2×). Deeper layers over a batch depend on the core:
    /// each 12-row tile streams a whole panel of 32 units × `inputs`, where the GEMM blocks in
    /// depth. Alone, with the operands warm: on Zen 4 (AVX-512 in two 256-bit halves) the panels
    /// ran 0.83× the GEMM on the MLP's first layer (100×256×9216: 6.4–6.6 ms against 5.3–5.5)
    /// and 0.69× on nouri's (128×500×15488); on Zen 5 (full-width AVX-512) 1.15–1.25× on both
    /// (2.4–2.7 ms against 2.9–3.1 on the MLP's: 87–90% of the core's peak). Fed from a pool of
    /// 8 batches, as the benchmarks feed them, the two ran even on Zen 4 (medians 4.8–5.2 ms on
    /// the MLP's), and `DenseInferenceChoice` kept either one from run to run.
    static func fixed(inputs: Int, count: Int) -> DenseInferenceKernel? {
        guard VectorKernels.hasPackedDenseKernel else { return .gemm }
        return inputs <= 4096 || count <= 12 ? .packedPanels : nil
    }
}

/// A layer's choice between the kernels where `DenseInferenceKernel.fixed` leaves it open,
/// made by timing them where they run: the first inferences of each batch size and thread
/// count alternate the two kernels, `trials` calls each, and from then on the one whose
/// fastest product was faster runs. The fastest of a few, because a shared core only ever adds
/// time; the products alone, because a call after the weights change also repacks them. The
/// trials are real calls, each computing its outputs once: choosing costs nothing, and since
/// both kernels give the same bits, no result depends on it.
struct DenseInferenceChoice {
    private struct Case: Hashable {
        let count: Int
        let threads: Int
    }

    static let trials = 3
    /// The fastest product each kernel has run in each case still on trial.
    private var fastest: [Case: [DenseInferenceKernel: (seconds: Double, calls: Int)]] = [:]
    private var chosen: [Case: DenseInferenceKernel] = [:]

    /// The kernel this case's next call runs: the chosen one, or the one with fewer trials.
    func kernel(count: Int, threads: Int) -> DenseInferenceKernel {
        let key = Case(count: count, threads: threads)
        if let kernel = chosen[key] { return kernel }
        let calls = fastest[key] ?? [:]
        return DenseInferenceKernel.allCases.min { (calls[$0]?.calls ?? 0) < (calls[$1]?.calls ?? 0) }!
    }

    /// Records one call's product time; chooses once both kernels have had their trials.
    mutating func record(_ kernel: DenseInferenceKernel, seconds: Double, count: Int, threads: Int) {
        let key = Case(count: count, threads: threads)
        guard chosen[key] == nil else { return }
        let before = fastest[key]?[kernel] ?? (.infinity, 0)
        fastest[key, default: [:]][kernel] = (min(before.seconds, seconds), before.calls + 1)
        let timed = fastest[key]!
        guard DenseInferenceKernel.allCases.allSatisfy({ (timed[$0]?.calls ?? 0) >= Self.trials }) else { return }
        chosen[key] = DenseInferenceKernel.allCases.min { timed[$0]!.seconds < timed[$1]!.seconds }!
        fastest[key] = nil
    }

    /// The kernel chosen for a case, or nil while it is on trial (for tests).
    func chosenKernel(count: Int, threads: Int) -> DenseInferenceKernel? {
        chosen[Case(count: count, threads: threads)]
    }
}
