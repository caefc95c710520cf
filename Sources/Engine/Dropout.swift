/// Inverted dropout. In training each value is kept with probability 1 − rate and scaled by
/// 1/(1 − rate), or zeroed, with one uniform draw per value from the caller's generator in
/// batch-major order (so masks depend only on the generator's state, never on threads).
/// At inference it is the identity. Shapes: input and output N×(any shape), identical.
public final class Dropout: Layer {
    public let inputShape: Shape
    /// Threads this layer splits its batch across (set by `Network`).
    public var threads = 1
    public var outputShape: Shape { inputShape }
    public let rate: Float
    /// The last training forward's multipliers: 0 or 1/(1 − rate), one per value.
    private let mask: UnsafeMutablePointer<Float>
    private let maxBatch: Int
    private var lastWasTraining = false

    public init(input: Shape, rate: Float, maxBatch: Int) throws(ShapeProblem) {
        guard rate >= 0, rate < 1 else { throw ShapeProblem("dropout rate must be in [0, 1)") }
        inputShape = input
        self.rate = rate
        self.maxBatch = maxBatch
        mask = AlignedFloats.allocate(maxBatch * input.count)
    }

    deinit { mask.deallocate() }

    public var worksInPlace: Bool { true }

    public func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                        count: Int, training: Bool, rng: inout RandomGenerator) {
        precondition(count <= maxBatch, "batch of \(count) exceeds the network's maximum \(maxBatch)")
        let total = count * inputShape.count
        lastWasTraining = training && rate > 0
        guard lastWasTraining else {
            if UnsafePointer(output) != input { output.update(from: input, count: total) }
            return
        }
        let scale = 1 / (1 - rate)
        let threshold = RandomGenerator.UniformThreshold(rate)
        guard threads > 1, total >= Self.parallelCount else {
            var generator = rng  // a local copy: stores through `mask` and `output` cannot alias it
            drawMask(0..<total, using: &generator, threshold: threshold, scale: scale, input: input, output: output)
            rng = generator
            return
        }
        // The values cut into stretches of whole blocks, each drawn by its own copy of the
        // generator advanced to the stretch's first draw: the draws are the ones a single
        // thread makes in order, whatever the threads (the masks were a serial 1% of
        // cnn-large's and the MLP's steps at 2 threads, more with more threads).
        let generator = rng
        let stretches = Parallelism.alignedChunks(count: total, threads: threads, alignment: Self.block)
        Parallelism.forEach(stretches, threads: threads) { _, stretch in
            var local = generator.advanced(by: UInt64(stretch.lowerBound))
            drawMask(stretch, using: &local, threshold: threshold, scale: scale, input: input, output: output)
        }
        rng = generator.advanced(by: UInt64(total))
    }

    /// Draws per block: a whole number of vectors (see `drawMask`).
    static let block = 256
    /// Values from which the masks are drawn on several threads (fewer cost more to share).
    static let parallelCount = 1 << 14

    /// The mask and output of values `range`, from `generator` at `range`'s first draw. Kept
    /// when uniform() ≥ rate: keep = scale or +0. A block of draws first, then sixteen at a
    /// time by a select.
    @inline(__always)
    private func drawMask(_ range: Range<Int>, using generator: inout RandomGenerator,
                          threshold: RandomGenerator.UniformThreshold, scale: Float,
                          input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        let mask = mask
        typealias Lanes = SIMD16<Float>
        /// Values `at` ..< `at + lanes` (at most 16) kept where `draws` admits them.
        @inline(__always) func keep(_ draws: SIMD16<Int32>, at: Int, lanes: Int) {
            let keep = Lanes(repeating: 0).replacing(with: scale, where: threshold.admits(draws))
            guard lanes < Lanes.scalarCount else {
                keep.store(to: mask + at)
                (Lanes(loadingFrom: input + at) * keep).store(to: output + at)
                return
            }
            for lane in 0..<lanes {
                mask[at + lane] = keep[lane]
                output[at + lane] = input[at + lane] * keep[lane]
            }
        }
        // A whole number of vectors, so that a block's last vector never reads past the buffer;
        // zeroed once, so that it never reads uninitialised values (lanes past the draws are dropped).
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: Self.block) { buffer in
            buffer.initialize(repeating: 0)
            let draws = buffer.baseAddress!
            for start in stride(from: range.lowerBound, to: range.upperBound, by: Self.block) {
                let count = min(Self.block, range.upperBound - start)
                generator.fillUniformBits(draws, count: count)
                for i in stride(from: 0, to: count, by: Lanes.scalarCount) {
                    keep(SIMD16(loadingFrom: draws + i), at: start + i, lanes: min(Lanes.scalarCount, count - i))
                }
            }
        }
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                         outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
                         count: Int) {
        guard let inputGradient else { return }
        let total = count * inputShape.count
        guard lastWasTraining else {
            if UnsafePointer(inputGradient) != outputGradient { inputGradient.update(from: outputGradient, count: total) }
            return
        }
        let mask = mask, parts = total >= Self.parallelCount ? threads : 1
        Parallelism.forEachChunk(count: total, threads: parts, perThread: 1) { _, range in
            for i in range { inputGradient[i] = outputGradient[i] * mask[i] }
        }
    }
}
