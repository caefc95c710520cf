import Testing
@testable import Engine

/// The tap-GEMM convolution's sparse gradients (SparseTapGradients.c) against their naive twins,
/// bit for bit, at every kernel level this CPU has: the weight gradient is the dense product's
/// chains over q from dw's values (`NaiveKernels.gemm` over the shifted rows), the input gradient
/// `NaiveKernels.tapInputGradient`. Plane gradients as a ReLU and a 2×2 pool leave them (one
/// value in four or fewer, whole windows blocked), with −0 among the zeros (skipped like +0) and
/// NaN among the kept values; and the cases each kernel must decline, leaving its output as it was.
/// "avx2 planned as avx512" runs the AVX-512 version's plan with AVX2 instructions.
@Suite(.serialized) struct SparseTapGradientTests {
    typealias Case = (channels: Int, filters: Int, height: Int, width: Int, kernel: Int, extraPitch: Int)

    /// dwide with about one value in `every` kept, the others ±0, and the values past `computed`
    /// in each row NaN (never read as terms).
    static func sparsePlane(filters: Int, pitch: Int, computed: Int, every: Int, seed: UInt64) -> [Float] {
        var rng = RandomGenerator(seed: seed)
        var dwide = [Float](repeating: 0, count: filters * pitch)
        for f in 0..<filters {
            for q in 0..<pitch {
                if q >= computed {
                    dwide[f * pitch + q] = .nan
                } else if rng.index(below: every) == 0 {
                    dwide[f * pitch + q] = rng.uniform(low: -1, high: 1)
                } else if rng.index(below: 3) == 0 {
                    dwide[f * pitch + q] = -0.0
                }
            }
        }
        return dwide
    }

    /// Row (t, c) of the dense weight gradient's right side: channel c shifted by tap t, `computed` values.
    static func shiftedRows(_ x: [Float], input: Shape, kernel: Int, computed: Int) -> [Float] {
        let area = input.height * input.width
        var rows: [Float] = []
        for t in 0..<(kernel * kernel) {
            for c in 0..<input.channels {
                let start = c * area + (t / kernel) * input.width + t % kernel
                rows += x[start..<(start + computed)]
            }
        }
        return rows
    }

    /// Every level, and the AVX-512 plan at AVX2 where the CPU has AVX2 but not AVX-512.
    static var plans: [String] {
        let levels = VectorKernels.availableLevels
        return levels.contains("avx2") && !levels.contains("avx512") ? levels + [Self.avx512PlanAtAVX2] : levels
    }

    static let avx512PlanAtAVX2 = "avx2 planned as avx512"

    /// Runs the kernels as `plan` says until the next call.
    static func use(_ plan: String) {
        VectorKernels.sparseGradientsPlanAVX512ForTesting(plan == avx512PlanAtAVX2)
        VectorKernels.use(plan == avx512PlanAtAVX2 ? "avx2" : plan)
    }

    /// A case's input shape, computed positions, dwide's row pitch and the taps' depth k²C.
    static func sizes(_ s: Case) -> (input: Shape, computed: Int, pitch: Int, depth: Int) {
        let rows = (s.height - s.kernel + 1) * s.width
        return (Shape(channels: s.channels, height: s.height, width: s.width), rows - (s.kernel - 1),
                rows + s.extraPitch, s.kernel * s.kernel * s.channels)
    }

    static let cases: [Case] = [
        (32, 64, 13, 13, 2, 0), (33, 5, 9, 11, 3, 4), (48, 7, 6, 20, 4, 0), (64, 128, 7, 7, 2, 0), (40, 3, 7, 5, 5, 0),
        (32, 1, 3, 40, 2, 17), (96, 9, 5, 6, 2, 0),
        // Several samples' gathered rows, as `TapGEMMConvolution.backwardPlanes` passes them: a
        // k²C-channel plane of one row read by a 1×1 kernel.
        (256, 16, 1, 100, 1, 0),
    ]

    @Test func sparseWeightGradientIsTheDenseProductsBits() {
        let levels = Self.plans
        defer { Self.use(VectorKernels.availableLevels[0]) }
        // The weight gradient runs from 8 channels: a partial vector of 16, and one whole one.
        let narrower: [Case] = [(8, 16, 12, 12, 4, 0), (16, 32, 9, 13, 2, 3)]
        for (index, s) in (Self.cases + narrower).enumerated() {
            let (input, computed, pitch, depth) = Self.sizes(s)
            let x = randomValues(input.count, seed: 80 + UInt64(index))
            let before = randomValues(s.filters * depth, seed: 90 + UInt64(index))
            for every in [4, 9] {
                var dwide = Self.sparsePlane(filters: s.filters, pitch: pitch, computed: computed, every: every,
                                             seed: 100 + UInt64(index))
                if index == 1 { dwide[2 * pitch + 3] = .nan }
                var slow = before
                NaiveKernels.gemm(transposeA: false, transposeB: true, m: s.filters, n: depth, k: computed,
                                  a: NaiveTwinTests.rows(dwide, count: s.filters, width: computed, stride: pitch),
                                  b: Self.shiftedRows(x, input: input, kernel: s.kernel, computed: computed),
                                  accumulate: true, c: &slow)
                for level in levels {
                    Self.use(level)
                    var fast = before
                    let ran = Self.weightGradient(x, s, input: input, dwide, pitch: pitch, computed: computed, &fast)
                    #expect(ran, "\(level) \(s) 1 in \(every)")
                    #expect(NaiveTwinTests.differing(fast, slow) == 0, "\(level) \(s) 1 in \(every)")
                }
            }
        }
    }

    @Test func sparseInputGradientIsTheDenseProductsBits() {
        let levels = Self.plans
        defer { Self.use(VectorKernels.availableLevels[0]) }
        for (index, s) in Self.cases.enumerated() {
            let (input, computed, pitch, depth) = Self.sizes(s)
            let taps = randomValues(s.filters * depth, seed: 110 + UInt64(index))
            for every in [4, 9] {
                var dwide = Self.sparsePlane(filters: s.filters, pitch: pitch, computed: computed, every: every,
                                             seed: 120 + UInt64(index))
                if index == 1 { dwide[2 * pitch + 3] = .nan }
                let slow = NaiveKernels.tapInputGradient(taps: taps, filters: s.filters, input: input, kernel: s.kernel,
                                                         dwide: dwide, pitch: pitch, computed: computed)
                for level in levels {
                    Self.use(level)
                    var fast = [Float](repeating: 7, count: input.count)
                    let ran = Self.inputGradient(taps, s, input: input, dwide, pitch: pitch, computed: computed, &fast)
                    #expect(ran, "\(level) \(s) 1 in \(every)")
                    #expect(NaiveTwinTests.differing(fast, slow) == 0, "\(level) \(s) 1 in \(every)")
                }
            }
        }
    }

    static func inputGradient(_ taps: [Float], _ s: Case, input: Shape, _ dwide: [Float], pitch: Int, computed: Int,
                              _ dx: inout [Float]) -> Bool {
        taps.withUnsafeBufferPointer { taps in
            dwide.withUnsafeBufferPointer { dwide in
                dx.withUnsafeMutableBufferPointer { dx in
                    VectorKernels.tapInputGradientSparse(taps: taps.baseAddress!, filters: s.filters, input: input,
                                                         kernel: s.kernel, dwide.baseAddress!, pitch: pitch,
                                                         computed: computed, dx.baseAddress!)
                }
            }
        }
    }

    static func weightGradient(_ x: [Float], _ s: Case, input: Shape, _ dwide: [Float], pitch: Int, computed: Int,
                               _ dw: inout [Float]) -> Bool {
        x.withUnsafeBufferPointer { x in
            dwide.withUnsafeBufferPointer { dwide in
                dw.withUnsafeMutableBufferPointer { dw in
                    VectorKernels.tapWeightGradientSparse(x.baseAddress!, input: input, kernel: s.kernel,
                                                          dwide.baseAddress!, filters: s.filters, pitch: pitch,
                                                          computed: computed, dw.baseAddress!)
                }
            }
        }
    }

    /// Where a kernel would be slower (fewer than 8 channels for the weight gradient and 32 for the
    /// input gradient, or more than a third of dwide kept) or not exact (an infinite x for the
    /// weight gradient, an infinite tap for the input gradient: the dense chains would turn 0 · ∞
    /// into NaN), it declines and writes nothing.
    @Test func sparseGradientsDeclineWhereSlowerOrNotExact() {
        let levels = Self.plans
        defer { Self.use(VectorKernels.availableLevels[0]) }
        let narrow: Case = (4, 32, 9, 9, 2, 0), middle: Case = (16, 32, 9, 9, 2, 0), wide: Case = (32, 32, 9, 9, 2, 0)
        for level in levels {
            Self.use(level)
            for (s, every, infinite) in [(narrow, 4, false), (middle, 4, false), (wide, 2, false), (wide, 4, true)] {
                let (input, computed, rows, depth) = Self.sizes(s)
                let dwide = Self.sparsePlane(filters: s.filters, pitch: rows, computed: computed, every: every, seed: 130)
                var x = randomValues(input.count, seed: 131), taps = randomValues(s.filters * depth, seed: 132)
                if infinite {
                    x[5] = .infinity
                    taps[7] = -.infinity
                }
                var dw = [Float](repeating: 3, count: s.filters * depth), dx = [Float](repeating: 3, count: input.count)
                let weightRuns = s.channels == middle.channels  // from 8 channels; the input gradient from 32
                #expect(Self.weightGradient(x, s, input: input, dwide, pitch: rows, computed: computed, &dw) == weightRuns,
                        "\(level) \(s) 1 in \(every)")
                #expect(!Self.inputGradient(taps, s, input: input, dwide, pitch: rows, computed: computed, &dx),
                        "\(level) \(s) 1 in \(every)")
                #expect(weightRuns || dw.allSatisfy { $0 == 3 }, "\(level) \(s)")
                #expect(dx.allSatisfy { $0 == 3 }, "\(level) \(s)")
            }
        }
    }

    /// Where a sum of dw comes to −0 (each kept term's product underflows: −2⁻¹⁰⁰ · 2⁻⁶⁰) the
    /// dense chain may have made it +0 with a dropped term's +0, and where dw holds a −0 already
    /// a filter without terms would keep it: the weight gradient declines, dw as it was.
    @Test func sparseWeightGradientDeclinesWhereASumIsNegativeZero() {
        let levels = Self.plans
        defer { Self.use(VectorKernels.availableLevels[0]) }
        let s: Case = (16, 8, 9, 9, 2, 0)
        let (input, computed, pitch, depth) = Self.sizes(s)
        let kept = Self.sparsePlane(filters: s.filters, pitch: pitch, computed: computed, every: 4, seed: 140)
        let dwide = kept.enumerated().map { q, value in q % pitch < computed && value != 0 ? -0x1p-100 : value }
        let x = [Float](repeating: 0x1p-60, count: input.count)
        for level in levels {
            Self.use(level)
            var dw = [Float](repeating: 0, count: s.filters * depth)
            #expect(!Self.weightGradient(x, s, input: input, dwide, pitch: pitch, computed: computed, &dw), "\(level)")
            #expect(dw.allSatisfy { $0.bitPattern == 0 }, "\(level)")
            var signed = randomValues(s.filters * depth, seed: 141)
            signed[17] = -0.0
            let before = signed
            let finite = Self.sparsePlane(filters: s.filters, pitch: pitch, computed: computed, every: 4, seed: 142)
            #expect(!Self.weightGradient(randomValues(input.count, seed: 143), s, input: input, finite, pitch: pitch,
                                         computed: computed, &signed), "\(level)")
            #expect(NaiveTwinTests.differing(signed, before) == 0, "\(level)")
        }
    }
}
