import Testing
@testable import Engine

/// Every fast path against its deliberately simple twin.
@Suite struct NaiveTwinTests {
    /// Shapes that reach every path of the product: whole and partial 6×16 tiles, the AVX2 and
    /// portable versions' 4-row tiles for the rows 6-row ones leave (one for 1–4 rows: 7, 33, 40,
    /// 16, 64; two for 2: 8, 32, 20, and 200's second block), AVX-512's
    /// paired panels in 6- and 8-row tiles (16, 32, 64 and 200 rows take 8, the last across
    /// two 144-row blocks; 150 rows take 6), their widest tiles (6×64, 8×48) followed by pairs,
    /// single panels and a partial one (48×177×300 and 30×130×300, across two 256-deep blocks),
    /// and not taken for a large shallow block (8×2100×70), depths across several
    /// 256-deep blocks, more rows than one 144-row block, more columns than one 2048-column
    /// block, few columns (computed as Cᵀ), and an untransposed B read in place (shallow, or up
    /// to 256 deep with its rows close together: 33×17×65, 16×100×70) or packed (rows spread
    /// wider: 8×2100×70).
    static let gemmShapes: [(m: Int, n: Int, k: Int)] = [
        (1, 1, 1), (6, 16, 1), (7, 17, 3), (33, 17, 65), (12, 64, 257), (150, 40, 30),
        (2, 4100, 3), (40, 9, 600), (9, 150, 70), (5, 3, 513), (16, 100, 70), (64, 40, 300), (32, 2100, 20),
        (8, 2100, 70), (200, 70, 300), (48, 177, 300), (30, 130, 300),
        // Deep products of A·Bᵀ computed as Cᵀ (13 columns fill worse than 13 rows do; 32 and 64 alike).
        (13, 40, 1100), (32, 64, 1100),
        // An untransposed B 100 deep whose rows (n + 1 = 256 floats, 1 KB) crowd L1's sets: packed,
        // where rows as close but not crowded (above) are read in place.
        (20, 255, 100),
    ]

    /// A convolution's bias gradient: every plane's sum in the twin's order, at every level,
    /// for planes side by side (8 and 4 at a time, then singly) and counts with and without a
    /// tail; values spread over 2¹² so that any other order would round differently.
    @Test func planeSumsAreExactlyTheTwinsOrder() {
        let levels = VectorKernels.availableLevels
        defer { VectorKernels.use(levels[0]) }
        for level in levels {
            VectorKernels.use(level)
            for count in [0, 1, 15, 16, 17, 100, 8828] {
                for planes in [1, 3, 8, 13] {
                    let pitch = count + 5
                    let values = zip(randomValues(planes * pitch, seed: 7), 0..<(planes * pitch)).map { value, i in
                        value * Float(1 << (i % 13))
                    }
                    var fast = [Float](repeating: 0.5, count: planes)
                    values.withUnsafeBufferPointer {
                        VectorKernels.addPlaneSums($0.baseAddress!, planes: planes, count: count, pitch: pitch, to: &fast)
                    }
                    let slow = (0..<planes).map { 0.5 + NaiveKernels.planeSum(values[($0 * pitch)..<($0 * pitch + count)]) }
                    #expect(fast.map(\.bitPattern) == slow.map(\.bitPattern), "\(level) \(count) values × \(planes)")
                }
            }
        }
    }

    /// The direct convolution's kernels are planned for the vector registers a level has: 32
    /// (AVX-512) keep 8 chains and whole 16-position blocks in the weight gradient, 16 (AVX2,
    /// portable C) keep 4 and take the weight gradient's blocks in halves of 8 lanes. Both plans,
    /// run on this CPU whatever it has, and every level's dispatched kernels give the same bits:
    /// filters in every grouping (1–17), channels 1–9, kernels 2–6 (unrolled and not), planes
    /// with and without a tail, dw and the bias sums accumulated onto values already there.
    @Test func directConvolutionPlansGiveTheSameBits() {
        let levels = VectorKernels.availableLevels
        defer { VectorKernels.use(levels[0]) }
        let inputs = [Shape(channels: 1, height: 13, width: 17), Shape(channels: 2, height: 11, width: 16),
                      Shape(channels: 3, height: 9, width: 10), Shape(channels: 9, height: 8, width: 9)]
        func spread(_ values: [Float]) -> [Float] {
            zip(values, values.indices).map { value, i in value * Float(1 << (i % 13)) }
        }
        for input in inputs {
            for kernel in [2, 3, 4, 5, 6] where kernel <= input.height {
                for filters in [1, 2, 3, 4, 7, 8, 9, 17] {
                    let rows = (input.height - kernel + 1) * input.width
                    let x = spread(randomValues(input.count, seed: 21))
                    let weights = randomValues(filters * input.channels * kernel * kernel, seed: 22)
                    let dwide = spread(randomValues(filters * rows, seed: 23))
                    let startDW = randomValues(weights.count, seed: 24), startDB = randomValues(filters, seed: 25)
                    typealias Results = (wide: [UInt32], dw: [UInt32], db: [UInt32], dx: [UInt32])
                    func run(_ compute: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>,
                                         UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void) -> Results {
                        // The forward writes only the first OH·W − (k − 1) positions: the rest stays 7.
                        var wide = [Float](repeating: 7, count: filters * rows), dw = startDW, db = startDB
                        var dx = [Float](repeating: 7, count: input.count)
                        compute(&wide, &dw, &db, &dx)
                        return (wide.map(\.bitPattern), dw.map(\.bitPattern), db.map(\.bitPattern), dx.map(\.bitPattern))
                    }
                    var results: [(String, Results)] = [16, 32].map { registers in
                        ("\(registers) registers", run { wide, dw, db, dx in
                            VectorKernels.convolutionWidePlanForTesting(registers: registers, x, input, weights,
                                                                        filters: filters, kernel: kernel, dwide,
                                                                        wide: wide, dw: dw, biasGradient: db, dx: dx)
                        })
                    }
                    for level in levels {
                        VectorKernels.use(level)
                        results.append((level, run { wide, dw, db, dx in
                            VectorKernels.convolutionWideForward(x, input, weights, filters: filters, kernel: kernel, wide)
                            VectorKernels.convolutionWideWeightGradient(x, input, dwide, filters: filters, kernel: kernel,
                                                                        dw, biasGradient: db)
                            VectorKernels.convolutionWideInputGradient(weights, input, dwide, filters: filters,
                                                                       kernel: kernel, dx)
                        }))
                    }
                    let (firstName, first) = results[0]
                    for (name, result) in results.dropFirst() {
                        let label = "\(name) against \(firstName): \(input) \(filters)@\(kernel)"
                        #expect(result.wide == first.wide, "forward, \(label)")
                        #expect(result.dw == first.dw, "weight gradient, \(label)")
                        #expect(result.db == first.db, "bias sums, \(label)")
                        #expect(result.dx == first.dx, "input gradient, \(label)")
                    }
                }
            }
        }
    }

    /// The direct convolution's weight gradient takes each plane's sum for the bias gradient
    /// along, from the blocks it loads: the same bits as `addPlaneSums` at every level, for filter
    /// groups of 4, 2 and 1 (taps in one pass or several: 2×2, 3×3, 4×4, 6×6), planes of OH·W
    /// with and without a tail (9·12 = 108, 8·16 = 128), and a second channel that must not add
    /// them again; values spread over 2¹² so that any other order would round differently.
    @Test func directWeightGradientsBiasSumsAreThePlaneSums() {
        let levels = VectorKernels.availableLevels
        defer { VectorKernels.use(levels[0]) }
        let shapes = [Shape(channels: 1, height: 12, width: 12), Shape(channels: 2, height: 9, width: 16)]
        for level in levels {
            VectorKernels.use(level)
            for input in shapes {
                for kernel in [2, 3, 4, 6] {
                    for filters in [1, 2, 7] {
                        let rows = (input.height - kernel + 1) * input.width
                        let dwide = zip(randomValues(filters * rows, seed: 11), 0..<(filters * rows)).map { value, i in
                            value * Float(1 << (i % 13))
                        }
                        let x = randomValues(input.count, seed: 12)
                        var dw = [Float](repeating: 0, count: filters * input.channels * kernel * kernel)
                        var fused = [Float](repeating: 0.5, count: filters), planeSums = fused
                        VectorKernels.convolutionWideWeightGradient(x, input, dwide, filters: filters, kernel: kernel,
                                                                    &dw, biasGradient: &fused)
                        VectorKernels.addPlaneSums(dwide, planes: filters, count: rows, pitch: rows, to: &planeSums)
                        #expect(fused.map(\.bitPattern) == planeSums.map(\.bitPattern),
                                "\(level) \(input) \(filters)@\(kernel)")
                    }
                }
            }
        }
    }

    /// B packed whole beforehand (inference against fixed weights) gives exactly the chain too,
    /// at every level: a transposed B (a dense layer's W) and an untransposed one, on shapes
    /// across several 256-deep blocks and column blocks (896 wide at depth 256), with few columns (never swapped: the
    /// prepacked operand stays on the right) and a shallow untransposed B (packed, not read
    /// in place).
    @Test(arguments: [false, true])
    func gemmWithPrepackedBIsExactlyTheNaiveChain(transposeB: Bool) {
        let levels = VectorKernels.availableLevels
        defer { VectorKernels.use(levels[0]) }
        for level in levels {
            VectorKernels.use(level)
            for (m, n, k) in Self.gemmShapes + [(100, 37, 4200), (13, 2100, 300)] {
                let (lda, ldb, ldc) = (k + 3, (transposeB ? k : n) + 1, n + 2)
                let a = randomValues(m * lda, seed: 1), b = randomValues((transposeB ? n : k) * ldb, seed: 2)
                let start = randomValues(m * ldc, seed: 3)
                var packed = [Float](repeating: .nan, count: VectorKernels.packedGEMMOperandCount(n: n, k: k))
                b.withUnsafeBufferPointer { b in
                    packed.withUnsafeMutableBufferPointer {
                        VectorKernels.packGEMMOperand(transposeB: transposeB, n: n, k: k, b: b.baseAddress!, ldb: ldb,
                                                      into: $0.baseAddress!)
                    }
                }
                for accumulate in [false, true] {
                    var fast = start
                    a.withUnsafeBufferPointer { a in
                        packed.withUnsafeBufferPointer { packed in
                            fast.withUnsafeMutableBufferPointer { c in
                                VectorKernels.gemm(transposeA: false, m: m, n: n, k: k, a: a.baseAddress!, lda: lda,
                                                   packedB: packed.baseAddress!, accumulate: accumulate, c: c.baseAddress!, ldc: ldc)
                            }
                        }
                    }
                    var expected = start
                    a.withUnsafeBufferPointer { a in
                        b.withUnsafeBufferPointer { b in
                            expected.withUnsafeMutableBufferPointer { c in
                                VectorKernels.gemm(transposeA: false, transposeB: transposeB, m: m, n: n, k: k,
                                                   a: a.baseAddress!, lda: lda, b: b.baseAddress!, ldb: ldb,
                                                   accumulate: accumulate, c: c.baseAddress!, ldc: ldc)
                            }
                        }
                    }
                    // gemm is itself checked against the naive chain above.
                    #expect(Self.differing(fast, expected) == 0, "\(level) \(m)×\(n)×\(k) accumulate \(accumulate)")
                }
            }
        }
    }

    /// B's rows from a table of offsets (a convolution's shifted channels): exactly the chain
    /// over the rows in table order, at every level, both shallow (read in place) and deep
    /// (packed), overwriting or accumulating; and transposed (the table then names op(B)'s
    /// columns, as a convolution's weight gradient reads them).
    @Test func gemmWithRowOffsetsIsExactlyTheNaiveChain() {
        let levels = VectorKernels.availableLevels
        defer { VectorKernels.use(levels[0]) }
        for level in levels {
            VectorKernels.use(level)
            // (13, 64, 1100): transposed, computed as Cᵀ with B's rows read in place.
            for (m, n, k) in [(1, 1, 1), (6, 16, 5), (16, 51, 32), (7, 40, 64), (33, 100, 65), (32, 90, 64), (13, 19, 256),
                              (13, 64, 1100)] {
                let lda = k + 2, source = randomValues((k + 3) * (n + 5), seed: 41), a = randomValues(m * lda, seed: 42)
                let offsets = (0..<k).map { p in (p * 7 % (k + 3)) * (n + 5) + p % 4 }
                let start = randomValues(m * n, seed: 43)
                let rows = offsets.flatMap { source[$0..<($0 + n)] }
                let denseA = Self.rows(a, count: m, width: k, stride: lda)
                for accumulate in [false, true] {
                    var fast = start, slow = start
                    a.withUnsafeBufferPointer { a in
                        source.withUnsafeBufferPointer { b in
                            offsets.withUnsafeBufferPointer { offsets in
                                fast.withUnsafeMutableBufferPointer { c in
                                    VectorKernels.gemm(m: m, n: n, k: k, a: a.baseAddress!, lda: lda, b: b.baseAddress!,
                                                       rowOffsets: offsets.baseAddress!, accumulate: accumulate,
                                                       c: c.baseAddress!, ldc: n)
                                }
                            }
                        }
                    }
                    NaiveKernels.gemm(transposeA: false, transposeB: false, m: m, n: n, k: k, a: denseA, b: rows,
                                      accumulate: accumulate, c: &slow)
                    #expect(Self.differing(fast, slow) == 0, "\(level) \(m)×\(n)×\(k) accumulate \(accumulate)")
                }
                // Transposed: n stored rows of k values, op(B) = their transpose; rows overlapping
                // and out of order, or like a convolution's channels shifted by its taps: runs of
                // 8 evenly spaced rows (read in place when a product reads them as its left side).
                let irregular = (0..<n).map { j in (j % 3) * (n + 5) + j % 4 }
                let shiftedChannels = (0..<n).map { j in (j % 8) * (n + 5) + j / 8 }
                for columnOffsets in [irregular, shiftedChannels] {
                    let stored = columnOffsets.flatMap { source[$0..<($0 + k)] }
                    var fast = start, slow = start
                    a.withUnsafeBufferPointer { a in
                        source.withUnsafeBufferPointer { b in
                            columnOffsets.withUnsafeBufferPointer { offsets in
                                fast.withUnsafeMutableBufferPointer { c in
                                    VectorKernels.gemm(transposeB: true, m: m, n: n, k: k, a: a.baseAddress!, lda: lda,
                                                       b: b.baseAddress!, rowOffsets: offsets.baseAddress!,
                                                       accumulate: true, c: c.baseAddress!, ldc: n)
                                }
                            }
                        }
                    }
                    NaiveKernels.gemm(transposeA: false, transposeB: true, m: m, n: n, k: k, a: denseA, b: stored,
                                      accumulate: true, c: &slow)
                    #expect(Self.differing(fast, slow) == 0, "\(level) \(m)×\(n)×\(k) transposed")
                }
            }
        }
    }

    /// The packed inference kernel (what AVX-512 machines run), called directly at every level
    /// this CPU has: exactly the naive chain plus the bias, for batches that leave partial row
    /// tiles and units that leave a partial panel, and for a panel range that starts mid-way.
    @Test func packedDenseKernelIsExactlyTheNaiveChainPlusBias() {
        let levels = VectorKernels.availableLevels
        defer { VectorKernels.use(levels[0]) }
        let (inputs, units) = (37, 45)
        let weights = randomValues(units * inputs, seed: 21), bias = randomValues(units, seed: 22)
        var packed = [Float](repeating: .nan, count: VectorKernels.densePackedCount(units: units, inputs: inputs))
        packed.withUnsafeMutableBufferPointer { VectorKernels.packDense(weights, units: units, inputs: inputs, into: $0.baseAddress!) }
        for level in levels {
            VectorKernels.use(level)
            for count in [1, 3, 14, 25] {
                let x = randomValues(count * inputs, seed: UInt64(30 + count))
                var product = [Float](repeating: 0, count: count * units)
                NaiveKernels.gemm(transposeA: false, transposeB: true, m: count, n: units, k: inputs,
                                  a: x, b: weights, c: &product)
                let expected = product.indices.map { product[$0] + bias[$0 % units] }
                var y = [Float](repeating: .nan, count: count * units)
                for panels in [0..<2, 1..<2, 0..<1] {
                    packed.withUnsafeBufferPointer { packed in
                        VectorKernels.denseForwardPacked(x, count: count, inputs: inputs, packed: packed.baseAddress!,
                                                         units: units, panels: panels, bias: bias, &y)
                    }
                }
                #expect(Self.differing(y, expected) == 0, "\(level), batch \(count)")
            }
        }
    }

    /// How many values of `a` and `b` differ in any bit (a readable failure, unlike two arrays).
    static func differing(_ a: [Float], _ b: [Float]) -> Int {
        a.count == b.count ? zip(a, b).filter { $0.bitPattern != $1.bitPattern }.count : max(a.count, b.count)
    }

    /// The first `width` values of each of `count` rows `stride` apart.
    static func rows(_ values: [Float], count: Int, width: Int, stride: Int) -> [Float] {
        var dense: [Float] = []
        for row in 0..<count { dense += values[(row * stride)..<(row * stride + width)] }
        return dense
    }

    /// The product is exactly its definition, one FMA chain per output, at every kernel level
    /// (and through the AVX-512 version's paired tiles, run with AVX2 instructions where the CPU
    /// has no AVX-512), for both transpositions of each operand, overwriting or accumulating,
    /// with strides wider than the rows.
    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func gemmIsExactlyTheNaiveChain(transposeA: Bool, transposeB: Bool) {
        let levels = VectorKernels.availableLevels
        defer { VectorKernels.use(levels[0]) }
        for path in levels + ["paired"] {
            VectorKernels.use(path == "paired" ? levels[0] : path)
            for (m, n, k) in Self.gemmShapes {
                let (lda, ldb, ldc) = ((transposeA ? m : k) + 3, (transposeB ? k : n) + 1, n + 2)
                let a = randomValues((transposeA ? k : m) * lda, seed: 1), b = randomValues((transposeB ? n : k) * ldb, seed: 2)
                let start = randomValues(m * ldc, seed: 3)
                for accumulate in [false, true] {
                    var fast = start
                    a.withUnsafeBufferPointer { a in
                        b.withUnsafeBufferPointer { b in
                            fast.withUnsafeMutableBufferPointer { c in
                                if path == "paired" {
                                    _ = VectorKernels.gemmPairedForTesting(
                                        transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                                        a: a.baseAddress!, lda: lda, b: b.baseAddress!, ldb: ldb,
                                        accumulate: accumulate, c: c.baseAddress!, ldc: ldc)
                                } else {
                                    VectorKernels.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                                                       a: a.baseAddress!, lda: lda, b: b.baseAddress!, ldb: ldb,
                                                       accumulate: accumulate, c: c.baseAddress!, ldc: ldc)
                                }
                            }
                        }
                    }
                    // The naive twin on dense copies of the strided operands.
                    let denseA = Self.rows(a, count: transposeA ? k : m, width: transposeA ? m : k, stride: lda)
                    let denseB = Self.rows(b, count: transposeB ? n : k, width: transposeB ? k : n, stride: ldb)
                    var slow = Self.rows(start, count: m, width: n, stride: ldc)
                    NaiveKernels.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                                      a: denseA, b: denseB, accumulate: accumulate, c: &slow)
                    // C's padding between rows is left as it was.
                    var expected = start
                    for row in 0..<m {
                        for column in 0..<n { expected[row * ldc + column] = slow[row * n + column] }
                    }
                    #expect(Self.differing(fast, expected) == 0, "\(path) \(m)×\(n)×\(k) accumulate \(accumulate)")
                }
            }
        }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var shape: Shape, filters: Int, kernel: Int, stride: Int, padding: Padding, threads: Int
        var testDescription: String { "\(shape) \(filters)@\(kernel) s\(stride) p\(padding) t\(threads)" }
    }
    static let cases: [Case] = [
        .init(shape: Shape(channels: 1, height: 12, width: 12), filters: 4, kernel: 3, stride: 1, padding: Padding(0), threads: 1),
        .init(shape: Shape(channels: 3, height: 9, width: 11), filters: 5, kernel: 2, stride: 2, padding: Padding(1), threads: 2),
        .init(shape: Shape(channels: 2, height: 8, width: 8), filters: 3, kernel: 5, stride: 3, padding: Padding(2), threads: 3),
        .init(shape: Shape(channels: 4, height: 5, width: 5), filters: 2, kernel: 1, stride: 1, padding: Padding(0), threads: 2),
        // Padding wider than the output row: whole rows of the window fall outside.
        .init(shape: Shape(channels: 2, height: 3, width: 1), filters: 2, kernel: 5, stride: 1, padding: Padding(2), threads: 1),
        .init(shape: Shape(channels: 1, height: 9, width: 10), filters: 3, kernel: 3, stride: 1, padding: Padding(1), threads: 2),
        // Stride-1 valid kernels over 8 channels or more with 64 products per output or more
        // take the tap-GEMM path (no im2col), as in cnn-large's deeper layers.
        .init(shape: Shape(channels: 16, height: 7, width: 9), filters: 5, kernel: 2, stride: 1, padding: Padding(0), threads: 2),
        .init(shape: Shape(channels: 9, height: 6, width: 5), filters: 3, kernel: 3, stride: 1, padding: Padding(0), threads: 3),
        .init(shape: Shape(channels: 17, height: 2, width: 2), filters: 2, kernel: 2, stride: 1, padding: Padding(0), threads: 1),
        // 8 to 15 channels at k = 2 (fewer products) take the direct kernel, as cnn-large's second.
        .init(shape: Shape(channels: 8, height: 7, width: 9), filters: 5, kernel: 2, stride: 1, padding: Padding(0), threads: 2),
        .init(shape: Shape(channels: 15, height: 19, width: 18), filters: 17, kernel: 2, stride: 1, padding: Padding(0), threads: 3),
        .init(shape: Shape(channels: 8, height: 2, width: 2), filters: 2, kernel: 2, stride: 1, padding: Padding(0), threads: 1),
        // Below 8 channels, the direct kernel: 16-position blocks and a tail, filters in
        // groups of 8, 4 and 1, kernel sizes with unrolled taps (2–5) and without (6, 36
        // taps: the weight gradient's taps in three groups).
        .init(shape: Shape(channels: 2, height: 20, width: 23), filters: 13, kernel: 5, stride: 1, padding: Padding(0), threads: 2),
        .init(shape: Shape(channels: 1, height: 30, width: 30), filters: 9, kernel: 3, stride: 1, padding: Padding(0), threads: 1),
        .init(shape: Shape(channels: 3, height: 14, width: 15), filters: 3, kernel: 6, stride: 1, padding: Padding(0), threads: 3),
        .init(shape: Shape(channels: 7, height: 9, width: 8), filters: 4, kernel: 4, stride: 1, padding: Padding(0), threads: 1),
        // Per-side padding: TensorFlow's "same" for even kernels puts the odd one at the
        // bottom and right; at stride 2 the split depends on the size; one side only.
        .init(shape: Shape(channels: 2, height: 7, width: 8), filters: 3, kernel: 2, stride: 1,
              padding: .same(input: Shape(channels: 2, height: 7, width: 8), window: 2, stride: 1), threads: 2),
        .init(shape: Shape(channels: 3, height: 9, width: 6), filters: 4, kernel: 4, stride: 1,
              padding: .same(input: Shape(channels: 3, height: 9, width: 6), window: 4, stride: 1), threads: 3),
        .init(shape: Shape(channels: 2, height: 9, width: 8), filters: 3, kernel: 2, stride: 2,
              padding: .same(input: Shape(channels: 2, height: 9, width: 8), window: 2, stride: 2), threads: 1),
        .init(shape: Shape(channels: 1, height: 10, width: 7), filters: 2, kernel: 4, stride: 2,
              padding: .same(input: Shape(channels: 1, height: 10, width: 7), window: 4, stride: 2), threads: 2),
        .init(shape: Shape(channels: 9, height: 6, width: 7), filters: 3, kernel: 3, stride: 1,
              padding: Padding(top: 0, left: 2, bottom: 1, right: 0), threads: 2),
    ]

    @Test(arguments: cases)
    func convolutionMatchesNaive(_ c: Case) throws {
        let count = 5
        let layer = initialized(try Convolution(input: c.shape, filters: c.filters, kernel: c.kernel,
                                                stride: c.stride, padding: c.padding))
        layer.threads = c.threads
        let input = randomValues(count * c.shape.count, seed: 3)
        let outputGradient = randomValues(count * layer.outputShape.count, seed: 4)
        var output = [Float](repeating: 0, count: outputGradient.count)
        var inputGradient = [Float](repeating: 0, count: input.count)
        var rng = RandomGenerator(seed: 0)
        layer.forward(input: input, output: &output, count: count, training: true, rng: &rng)
        layer.backward(input: input, output: output, outputGradient: outputGradient,
                       inputGradient: &inputGradient, count: count)
        let expected = NaiveKernels.convolutionForward(input: input, shape: c.shape, count: count,
                                                       weights: layer.weight.values, bias: layer.bias.values,
                                                       filters: c.filters, kernel: c.kernel, stride: c.stride,
                                                       padding: c.padding)
        let gradients = NaiveKernels.convolutionBackward(input: input, shape: c.shape, count: count,
                                                         weights: layer.weight.values, filters: c.filters,
                                                         kernel: c.kernel, stride: c.stride, padding: c.padding,
                                                         outputGradient: outputGradient)
        func close(_ a: [Float], _ b: [Float], _ label: String) {
            #expect(a.count == b.count)
            let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
            #expect(worst < 1e-4, "\(label): worst difference \(worst)")
        }
        close(output, expected, "output")
        close(inputGradient, gradients.input, "input gradient")
        close(layer.weight.gradient, gradients.weights, "weight gradient")
        close(layer.bias.gradient, gradients.bias, "bias gradient")
    }

    /// x·Wᵀ + b by the naive GEMM, count×units.
    func naiveDense(_ layer: Dense, _ x: [Float], count: Int) -> [Float] {
        var product = [Float](repeating: 0, count: count * layer.units)
        NaiveKernels.gemm(transposeA: false, transposeB: true, m: count, n: layer.units, k: layer.inputShape.count,
                          a: x, b: layer.weight.values, c: &product)
        let bias = layer.bias.values
        return product.indices.map { product[$0] + bias[$0 % layer.units] }
    }

    /// Training (the engine's GEMM, then a tiled transpose: 37 units and 21 rows leave partial tiles)
    /// and inference (the packed kernel) against the naive GEMM.
    @Test(arguments: [true, false])
    func denseMatchesNaiveGemm(training: Bool) throws {
        let (count, inputs, units) = (21, 13, 37)
        let layer = initialized(try Dense(input: Shape(channels: inputs, height: 1, width: 1), units: units))
        layer.threads = 2
        let x = randomValues(count * inputs, seed: 5)
        var y = [Float](repeating: 0, count: count * units)
        var rng = RandomGenerator(seed: 0)
        layer.forward(input: x, output: &y, count: count, training: training, rng: &rng)
        let worst = zip(y, naiveDense(layer, x, count: count)).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-5, "worst difference \(worst)")
    }

    /// A training forward is exactly the naive chain plus the bias, at every level and thread
    /// count, on shapes with partial tiles both ways and more than one 256-deep block.
    @Test(arguments: [1, 2, 3])
    func denseTrainingForwardIsExactlyTheChain(threads: Int) throws {
        let levels = VectorKernels.availableLevels
        defer { VectorKernels.use(levels[0]) }
        for level in levels {
            VectorKernels.use(level)
            for (count, inputs, units) in [(21, 300, 37), (64, 600, 70)] {
                let layer = initialized(try Dense(input: Shape(channels: inputs, height: 1, width: 1), units: units))
                layer.threads = threads
                let x = randomValues(count * inputs, seed: 8)
                var y = [Float](repeating: 0, count: count * units)
                var rng = RandomGenerator(seed: 0)
                layer.forward(input: x, output: &y, count: count, training: true, rng: &rng)
                #expect(y.map(\.bitPattern) == naiveDense(layer, x, count: count).map(\.bitPattern),
                        "\(level) \(count)×\(inputs)→\(units)")
            }
        }
    }

    /// Inference multiplies against packed panels of 32 units: 70 units is two whole panels
    /// and a partial one, 29 rows are two 12-row tiles, a 4-row one and single rows.
    @Test(arguments: [1, 2, 3])
    func denseInferenceMatchesNaiveAndIgnoresBatchAndThreads(threads: Int) throws {
        let (count, inputs, units) = (29, 45, 70)
        let layer = initialized(try Dense(input: Shape(channels: inputs, height: 1, width: 1), units: units))
        layer.threads = threads
        let x = randomValues(count * inputs, seed: 6)
        func infer(_ rows: Range<Int>) -> [Float] {
            var y = [Float](repeating: 0, count: rows.count * units)
            var rng = RandomGenerator(seed: 0)
            layer.forward(input: Array(x[(rows.lowerBound * inputs)..<(rows.upperBound * inputs)]), output: &y,
                          count: rows.count, training: false, rng: &rng)
            return y
        }
        let y = infer(0..<count)
        let worst = zip(y, naiveDense(layer, x, count: count)).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-5, "worst difference \(worst)")
        // Each sample's outputs are the same bits alone, in a smaller batch, or at any thread count.
        #expect(infer(7..<8) == Array(y[(7 * units)..<(8 * units)]))
        #expect(infer(12..<17) == Array(y[(12 * units)..<(17 * units)]))
        layer.threads = 1
        #expect(infer(0..<count) == y)
    }

    /// The packed copy follows the weights: after an optimizer step and after `values` is set.
    @Test func denseInferenceSeesNewWeights() throws {
        let (count, inputs, units) = (5, 33, 40)
        let layer = initialized(try Dense(input: Shape(channels: inputs, height: 1, width: 1), units: units))
        let x = randomValues(count * inputs, seed: 8)
        func inferenceMatchesNaive(_ label: String) {
            var y = [Float](repeating: 0, count: count * units)
            var rng = RandomGenerator(seed: 0)
            layer.forward(input: x, output: &y, count: count, training: false, rng: &rng)
            let worst = zip(y, naiveDense(layer, x, count: count)).map { abs($0 - $1) }.max()!
            #expect(worst < 1e-5, "\(label): worst difference \(worst)")
        }
        inferenceMatchesNaive("initial")
        layer.weight.gradient = randomValues(layer.weight.count, seed: 9)
        Optimizer(.sgd, parameters: layer.parameters).step(learningRate: 0.5)
        inferenceMatchesNaive("after a step")
        layer.weight.values = randomValues(layer.weight.count, seed: 10)
        inferenceMatchesNaive("after setting values")
    }

    /// Deeper layers (more than 4096 inputs: the MLP's and nouri's first) infer over a batch by
    /// whichever kernel their first calls timed faster (on AVX-512; by training's product
    /// elsewhere): every call, on trial of either kernel or after the choice, gives the bits of
    /// the training forward, at any thread count (each split packs its own share), and both
    /// kernels' packed copies follow the weights (each state takes a batch size of its own, so
    /// that both kernels are on trial in each).
    @Test func deepDenseInferenceIsTrainingsProductAndFollowsTheWeights() throws {
        let (inputs, units) = (4300, 37)
        let layer = initialized(try Dense(input: Shape(channels: inputs, height: 1, width: 1), units: units))
        let x = randomValues(20 * inputs, seed: 12)
        func forward(count: Int, training: Bool, threads: Int) -> [Float] {
            layer.threads = threads
            var y = [Float](repeating: 0, count: count * units)
            var rng = RandomGenerator(seed: 0)
            layer.forward(input: x, output: &y, count: count, training: training, rng: &rng)
            return y
        }
        func inferenceIsTrainingsForward(_ label: String, count: Int) {
            let trained = forward(count: count, training: true, threads: 2)
            let worst = zip(trained, naiveDense(layer, x, count: count)).map { abs($0 - $1) }.max()!
            #expect(worst < 1e-4, "\(label): worst difference \(worst)")
            for threads in [1, 2, 3] {
                for call in 0...(2 * DenseInferenceChoice.trials) {  // both kernels' trials, then the choice
                    #expect(Self.differing(forward(count: count, training: false, threads: threads), trained) == 0,
                            "\(label), \(threads) threads, call \(call)")
                }
            }
        }
        inferenceIsTrainingsForward("initial", count: 20)
        layer.weight.gradient = randomValues(layer.weight.count, seed: 13)
        Optimizer(.sgd, parameters: layer.parameters).step(learningRate: 0.5)
        inferenceIsTrainingsForward("after a step", count: 19)
        layer.weight.values = randomValues(layer.weight.count, seed: 14)
        inferenceIsTrainingsForward("after setting values", count: 18)
    }

    /// The timed choice alternates the kernels until each has had its trials, then keeps the
    /// one whose fastest call was fastest, for each batch size and thread count on its own.
    @Test func denseInferenceChoiceTriesBothThenKeepsTheFastest() {
        var choice = DenseInferenceChoice()
        var ran: [DenseInferenceKernel] = []
        // The panels' fastest call beats the GEMM's, though one slow call makes their mean the
        // slower: the fastest call decides, as a shared core only ever adds time.
        let seconds: [DenseInferenceKernel: [Double]] = [.packedPanels: [0.9, 0.2, 0.3], .gemm: [0.25, 0.5, 0.6]]
        for _ in 0..<(2 * DenseInferenceChoice.trials) {
            #expect(choice.chosenKernel(count: 100, threads: 1) == nil)
            let kernel = choice.kernel(count: 100, threads: 1)
            let call = ran.filter { $0 == kernel }.count
            ran.append(kernel)
            choice.record(kernel, seconds: seconds[kernel]![call], count: 100, threads: 1)
        }
        #expect(ran == [.packedPanels, .gemm, .packedPanels, .gemm, .packedPanels, .gemm])
        #expect(choice.chosenKernel(count: 100, threads: 1) == .packedPanels)
        #expect(choice.kernel(count: 100, threads: 1) == .packedPanels)
        // Later times change nothing; another batch size or thread count is on trial of its own.
        choice.record(.packedPanels, seconds: 99, count: 100, threads: 1)
        #expect(choice.kernel(count: 100, threads: 1) == .packedPanels)
        #expect(choice.chosenKernel(count: 100, threads: 2) == nil)
        #expect(choice.chosenKernel(count: 99, threads: 1) == nil)
        for _ in 0..<DenseInferenceChoice.trials {
            for kernel in DenseInferenceKernel.allCases {
                choice.record(kernel, seconds: kernel == .gemm ? 1 : 2, count: 100, threads: 2)
            }
        }
        #expect(choice.chosenKernel(count: 100, threads: 2) == .gemm)
    }

    /// Which algorithm a stride-1 valid convolution takes: tap GEMMs from 8 channels and 64
    /// products per output (C·k²) on, the direct kernel below. It fixes each output's order
    /// of terms, so the results of a shape depend on this rule: a change is a change of results.
    @Test func tapGEMMsFromEightChannelsAndSixtyFourProducts() throws {
        let cases: [(channels: Int, kernel: Int, tapGEMM: Bool)] = [
            (1, 3, false), (7, 4, false), (8, 2, false), (15, 2, false), (16, 2, true), (8, 3, true), (8, 4, true), (64, 2, true),
        ]
        for c in cases {
            let layer = try Convolution(input: Shape(channels: c.channels, height: 6, width: 6), filters: 2, kernel: c.kernel)
            #expect((layer.algorithm is TapGEMMConvolution) == c.tapGEMM, "C = \(c.channels), k = \(c.kernel)")
            #expect((layer.algorithm is DirectWideConvolution) == !c.tapGEMM, "C = \(c.channels), k = \(c.kernel)")
        }
    }

    /// A tap-GEMM convolution's input gradient straight into dx, at every level this CPU has:
    /// exactly dcol then its shifted rows added. The shapes reach tiles of 8 and 6 channels and
    /// partial ones, AVX2's 4-channel tiles for the channels 6-channel ones leave (one for 16,
    /// 9 and 64 channels, two for 32 and 8), blocks that start before the plane or end past it,
    /// planes shorter than one block (whose every filter's columns are copied), taps shifted by
    /// more than all the filters' rows (a single filter over a short plane: 8×6×40, k = 5), k =
    /// 2 to 5, non-square planes, and rows further apart than the plane (as several samples side
    /// by side lay them out); then 40 random small shapes, each after the others so that the
    /// kernel's reused scratch holds another shape's values. The values past `computed` in each
    /// row are NaN: the kernel may read them but never adds them.
    @Test func tapInputGradientIsExactlyDcolThenShiftedRows() {
        typealias Case = (channels: Int, filters: Int, height: Int, width: Int, kernel: Int, extraPitch: Int)
        var cases: [Case] = [
            (32, 64, 47, 47, 2, 0), (16, 32, 23, 23, 2, 0), (17, 5, 13, 11, 5, 0), (1, 1, 6, 6, 3, 0),
            (3, 2, 4, 4, 3, 0), (9, 7, 6, 40, 3, 5), (64, 3, 5, 5, 2, 0), (8, 16, 9, 9, 4, 31), (6, 40, 12, 9, 2, 0),
            (8, 1, 6, 40, 5, 0), (18, 1, 6, 5, 5, 0),
        ]
        var rng = RandomGenerator(seed: 59)
        for _ in 0..<40 {
            let kernel = 2 + rng.index(below: 4)
            cases.append((1 + rng.index(below: 12), 1 + rng.index(below: 12), kernel + rng.index(below: 10),
                          kernel + rng.index(below: 24), kernel, rng.index(below: 3) == 0 ? rng.index(below: 40) : 0))
        }
        let levels = VectorKernels.availableLevels
        defer { VectorKernels.use(levels[0]) }
        for (index, s) in cases.enumerated() {
            let input = Shape(channels: s.channels, height: s.height, width: s.width)
            let rows = (s.height - s.kernel + 1) * s.width, computed = rows - (s.kernel - 1)
            let pitch = rows + s.extraPitch, depth = s.kernel * s.kernel * s.channels
            let taps = randomValues(s.filters * depth, seed: 60 + UInt64(index))
            var dwide = randomValues(s.filters * pitch, seed: 70 + UInt64(index))
            for f in 0..<s.filters {
                for q in computed..<pitch { dwide[f * pitch + q] = .nan }
            }
            let slow = NaiveKernels.tapInputGradient(taps: taps, filters: s.filters, input: input, kernel: s.kernel,
                                                     dwide: dwide, pitch: pitch, computed: computed)
            for level in levels {
                VectorKernels.use(level)
                var fast = [Float](repeating: 7, count: input.count)
                taps.withUnsafeBufferPointer { taps in
                    dwide.withUnsafeBufferPointer { dwide in
                        fast.withUnsafeMutableBufferPointer { dx in
                            VectorKernels.tapInputGradient(taps: taps.baseAddress!, filters: s.filters, input: input,
                                                           kernel: s.kernel, dwide.baseAddress!, pitch: pitch,
                                                           computed: computed, dx.baseAddress!)
                        }
                    }
                }
                #expect(Self.differing(fast, slow) == 0, "\(level) \(s)")
            }
        }
    }

    /// Which input gradients go straight into dx: a sample's plane of at least one 32-position
    /// block, when samples are not taken several at once. Either way gives the same bits.
    @Test func inputGradientStraightIntoDxForPlanesOfAWholeBlock() throws {
        let cases: [(height: Int, filters: Int, straight: Bool)] = [
            (47, 64, true), (11, 64, true), (7, 16, true), (6, 16, false), (5, 16, false), (5, 128, false), (8, 128, false),
        ]
        for c in cases {
            let layer = try Convolution(input: Shape(channels: 16, height: c.height, width: c.height), filters: c.filters,
                                        kernel: 2)
            let algorithm = try #require(layer.algorithm as? TapGEMMConvolution)
            #expect(algorithm.fusesInputGradient == c.straight, "\(c)")
        }
    }

    /// The tap-GEMM path's weights repacked by tap follow the weights too.
    @Test func tapGEMMConvolutionSeesNewWeights() throws {
        let shape = Shape(channels: 16, height: 6, width: 7), count = 2
        let layer = initialized(try Convolution(input: shape, filters: 3, kernel: 2))
        #expect(layer.algorithm is TapGEMMConvolution)
        let x = randomValues(count * shape.count, seed: 11)
        func forwardMatchesNaive(_ label: String) {
            var y = [Float](repeating: 0, count: count * layer.outputShape.count)
            var rng = RandomGenerator(seed: 0)
            layer.forward(input: x, output: &y, count: count, training: true, rng: &rng)
            let expected = NaiveKernels.convolutionForward(input: x, shape: shape, count: count,
                                                           weights: layer.weight.values, bias: layer.bias.values,
                                                           filters: 3, kernel: 2, stride: 1, padding: .none)
            let worst = zip(y, expected).map { abs($0 - $1) }.max()!
            #expect(worst < 1e-5, "\(label): worst difference \(worst)")
        }
        forwardMatchesNaive("initial")
        layer.weight.gradient = randomValues(layer.weight.count, seed: 12)
        Optimizer(.sgd, parameters: layer.parameters).step(learningRate: 0.5)
        forwardMatchesNaive("after a step")
        layer.weight.values = randomValues(layer.weight.count, seed: 13)
        forwardMatchesNaive("after setting values")
    }

    /// The unrolled 2×2/2 path against a window maximum written out by hand.
    @Test func maxPoolTwoByTwoMatchesWindowMaxima() throws {
        let shape = Shape(channels: 3, height: 9, width: 8)
        let layer = try MaxPool(input: shape, size: 2, stride: 2, maxBatch: 2)
        let x = randomValues(2 * shape.count, seed: 8)
        var y = [Float](repeating: 0, count: 2 * layer.outputShape.count)
        var rng = RandomGenerator(seed: 0)
        layer.forward(input: x, output: &y, count: 2, training: false, rng: &rng)
        var expected: [Float] = []
        for n in 0..<2 {
            for c in 0..<3 {
                for oh in 0..<4 {
                    for ow in 0..<4 {
                        let at = { (i: Int, j: Int) in x[((n * 3 + c) * 9 + 2 * oh + i) * 8 + 2 * ow + j] }
                        expected.append(max(max(at(0, 0), at(0, 1)), max(at(1, 0), at(1, 1))))
                    }
                }
            }
        }
        #expect(y == expected)
    }

    @Test func maxPoolPicksWindowMaxima() throws {
        let layer = try MaxPool(input: Shape(channels: 1, height: 4, width: 5), size: 2, stride: 2, maxBatch: 1)
        let x: [Float] = [1, 5, 2, 0, 9,
                          3, 4, 8, 1, 9,
                          0, 0, -1, -2, 9,
                          7, 0, -3, -4, 9]
        var y = [Float](repeating: 0, count: 4)
        var rng = RandomGenerator(seed: 0)
        layer.forward(input: x, output: &y, count: 1, training: false, rng: &rng)
        #expect(y == [5, 8, 7, -1])  // the last column is dropped (floor)
        var dx = [Float](repeating: 1, count: 20)
        layer.backward(input: x, output: y, outputGradient: [10, 20, 30, 40], inputGradient: &dx, count: 1)
        #expect(dx == [0, 10, 0, 0, 0,
                       0, 0, 20, 0, 0,
                       0, 0, 40, 0, 0,
                       30, 0, 0, 0, 0])
    }

    /// Several threads draw the masks in stretches, each from the generator advanced to its
    /// first draw: the output, the gradient it passes (the mask) and the generator afterwards are
    /// the ones one thread gives, for a count that fills no whole block or vector.
    @Test func dropoutDrawsTheSameMasksAtEveryThreadCount() throws {
        let shape = Shape(channels: 10_007, height: 1, width: 1), count = 3
        let x = randomValues(count * shape.count, seed: 14), dy = randomValues(count * shape.count, seed: 15)
        func run(threads: Int) throws -> (y: [Float], dx: [Float], after: RandomGenerator) {
            let layer = try Dropout(input: shape, rate: 0.3, maxBatch: count)
            layer.threads = threads
            var y = [Float](repeating: 0, count: x.count), dx = y
            var rng = RandomGenerator(seed: 16, stream: .dropout)
            _ = rng.next()
            layer.forward(input: x, output: &y, count: count, training: true, rng: &rng)
            layer.backward(input: x, output: y, outputGradient: dy, inputGradient: &dx, count: count)
            return (y, dx, rng)
        }
        let one = try run(threads: 1)
        #expect(count * shape.count >= Dropout.parallelCount)
        #expect(one.y.contains(0) && one.y.contains { $0 != 0 })
        for threads in [2, 3, 7] {
            let several = try run(threads: threads)
            #expect(several.y.map(\.bitPattern) == one.y.map(\.bitPattern), "\(threads) threads")
            #expect(several.dx.map(\.bitPattern) == one.dx.map(\.bitPattern), "\(threads) threads")
            #expect(several.after == one.after, "\(threads) threads")
        }
    }

    @Test func dropoutScalesSurvivorsAndIsIdentityAtInference() throws {
        let layer = try Dropout(input: Shape(channels: 10_000, height: 1, width: 1), rate: 0.5, maxBatch: 1)
        let x = [Float](repeating: 1, count: 10_000)
        var y = x
        var rng = RandomGenerator(seed: 6)
        layer.forward(input: x, output: &y, count: 1, training: true, rng: &rng)
        #expect(y.allSatisfy { $0 == 0 || $0 == 2 })
        let kept = y.filter { $0 == 2 }.count
        #expect(kept > 4_800 && kept < 5_200)
        layer.forward(input: x, output: &y, count: 1, training: false, rng: &rng)
        #expect(y == x)
    }
}
