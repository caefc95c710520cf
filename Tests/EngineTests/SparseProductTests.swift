import Testing
@testable import Engine

/// The product over a sparse left operand (SparseProducts.c), a dense layer's gradients behind a
/// ReLU and dropout, against its naive twin `NaiveKernels.gemm` bit for bit at every kernel level
/// this CPU has and the AVX-512 plan at AVX2: op(A) with about one value in four kept, −0 among
/// the zeros, NaN among the kept values; columns that end in a partial vector, depths over several
/// of the kernel's depth blocks, rows farther apart than the product's; and the cases it must
/// decline.
@Suite(.serialized) struct SparseProductTests {
    typealias Case = (transposeA: Bool, m: Int, n: Int, k: Int)

    static let cases: [Case] = [
        // dW = dYᵀ·X, as `Dense.backward` calls it: the MLP's second layer, a partial vector of 4.
        (true, 100, 100, 100),
        // Depth blocks: 2 (AVX2's plan), 3 (AVX-512's), with C's values crossing them.
        (true, 37, 200, 130),
        // dX = dY·W: more depth than one block holds at either plan, 12 vectors and 8 columns.
        (false, 50, 200, 300),
        (false, 9, 16, 7), (false, 3, 5, 40), (true, 1, 300, 64),
    ]

    /// A (op(A) m×k; stored k×m when transposed) with rows `extra` floats longer than needed, about
    /// one value in `every` kept, the rest ±0; and op(A) dense, for the twin.
    static func sparseOperand(_ s: Case, extra: Int, every: Int, seed: UInt64) -> (stored: [Float], lda: Int, dense: [Float]) {
        var rng = RandomGenerator(seed: seed)
        let storedRows = s.transposeA ? s.k : s.m, lda = (s.transposeA ? s.m : s.k) + extra
        var stored = [Float](repeating: .nan, count: storedRows * lda)  // past each row: never read
        var dense = [Float](repeating: 0, count: s.m * s.k)
        for i in 0..<s.m {
            for p in 0..<s.k {
                var value: Float = rng.index(below: 3) == 0 ? -0.0 : 0
                if rng.index(below: every) == 0 { value = rng.uniform(low: -1, high: 1) }
                dense[i * s.k + p] = value
                stored[s.transposeA ? p * lda + i : i * lda + p] = value
            }
        }
        return (stored, lda, dense)
    }

    static func product(_ s: Case, a: [Float], lda: Int, b: [Float], ldb: Int, c: inout [Float], ldc: Int) -> Bool {
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    VectorKernels.gemmSparseA(transposeA: s.transposeA, m: s.m, n: s.n, k: s.k, a: a.baseAddress!,
                                              lda: lda, b: b.baseAddress!, ldb: ldb, c: c.baseAddress!, ldc: ldc)
                }
            }
        }
    }

    @Test func sparseProductIsTheDenseProductsBits() {
        let levels = SparseTapGradientTests.plans
        defer { SparseTapGradientTests.use(VectorKernels.availableLevels[0]) }
        for (index, s) in Self.cases.enumerated() {
            var (a, lda, denseA) = Self.sparseOperand(s, extra: index % 2 * 5, every: 4, seed: 200 + UInt64(index))
            if index == 2 {  // NaN in op(A) is a term like any other
                denseA[3 * s.k + 11] = .nan
                a[3 * lda + 11] = .nan
            }
            let ldb = s.n + index % 3, ldc = s.n + 2
            let b = randomValues(s.k * ldb, seed: 210 + UInt64(index))
            let denseB = NaiveTwinTests.rows(b, count: s.k, width: s.n, stride: ldb)
            var slow = [Float](repeating: 0, count: s.m * s.n)
            NaiveKernels.gemm(transposeA: false, transposeB: false, m: s.m, n: s.n, k: s.k, a: denseA, b: denseB,
                              c: &slow)
            for level in levels {
                SparseTapGradientTests.use(level)
                var fast = [Float](repeating: 7, count: s.m * ldc)
                #expect(Self.product(s, a: a, lda: lda, b: b, ldb: ldb, c: &fast, ldc: ldc), "\(level) \(s)")
                #expect(NaiveTwinTests.differing(NaiveTwinTests.rows(fast, count: s.m, width: s.n, stride: ldc), slow) == 0,
                        "\(level) \(s)")
                // The columns between C's rows are not C's.
                #expect((0..<s.m).allSatisfy { row in fast[(row * ldc + s.n)..<(row * ldc + ldc)].allSatisfy { $0 == 7 } },
                        "\(level) \(s)")
            }
        }
    }

    /// Where more than half of op(A) is kept (the dense product is faster), or B holds a value that
    /// is not finite, whether in the first block of columns or in the partial vector at the end
    /// (the dense chains would turn 0 · ∞ into NaN), or a result is −0 (see the next test), the
    /// kernel declines.
    @Test func sparseProductDeclinesWhereSlowerOrNotExact() {
        let levels = SparseTapGradientTests.plans
        defer { SparseTapGradientTests.use(VectorKernels.availableLevels[0]) }
        let s: Case = (true, 40, 70, 60)
        for level in levels {
            SparseTapGradientTests.use(level)
            let quarter = Self.sparseOperand(s, extra: 0, every: 4, seed: 220)
            let most = Self.sparseOperand(s, extra: 0, every: 1, seed: 221)
            let finite = randomValues(s.k * s.n, seed: 222)
            var early = finite, late = finite
            early[2 * s.n + 5] = .infinity
            late[(s.k - 1) * s.n + s.n - 1] = -.infinity
            var c = [Float](repeating: 0, count: s.m * s.n)
            #expect(Self.product(s, a: quarter.stored, lda: quarter.lda, b: finite, ldb: s.n, c: &c, ldc: s.n), "\(level)")
            #expect(!Self.product(s, a: most.stored, lda: most.lda, b: finite, ldb: s.n, c: &c, ldc: s.n), "\(level)")
            #expect(!Self.product(s, a: quarter.stored, lda: quarter.lda, b: early, ldb: s.n, c: &c, ldc: s.n), "\(level)")
            #expect(!Self.product(s, a: quarter.stored, lda: quarter.lda, b: late, ldb: s.n, c: &c, ldc: s.n), "\(level)")
            let (a, b) = Self.underflowing(rows: 3, columns: 20, depth: 8)
            #expect(!Self.product((false, 3, 20, 8), a: a, lda: 8, b: b, ldb: 20, c: &c, ldc: 20), "\(level)")
        }
    }

    /// A (rows×depth) whose first column only is kept, −2⁻¹⁰⁰, and B (depth×columns) all 2⁻⁶⁰:
    /// each chain's first product underflows to −0 and the next, 0 · 2⁻⁶⁰ = +0, turns the dense
    /// chain's −0 into +0, where a chain that drops it would keep −0.
    static func underflowing(rows: Int, columns: Int, depth: Int) -> (a: [Float], b: [Float]) {
        var a = [Float](repeating: 0, count: rows * depth)
        for row in 0..<rows { a[row * depth] = -0x1p-100 }
        return (a, [Float](repeating: 0x1p-60, count: depth * columns))
    }

    /// A dense layer whose output gradient's products underflow keeps the dense chains' +0.
    @Test func denseBackwardKeepsTheDenseProductsZeroAfterAnUnderflow() throws {
        let levels = SparseTapGradientTests.plans
        defer { SparseTapGradientTests.use(VectorKernels.availableLevels[0]) }
        let (count, inputs, units) = (8, 20, 3)
        let layer = initialized(try Dense(input: Shape(channels: inputs, height: 1, width: 1), units: units))
        // dY (count×units) is the transpose of A: sample 0 alone carries each unit's value.
        let (dyT, x) = Self.underflowing(rows: units, columns: inputs, depth: count)
        let dy = (0..<(count * units)).map { dyT[($0 % units) * count + $0 / units] }
        var expected = [Float](repeating: 0, count: units * inputs)
        NaiveKernels.gemm(transposeA: true, transposeB: false, m: units, n: inputs, k: count, a: dy, b: x,
                          c: &expected)
        #expect(expected.allSatisfy { $0 == 0 && $0.sign == .plus })
        for level in levels {
            SparseTapGradientTests.use(level)
            layer.backward(input: x, output: [Float](repeating: 0, count: count * units), outputGradient: dy,
                           inputGradient: nil, count: count)
            #expect(NaiveTwinTests.differing(layer.weight.gradient, expected) == 0, "\(level)")
        }
    }

    /// A dense layer's backward with its output gradient as a ReLU and dropout leave it (one value
    /// in four, the rest ±0) gives the dense products' bits for dW = dYᵀ·X and dX = dY·W, at every
    /// level and thread count (each thread its columns: 130 inputs leave a partial vector); and
    /// so does one whose gradient is dense, where the sparse product declines.
    @Test(arguments: [1, 2, 3])
    func denseBackwardIsTheDenseProductsBits(threads: Int) throws {
        let levels = SparseTapGradientTests.plans
        defer { SparseTapGradientTests.use(VectorKernels.availableLevels[0]) }
        let (count, inputs, units) = (30, 130, 45)
        let layer = initialized(try Dense(input: Shape(channels: inputs, height: 1, width: 1), units: units))
        layer.threads = threads
        let x = randomValues(count * inputs, seed: 230)
        for every in [4, 1] {
            let dy = Self.sparseOperand((false, count, units, units), extra: 0, every: every, seed: 231).dense
            var weightGradient = [Float](repeating: 0, count: units * inputs)
            var inputGradient = [Float](repeating: 0, count: count * inputs)
            NaiveKernels.gemm(transposeA: true, transposeB: false, m: units, n: inputs, k: count, a: dy, b: x,
                              c: &weightGradient)
            NaiveKernels.gemm(transposeA: false, transposeB: false, m: count, n: inputs, k: units, a: dy,
                              b: layer.weight.values, c: &inputGradient)
            for level in levels {
                SparseTapGradientTests.use(level)
                var dx = [Float](repeating: 7, count: count * inputs)
                layer.backward(input: x, output: [Float](repeating: 0, count: count * units), outputGradient: dy,
                               inputGradient: &dx, count: count)
                #expect(NaiveTwinTests.differing(layer.weight.gradient, weightGradient) == 0, "\(level) 1 in \(every)")
                #expect(NaiveTwinTests.differing(dx, inputGradient) == 0, "\(level) 1 in \(every)")
            }
        }
    }
}
