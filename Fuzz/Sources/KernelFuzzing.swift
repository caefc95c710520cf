import CKernels
import Engine

/// The engine's C kernels fed shapes, strides, offsets and values drawn from the input, at every
/// level this CPU runs (AVX-512, AVX2, portable C, and the AVX-512 product's tiles in AVX2).
/// Where the engine has a twin with the kernel's exact arithmetic (`NaiveKernels`: the product's
/// FMA chains, the tap input gradient, the plane sums; the pool's window maxima and its scatter
/// by their definition) the kernel must give its bits; the direct convolutions, whose twins
/// accumulate in Double, must give the same bits at every level. Every buffer is allocated to the
/// last value the kernel may touch, and what lies between a strided output's rows must be left
/// as it was. `make fuzz` builds the C kernels under AddressSanitizer too, so a read or write
/// outside a buffer (the bug class a comparison of results misses) stops the run.
enum KernelFuzzing {
    static func run(_ input: [UInt8]) {
        var draws = FuzzDraws(input)
        let best = Int(kp_best_kernel_level())
        defer { kp_set_kernel_level(Int32(best)) }
        switch draws.byte() % 8 {
        case 0: product(&draws, best: best)
        case 1: productOfRows(&draws, best: best)
        case 2: prepackedProduct(&draws, best: best)
        case 3: tapInputGradient(&draws, best: best)
        case 4: planeSums(&draws, best: best)
        case 5: packedDense(&draws, best: best)
        case 6: directConvolution(&draws, best: best)
        default: poolAndScatter(&draws, best: best)
        }
    }

    /// The most multiply-adds one input's twin computes: keeps an execution within milliseconds.
    static let work = 3_000_000

    // MARK: - The product and its variants

    /// A stored matrix of `rows` rows of `columns` values, `stride` apart, allocated to its last value.
    struct Stored {
        let rows: Int, columns: Int, stride: Int
        let values: Buffer

        init(rows: Int, columns: Int, stride: Int, _ draws: inout FuzzDraws) {
            (self.rows, self.columns, self.stride) = (rows, columns, stride)
            values = Buffer(count: (rows - 1) * stride + columns, &draws)
        }

        /// The rows side by side, dense (what `NaiveKernels.gemm` reads).
        var dense: [Float] { dense(values) }

        /// `buffer`'s values read with this matrix's shape and stride, its rows side by side.
        func dense(_ buffer: Buffer) -> [Float] {
            (0..<rows).flatMap { r in (0..<columns).map { buffer[r * stride + $0] } }
        }
    }

    /// A product drawn from the input: its transpositions, whether it accumulates, its shape,
    /// A, B and C stored at strides past their widths, and C as the naive chain leaves it.
    struct DrawnProduct {
        let transposeA: Bool, transposeB: Bool, accumulate: Bool
        let m: Int, n: Int, k: Int
        let a: Stored, b: Stored, c: Stored
        let expected: [Float]

        init(_ draws: inout FuzzDraws) {
            (transposeA, transposeB, accumulate) = (draws.flag(), draws.flag(), draws.flag())
            (m, n, k) = draws.productShape()
            a = Stored(rows: transposeA ? k : m, columns: transposeA ? m : k,
                       stride: (transposeA ? m : k) + draws.int(in: 0...3), &draws)
            b = Stored(rows: transposeB ? n : k, columns: transposeB ? k : n,
                       stride: (transposeB ? k : n) + draws.int(in: 0...3), &draws)
            c = Stored(rows: m, columns: n, stride: n + draws.int(in: 0...3), &draws)
            var expected = c.dense
            NaiveKernels.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, a: a.dense,
                              b: b.dense, accumulate: accumulate, c: &expected)
            self.expected = expected
        }
    }

    /// C (+)= op(A)·op(B) with A, B and C at strides past their widths: `kp_gemm`, and the same
    /// product through the AVX-512 version's paired tiles.
    private static func product(_ draws: inout FuzzDraws, best: Int) {
        let p = DrawnProduct(&draws)
        let label = "kp_gemm(\(p.transposeA), \(p.transposeB), m \(p.m), n \(p.n), k \(p.k), lda \(p.a.stride), "
            + "ldb \(p.b.stride), accumulate \(p.accumulate), ldc \(p.c.stride))"
        for level in 0...best {
            kp_set_kernel_level(Int32(level))
            let out = p.c.values.copy()
            kp_gemm(p.transposeA ? 1 : 0, p.transposeB ? 1 : 0, p.m, p.n, p.k, p.a.values.pointer, p.a.stride,
                    p.b.values.pointer, p.b.stride, p.accumulate ? 1 : 0, out.pointer, p.c.stride)
            expectMatrix(out, p.c, p.expected, "\(label) at level \(level)")
        }
        let paired = p.c.values.copy()
        if kp_gemm_paired_for_testing(p.transposeA ? 1 : 0, p.transposeB ? 1 : 0, p.m, p.n, p.k, p.a.values.pointer,
                                      p.a.stride, p.b.values.pointer, p.b.stride, p.accumulate ? 1 : 0, paired.pointer,
                                      p.c.stride) != 0 {
            expectMatrix(paired, p.c, p.expected, "\(label), paired tiles in AVX2")
        }
    }

    /// `kp_gemm_rows`: B's stored rows at offsets drawn anywhere in one buffer (overlapping, out of
    /// order, close together or far apart: both sides of the in-place rule), or in runs of evenly
    /// spaced rows, like a convolution's channels shifted by its taps (read in place as a left side).
    private static func productOfRows(_ draws: inout FuzzDraws, best: Int) {
        let transposeB = draws.flag(), accumulate = draws.flag()
        let (m, n, k) = draws.productShape()
        let a = Stored(rows: m, columns: k, stride: k + draws.int(in: 0...3), &draws)
        let storedRows = transposeB ? n : k, rowLength = transposeB ? k : n
        // Mostly within a few rows' span; sometimes across more than the 512 KB read in place.
        let span = draws.flag() ? rowLength + draws.int(in: 0...(4 * rowLength)) : rowLength + 140_000
        let b = Buffer(count: span, &draws)
        let last = span - rowLength
        let offsets: [Int]
        if draws.flag() {
            let run = draws.int(in: 1...9), spacing = draws.int(in: 0...(last / run))
            offsets = (0..<storedRows).map { r in min(last, (r % run) * spacing + r / run) }
        } else {
            offsets = (0..<storedRows).map { _ in draws.int(in: 0...last) }
        }
        let c = Stored(rows: m, columns: n, stride: n + draws.int(in: 0...3), &draws)
        let denseB = offsets.flatMap { start in (0..<rowLength).map { b[start + $0] } }
        var expected = c.dense
        NaiveKernels.gemm(transposeA: false, transposeB: transposeB, m: m, n: n, k: k, a: a.dense, b: denseB,
                          accumulate: accumulate, c: &expected)
        for level in 0...best {
            kp_set_kernel_level(Int32(level))
            let out = c.values.copy()
            offsets.withUnsafeBufferPointer { offsets in
                kp_gemm_rows(transposeB ? 1 : 0, m, n, k, a.values.pointer, a.stride, b.pointer, offsets.baseAddress,
                             accumulate ? 1 : 0, out.pointer, c.stride)
            }
            expectMatrix(out, c, expected, "kp_gemm_rows(\(transposeB), m \(m), n \(n), k \(k), span \(span), "
                         + "accumulate \(accumulate)) at level \(level)")
        }
    }

    /// `kp_gemm_pack_b_whole`, then `kp_gemm_prepacked_b` from the packed copy.
    private static func prepackedProduct(_ draws: inout FuzzDraws, best: Int) {
        let p = DrawnProduct(&draws)
        let packed = Buffer(zeros: kp_gemm_packed_b_count(p.n, p.k))
        kp_gemm_pack_b_whole(p.transposeB ? 1 : 0, p.n, p.k, p.b.values.pointer, p.b.stride, packed.pointer)
        for level in 0...best {
            kp_set_kernel_level(Int32(level))
            let out = p.c.values.copy()
            kp_gemm_prepacked_b(p.transposeA ? 1 : 0, p.m, p.n, p.k, p.a.values.pointer, p.a.stride, packed.pointer,
                                p.accumulate ? 1 : 0, out.pointer, p.c.stride)
            expectMatrix(out, p.c, p.expected, "kp_gemm_prepacked_b(\(p.transposeA), \(p.transposeB), m \(p.m), "
                         + "n \(p.n), k \(p.k), accumulate \(p.accumulate)) at level \(level)")
        }
    }

    // MARK: - Convolutions

    /// A stride-1 unpadded convolution's sizes: `computed` = OH·W − (k − 1) wide positions.
    struct Convolution {
        let filters: Int, input: Shape, kernel: Int
        var rows: Int { (input.height - kernel + 1) * input.width }
        var computed: Int { rows - (kernel - 1) }
        var taps: Int { kernel * kernel * input.channels }

        init(_ draws: inout FuzzDraws, mostFilters: Int, mostChannels: Int) {
            kernel = draws.int(in: 1...5)
            var filters = draws.int(in: 1...mostFilters), channels = draws.int(in: 1...mostChannels)
            var height = draws.int(in: kernel...40), width = draws.int(in: kernel...40)
            // Within the work budget: the product's filters × taps × positions.
            while filters * kernel * kernel * channels * (height - kernel + 1) * width > KernelFuzzing.work {
                if filters > 1 { filters = (filters + 1) / 2 }
                if channels > 1 { channels = (channels + 1) / 2 }
                if height > kernel { height -= 1 }
                if width > kernel { width -= 1 }
            }
            self.filters = filters
            input = Shape(channels: channels, height: height, width: width)
        }
    }

    /// `kp_tap_input_gradient` against dcol then its shifted rows (`NaiveKernels.tapInputGradient`),
    /// dwide's rows `pitch` ≥ computed apart and allocated to the last filter's last computed value.
    private static func tapInputGradient(_ draws: inout FuzzDraws, best: Int) {
        let geometry = Convolution(&draws, mostFilters: 70, mostChannels: 12)
        let pitch = geometry.computed + draws.int(in: 0...(geometry.kernel - 1 + 3))
        let taps = Buffer(count: geometry.filters * geometry.taps, &draws)
        let dwide = Buffer(count: (geometry.filters - 1) * pitch + geometry.computed, &draws)
        let expected = NaiveKernels.tapInputGradient(taps: taps.array, filters: geometry.filters, input: geometry.input,
                                                     kernel: geometry.kernel, dwide: dwide.array, pitch: pitch,
                                                     computed: geometry.computed)
        for level in 0...best {
            kp_set_kernel_level(Int32(level))
            let dx = Buffer(count: geometry.input.count, &draws)
            kp_tap_input_gradient(taps.pointer, geometry.filters, geometry.input.channels, geometry.kernel,
                                  geometry.input.height, geometry.input.width, dwide.pointer, pitch, geometry.computed,
                                  dx.pointer)
            expectSame(dx.array, expected, "kp_tap_input_gradient(\(geometry), pitch \(pitch)) at level \(level)")
        }
    }

    /// The direct convolution's forward, weight gradient and input gradient: the same bits at every level.
    private static func directConvolution(_ draws: inout FuzzDraws, best: Int) {
        let geometry = Convolution(&draws, mostFilters: 20, mostChannels: 8)
        let (filters, input, kernel) = (geometry.filters, geometry.input, geometry.kernel)
        let x = Buffer(count: input.count, &draws)
        let weights = Buffer(count: filters * input.channels * kernel * kernel, &draws)
        let dwide = Buffer(count: filters * geometry.rows, &draws)
        let dwStart = Buffer(count: weights.count, &draws), dbStart = Buffer(count: filters, &draws)
        // The bias sums the weight gradient takes along: `kp_add_plane_sums`'s order, bit for bit.
        let dbExpected = (0..<filters).map { f in
            dbStart[f] + NaiveKernels.planeSum(dwide.array[(f * geometry.rows)..<((f + 1) * geometry.rows)])
        }
        var first: (wide: [Float], dw: [Float], dx: [Float])?
        for level in 0...best {
            kp_set_kernel_level(Int32(level))
            let wide = Buffer(zeros: dwide.count), dw = dwStart.copy(), dx = Buffer(count: input.count, &draws)
            let db = dbStart.copy()
            kp_convolution_wide_forward(x.pointer, input.channels, input.height, input.width, weights.pointer, filters,
                                        kernel, wide.pointer)
            kp_convolution_wide_weight_gradient(x.pointer, input.channels, input.height, input.width, dwide.pointer,
                                                filters, kernel, dw.pointer, db.pointer)
            expectSame(db.array, dbExpected, "kp_convolution_wide_weight_gradient(\(geometry))'s bias sums at level \(level)")
            kp_convolution_wide_input_gradient(weights.pointer, input.channels, input.height, input.width,
                                               dwide.pointer, filters, kernel, dx.pointer)
            // Only the computed positions of each plane are the forward's.
            let computedWide = (0..<filters).flatMap { f in (0..<geometry.computed).map { wide[f * geometry.rows + $0] } }
            guard let first else {
                first = (computedWide, dw.array, dx.array)
                continue
            }
            let label = "\(geometry) at level \(level) against level 0"
            expectSame(computedWide, first.wide, "kp_convolution_wide_forward(\(label))")
            expectSame(dw.array, first.dw, "kp_convolution_wide_weight_gradient(\(label))")
            expectSame(dx.array, first.dx, "kp_convolution_wide_input_gradient(\(label))")
        }
    }

    // MARK: - Sums, dense inference, pooling

    /// `kp_add_plane_sums` against `NaiveKernels.planeSum` added to each running sum.
    private static func planeSums(_ draws: inout FuzzDraws, best: Int) {
        let planeCount = draws.int(in: 1...20), count = draws.int(in: 1...600)
        let pitch = count + draws.int(in: 0...20)
        let planes = Buffer(count: (planeCount - 1) * pitch + count, &draws)
        let start = Buffer(count: planeCount, &draws)
        let expected = (0..<planeCount).map { p in
            start[p] + NaiveKernels.planeSum(planes.array[(p * pitch)..<(p * pitch + count)])
        }
        for level in 0...best {
            kp_set_kernel_level(Int32(level))
            let sums = start.copy()
            kp_add_plane_sums(planes.pointer, planeCount, count, pitch, sums.pointer)
            expectSame(sums.array, expected, "kp_add_plane_sums(\(planeCount) planes of \(count), pitch \(pitch)) at level \(level)")
        }
    }

    /// `kp_dense_pack` then `kp_dense_forward_packed` over a range of panels: each output of those
    /// panels' units is the FMA chain over the inputs plus the bias, every other one untouched.
    private static func packedDense(_ draws: inout FuzzDraws, best: Int) {
        let panel = Int(KP_DENSE_PANEL)
        var count = draws.int(in: 1...20), inputs = draws.int(in: 1...700), units = draws.int(in: 1...100)
        while count * inputs * units > work { (count, inputs) = ((count + 1) / 2, (inputs + 1) / 2) }
        let panels = (units + panel - 1) / panel
        let firstPanel = draws.int(in: 0...(panels - 1)), panelCount = draws.int(in: 1...(panels - firstPanel))
        let x = Buffer(count: count * inputs, &draws), w = Buffer(count: units * inputs, &draws)
        let bias = Buffer(count: units, &draws), start = Buffer(count: count * units, &draws)
        var chains = [Float](repeating: 0, count: count * units)
        NaiveKernels.gemm(transposeA: false, transposeB: true, m: count, n: units, k: inputs, a: x.array, b: w.array,
                          c: &chains)
        let covered = (firstPanel * panel)..<min(units, (firstPanel + panelCount) * panel)
        let expected = (0..<(count * units)).map { i in covered.contains(i % units) ? chains[i] + bias[i % units] : start[i] }
        let packed = Buffer(zeros: kp_dense_packed_count(units, inputs))
        kp_dense_pack(w.pointer, units, inputs, packed.pointer)
        for level in 0...best {
            kp_set_kernel_level(Int32(level))
            let y = start.copy()
            kp_dense_forward_packed(x.pointer, count, inputs, packed.pointer, units, firstPanel, panelCount,
                                    bias.pointer, y.pointer)
            expectSame(y.array, expected, "kp_dense_forward_packed(count \(count), inputs \(inputs), units \(units), "
                       + "panels \(firstPanel) + \(panelCount)) at level \(level)")
        }
    }

    /// `kp_pool_plane_positive` against its definition (each value plus the bias, the first
    /// maximum in row-major order, max(0, ·), `KP_BLOCKED` when not positive), reading a plane
    /// allocated to the last value its windows cover; then `kp_scatter_plane_positive`, which
    /// must write every value of the planes: 0 + dy at each unblocked winner, 0 elsewhere.
    private static func poolAndScatter(_ draws: inout FuzzDraws, best: Int) {
        let channels = draws.int(in: 1...8), height = draws.int(in: 2...40), pitch = draws.int(in: 2...70)
        let outHeight = draws.int(in: 1...(height / 2)), outWidth = draws.int(in: 1...(pitch / 2))
        let planeSize = height * pitch
        let plane = Buffer(count: (channels - 1) * planeSize + (2 * outHeight - 1) * pitch + 2 * outWidth, &draws,
                           finite: true)
        let bias: Buffer? = draws.flag() ? Buffer(count: channels, &draws, finite: true) : nil
        let outputs = channels * outHeight * outWidth
        var expectedY = [Float](), expectedWinner = [UInt8]()
        for f in 0..<channels {
            for oh in 0..<outHeight {
                for ow in 0..<outWidth {
                    let corner = f * planeSize + 2 * oh * pitch + 2 * ow
                    let value = { (i: Int, j: Int) -> Float in plane[corner + i * pitch + j] + (bias?[f] ?? 0) }
                    var best = value(0, 0), at = 0
                    for i in 0..<2 { for j in 0..<2 where value(i, j) > best { (best, at) = (value(i, j), i * 2 + j) } }
                    expectedY.append(best > 0 ? best : 0)
                    expectedWinner.append(best > 0 ? UInt8(at) : UInt8(KP_BLOCKED))
                }
            }
        }
        let dy = Buffer(count: outputs, &draws)
        var expectedPlanes = [Float](repeating: 0, count: channels * planeSize)
        for f in 0..<channels {
            for oh in 0..<outHeight {
                for ow in 0..<outWidth {
                    let o = (f * outHeight + oh) * outWidth + ow, at = Int(expectedWinner[o])
                    guard at != Int(KP_BLOCKED) else { continue }
                    expectedPlanes[f * planeSize + (2 * oh + at / 2) * pitch + 2 * ow + at % 2] = 0 + dy[o]
                }
            }
        }
        let label = "\(channels) planes of \(height)×\(pitch), \(outHeight)×\(outWidth) windows, bias \(bias != nil)"
        for level in 0...best {
            kp_set_kernel_level(Int32(level))
            let y = Buffer(count: outputs, &draws)
            let winner = UnsafeMutablePointer<UInt8>.allocate(capacity: outputs)
            defer { winner.deallocate() }
            kp_pool_plane_positive(plane.pointer, channels, height, pitch, outHeight, outWidth, bias?.pointer,
                                   y.pointer, winner)
            expectSame(y.array, expectedY, "kp_pool_plane_positive(\(label)) at level \(level)")
            let winners = Array(UnsafeBufferPointer(start: winner, count: outputs))
            guard winners == expectedWinner else {
                fatalError("kp_pool_plane_positive(\(label)) at level \(level): other winners")
            }
            let planes = Buffer(count: channels * planeSize, &draws)
            kp_scatter_plane_positive(dy.pointer, winner, channels, height, pitch, outHeight, outWidth, planes.pointer)
            expectSame(planes.array, expectedPlanes, "kp_scatter_plane_positive(\(label)) at level \(level)")
        }
    }

    // MARK: - Comparisons

    /// The same bits (any NaN matching any NaN), or a trap naming the kernel and the first difference
    /// (`fatalError`, whose message an optimized fuzzing build still prints, unlike a precondition's).
    static func expectSame(_ actual: [Float], _ expected: [Float], _ label: @autoclosure () -> String) {
        guard actual.count == expected.count else {
            fatalError("\(label()): \(actual.count) values, its twin's \(expected.count)")
        }
        for i in actual.indices where actual[i].bitPattern != expected[i].bitPattern && !(actual[i].isNaN && expected[i].isNaN) {
            fatalError("\(label()): value \(i) is \(actual[i]), its twin's \(expected[i])")
        }
    }

    /// A strided output against its twin's dense m×n result, and every value between its rows
    /// (past column n) as it was before the call.
    private static func expectMatrix(_ out: Buffer, _ before: Stored, _ expected: [Float], _ label: @autoclosure () -> String) {
        expectSame(before.dense(out), expected, label())
        for r in 0..<(before.rows - 1) {
            for j in before.columns..<before.stride {
                let at = r * before.stride + j
                guard out[at].bitPattern != before.values[at].bitPattern else { continue }
                fatalError("\(label()): wrote row \(r)'s padding at column \(j)")
            }
        }
    }
}

extension KernelFuzzing.Convolution: CustomStringConvertible {
    var description: String { "\(filters) filters of \(kernel)×\(kernel) over \(input)" }
}

/// Floats allocated to exactly `count` (so that AddressSanitizer sees the first value past them).
final class Buffer {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(zeros count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: count)
    }

    /// Values drawn from the input (`finite`: no NaN or infinity).
    convenience init(count: Int, _ draws: inout FuzzDraws, finite: Bool = false) {
        self.init(zeros: count)
        for i in 0..<count { pointer[i] = draws.value(finite: finite) }
    }

    deinit { pointer.deallocate() }

    subscript(index: Int) -> Float { pointer[index] }
    var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    func copy() -> Buffer {
        let copy = Buffer(zeros: count)
        copy.pointer.update(from: pointer, count: count)
        return copy
    }
}

/// The input read as a stream of choices: bytes while they last, then zeros; values from a
/// generator seeded by the input's first bytes and a byte that picks their kind.
struct FuzzDraws {
    private let bytes: [UInt8]
    private var position = 0
    private var generator: RandomGenerator
    /// 0: ordinary values in [−1, 1); 1: with zeros of both signs, subnormals, large values,
    /// infinities and NaNs among them.
    private let awkward: Bool

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        let seed = bytes.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        generator = RandomGenerator(seed: seed ^ UInt64(bytes.count))
        awkward = (bytes.dropFirst(8).first ?? 0) & 1 == 1
        position = min(bytes.count, 9)
    }

    mutating func byte() -> UInt8 {
        defer { position += 1 }
        return position < bytes.count ? bytes[position] : 0
    }

    mutating func flag() -> Bool { byte() & 1 == 1 }

    /// An integer in `range`, from two bytes.
    mutating func int(in range: ClosedRange<Int>) -> Int {
        let raw = Int(byte()) << 8 | Int(byte())
        return range.lowerBound + raw % range.count
    }

    /// A product's m, n and k: mostly small, sometimes one just around a blocking boundary of
    /// the GEMM (tile rows 6 and 8, columns 16 and 32, KC 256, MC 144, a block's columns 864 and
    /// more), then halved until the twin's work fits the budget.
    mutating func productShape() -> (Int, Int, Int) {
        let boundaries = [5, 6, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64, 143, 144, 145, 255, 256, 257, 513, 863, 865, 1100]
        var dimensions = (0..<3).map { _ in
            let choice = int(in: 0...99)
            return choice < 70 ? 1 + choice % 40 : boundaries[int(in: 0...(boundaries.count - 1))]
        }
        while dimensions.reduce(1, *) > KernelFuzzing.work {
            let largest = dimensions.indices.max { dimensions[$0] < dimensions[$1] }!
            dimensions[largest] = (dimensions[largest] + 1) / 2
        }
        return (dimensions[0], dimensions[1], dimensions[2])
    }

    mutating func value(finite: Bool) -> Float {
        let ordinary = generator.uniform() * 2 - 1
        guard awkward else { return ordinary }
        switch generator.next() % 16 {
        case 0: return 0
        case 1: return -0.0
        case 2: return Float.leastNonzeroMagnitude * Float(generator.next() % 1000)
        case 3: return ordinary * 1e30
        case 4: return finite ? ordinary : .infinity
        case 5: return finite ? -ordinary : -.infinity
        case 6: return finite ? ordinary : .nan
        default: return ordinary
        }
    }
}
