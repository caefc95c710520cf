/// One way to compute a `Convolution` (im2col + SGEMM, the direct wide kernel, per-tap
/// GEMMs), chosen once when the layer is built. An algorithm owns everything it needs
/// besides the parameters: one `ConvolutionWorkspace` per worker thread, one
/// `ConvolutionPartials` per chunk of the batch (the parallel unit), and what it prepares
/// from the weights (the tap GEMMs' repacked weights).
///
/// A call works in its thread's workspace, which every chunk that thread runs reuses, so that
/// a core finds its plane and columns in its own cache; and adds to its chunk's partial
/// gradients, which `reduceGradients` sums into the parameters' gradients in chunk order
/// after the parallel part, so that a thread count always gives the same bits. (With buffers
/// per chunk, a thread moved to new ones at every chunk, 16 a backward, often last written by
/// the other core: cnn-large trained 4% slower at 1 thread and 1.4% at 2, cnn-small 1.5–3%.)
///
/// The *plane* is one sample's output in the algorithm's own layout, F×OH×`planePitch`:
/// what a fused pass (`ConvolutionActivationPool`) reads the output from, and writes the
/// output's gradient into, without ever storing the batch's convolution output.
/// im2col's plane is the output itself (pitch OW); the wide layout's rows are the input's
/// width W apart, of which the last W − OW values are discarded: they may hold anything
/// after `forwardPlane` and must be zero in a gradient given to `backwardPlane`.
protocol ConvolutionAlgorithm: AnyObject {
    /// The distance between the plane's rows: OW, or the input's width W for the wide layout.
    var planePitch: Int { get }
    /// Whether `forwardPlane` adds the bias. im2col's GEMM accumulates onto the bias (the
    /// layer's exact bits); the wide layout is computed without it, and a reader adds
    /// `bias[f]` to each value it reads — the same sum the layer's forward stores.
    var planeIncludesBias: Bool { get }
    /// The per-worker buffers, `workers` of them after `prepare(chunks:workers:)`.
    var workspaces: [ConvolutionWorkspace] { get }
    /// The per-chunk partial gradients, `chunks` of them after `prepare(chunks:workers:)`.
    var partials: [ConvolutionPartials] { get }

    /// Allocates workspaces and partials when their counts grow (not per batch) and redoes
    /// whatever it derives from the weights when they changed: call before every parallel pass.
    func prepare(chunks: Int, workers: Int)
    /// One sample: y (F×OH×OW) = conv(x (C×H×W)) + b.
    func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, worker: Int)
    /// One sample's backward from dy (F×OH×OW): adds dW and db to the chunk's partial
    /// gradients, and writes dx (C×H×W) when it is not nil.
    func backward(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                  _ dx: UnsafeMutablePointer<Float>?, worker: Int, chunk: Int)
    /// One sample's output in the worker's plane (see above), which it returns.
    func forwardPlane(_ x: UnsafePointer<Float>, worker: Int) -> UnsafePointer<Float>
    /// `backward` from dy written in the plane layout in the worker's plane.
    func backwardPlane(_ x: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>?, worker: Int, chunk: Int)
    /// The most samples `forwardPlanes` and `backwardPlanes` take at once (1 unless an
    /// algorithm's products for one sample are too short to run well alone).
    var samplesPerCall: Int { get }
    /// `samples` (1…`samplesPerCall`) consecutive samples' planes, the worker's plane and the
    /// next ones after it, `F×OH×planePitch` apart, as `forwardPlane` computes each: the same bits.
    func forwardPlanes(_ x: UnsafePointer<Float>, samples: Int, worker: Int) -> UnsafePointer<Float>
    /// `backwardPlane` for `samples` consecutive samples, their dy in those planes: the same
    /// bits as one sample after another.
    func backwardPlanes(_ x: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>?, samples: Int,
                        worker: Int, chunk: Int)
    /// Sums the chunks' partial gradients into `weight.gradient` (F×C×k×k) and `bias.gradient`.
    func reduceGradients(chunks: Int, threads: Int)
}

extension ConvolutionAlgorithm {
    var samplesPerCall: Int { 1 }

    func forwardPlanes(_ x: UnsafePointer<Float>, samples: Int, worker: Int) -> UnsafePointer<Float> {
        precondition(samples == 1, "this algorithm takes one sample at a time")
        return forwardPlane(x, worker: worker)
    }

    func backwardPlanes(_ x: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>?, samples: Int,
                        worker: Int, chunk: Int) {
        precondition(samples == 1, "this algorithm takes one sample at a time")
        backwardPlane(x, dx, worker: worker, chunk: chunk)
    }

    /// The chunks a forward over `count` samples runs in on `threads` threads. An algorithm that
    /// takes several samples per product gets one chunk a thread, its products as long as they
    /// can be: with `Parallelism.chunks`' 4 a thread, cnn-large's last layer (26 samples a
    /// product alone) ran 8 products of 12–13 at 2 threads, its forward 1.35× slower than half
    /// of 1 thread's where its other layers were 1.1× slower; one chunk a thread, 3–9% faster
    /// (medians and minima of 8 alternated runs). A chunk per product (4 of 25 samples) was 10%
    /// slower at 1 thread, measured when each chunk had its own scratch (about 1 MB there) and
    /// four of them did not stay in L2. Each sample's output is the same whatever product computes it.
    func forwardChunks(count: Int, threads: Int) -> [Range<Int>] {
        Parallelism.chunks(count: count, threads: threads, perThread: samplesPerCall > 1 ? 1 : Parallelism.chunksPerThread)
    }

    /// `body(samples)` for `samples`' consecutive groups of at most `samplesPerCall`, in order:
    /// the calls of `forwardPlanes` and `backwardPlanes` that cover them.
    @inline(__always)
    func forEachCall(covering samples: Range<Int>, _ body: (Range<Int>) -> Void) {
        for first in Swift.stride(from: samples.lowerBound, to: samples.upperBound, by: samplesPerCall) {
            body(first..<min(first + samplesPerCall, samples.upperBound))
        }
    }

    /// `prepare` for a pass over `ranges` on `threads` threads: a workspace for each worker that
    /// runs them and, for a backward (its weight gradient sums over the batch), a partial for each
    /// range. Returns the workers.
    @discardableResult
    func prepare(for ranges: [Range<Int>], threads: Int, backward: Bool) -> Int {
        let workers = Parallelism.workers(chunks: ranges.count, threads: threads)
        prepare(chunks: backward ? ranges.count : 0, workers: workers)
        return workers
    }

    /// The worker's plane, F×OH×`planePitch`: write dy there for `backwardPlane`.
    @inline(__always)
    func plane(worker: Int) -> UnsafeMutablePointer<Float> { workspaces[worker].plane }

    /// Zeroes the chunk's partial gradients: call at the start of each chunk's backward.
    @inline(__always)
    func clearGradients(chunk: Int) { partials[chunk].clear() }
}

/// The sizes every algorithm works from; the layer's own, see `Convolution`.
struct ConvolutionGeometry {
    let input: Shape
    let output: Shape
    let filters: Int
    let kernel: Int
    let stride: Int
    let padding: Padding
    let weight: Parameter
    let bias: Parameter

    /// Rows of one sample's im2col matrix: C·k·k.
    var patchSize: Int { input.channels * kernel * kernel }
    /// Output positions per filter: OH·OW.
    var positions: Int { output.height * output.width }

    /// dW = Σ_chunks partial, db = Σ_chunks partial, in chunk order, dW laid out as the partials
    /// are: the weights' own F×C×k×k for most algorithms (the tap GEMMs reorder it afterwards).
    /// The filters are split across `threads`, weights and bias alike (each sum is its own, in
    /// chunk order whoever adds it), then `afterwards` runs on each thread's filters: serial,
    /// these sums held one core idle for about 1% of cnn-large's step at 2 threads (16 partials
    /// of its last layer's 32K weights).
    func reduceInOrder(_ partials: [ConvolutionPartials], chunks: Int, threads: Int,
                       afterwards: (Range<Int>) -> Void = { _ in }) {
        let weightGradient = weight.gradientPointer, biasGradient = bias.gradientPointer
        let perFilter = weight.count / filters
        // A section costs a few microseconds: worth it only for many sums.
        let split = weight.count * chunks >= Self.parallelReduction ? threads : 1
        Parallelism.forEachChunk(count: filters, threads: split, perThread: 1) { _, filterRange in
            let start = filterRange.lowerBound * perFilter, first = filterRange.lowerBound
            Self.sumInChunkOrder(chunks: chunks, count: filterRange.count * perFilter, into: weightGradient + start) {
                partials[$0].weightGradient + start
            }
            Self.sumInChunkOrder(chunks: chunks, count: filterRange.count, into: biasGradient + first) {
                partials[$0].biasGradient + first
            }
            afterwards(filterRange)
        }
    }

    /// total[0 ..< count] = partial(0) + partial(1) + … + partial(chunks − 1), value by value, in
    /// that order.
    private static func sumInChunkOrder(chunks: Int, count: Int, into total: UnsafeMutablePointer<Float>,
                                        _ partial: (Int) -> UnsafeMutablePointer<Float>) {
        total.update(from: partial(0), count: count)
        for chunk in 1..<max(1, chunks) {
            let values = partial(chunk)
            for i in 0..<count { total[i] += values[i] }
        }
    }

    /// The fewest values (weights × chunks) whose reduction is split across threads.
    static let parallelReduction = 1 << 16
}

/// One worker's buffers: the plane (one sample's output, or its gradient, in the algorithm's
/// layout; `samplesPerCall` planes one after another), im2col's columns and their gradient
/// (the tap GEMMs': the input's shifted rows, and their gradient), and the tap GEMMs' output
/// for several samples as one product's. Each algorithm sizes them; unused ones are empty.
final class ConvolutionWorkspace {
    let plane: UnsafeMutablePointer<Float>
    let columns: UnsafeMutablePointer<Float>
    let columnGradient: UnsafeMutablePointer<Float>
    let product: UnsafeMutablePointer<Float>

    init(plane: Int, columns: Int, columnGradient: Int, product: Int = 0) {
        // Zeroed once, so that the wide layout's unwritten tail is never uninitialised memory.
        self.plane = AlignedFloats.zeros(plane)
        self.columns = AlignedFloats.allocate(columns)
        self.columnGradient = AlignedFloats.allocate(columnGradient)
        self.product = AlignedFloats.allocate(product)
    }

    /// `existing` grown to `workers` workspaces of these sizes.
    static func grow(_ existing: inout [ConvolutionWorkspace], to workers: Int, plane: Int, columns: Int,
                     columnGradient: Int, product: Int = 0) {
        guard existing.count < workers else { return }
        existing += (existing.count..<workers).map { _ in
            ConvolutionWorkspace(plane: plane, columns: columns, columnGradient: columnGradient, product: product)
        }
    }

    deinit {
        plane.deallocate(); columns.deallocate(); columnGradient.deallocate(); product.deallocate()
    }
}

/// One chunk's partial parameter gradients: the sums over its samples, in order.
final class ConvolutionPartials {
    let weightGradient: UnsafeMutablePointer<Float>
    let biasGradient: UnsafeMutablePointer<Float>
    private let weightCount: Int
    private let biasCount: Int

    init(weights: Int, bias: Int) {
        weightGradient = AlignedFloats.allocate(weights)
        biasGradient = .allocate(capacity: bias)
        weightCount = weights
        biasCount = bias
    }

    /// `existing` grown to `chunks` partials of `geometry`'s weights and bias (every algorithm's
    /// partials have the parameters' sizes, whatever their order).
    static func grow(_ existing: inout [ConvolutionPartials], to chunks: Int, for geometry: ConvolutionGeometry) {
        guard existing.count < chunks else { return }
        existing += (existing.count..<chunks).map { _ in
            ConvolutionPartials(weights: geometry.weight.count, bias: geometry.filters)
        }
    }

    func clear() {
        weightGradient.update(repeating: 0, count: weightCount)
        biasGradient.update(repeating: 0, count: biasCount)
    }

    deinit {
        weightGradient.deallocate(); biasGradient.deallocate()
    }
}
