/// 2-D convolution, NCHW, parallel across the batch.
///
/// Shapes: input N×C×H×W; weights F×C×k×k; bias F; output N×F×OH×OW with
/// `OH = (H + top + bottom − k)/stride + 1` and `OW = (W + left + right − k)/stride + 1`
/// (`padding`, zeros, on each side separately).
///
/// The arithmetic is an algorithm's (`ConvolutionAlgorithm`), chosen once here: stride-1
/// unpadded convolutions with k > 1 in the wide layout (`WideLayout`), by per-tap GEMMs
/// (`TapGEMMConvolution`) where `WideLayout.usesTapGEMM` (8 channels and 64 products per
/// output on), else by a direct vector kernel (`DirectWideConvolution`); padded stride-1 ones the same way over a
/// zero-bordered copy of each sample (`PaddedWideConvolution`); every other one by im2col +
/// SGEMM (`Im2colConvolution`). This class is the layer: parameters, shapes, initialisation.
/// The naive twin is `NaiveKernels.convolutionForward/Backward`.
public final class Convolution: Layer {
    public let inputShape: Shape
    /// Threads this layer splits its batch across (set by `Network`).
    public var threads = 1
    public let outputShape: Shape
    public let filters: Int
    public let kernel: Int
    public let stride: Int
    public let padding: Padding
    public let weight: Parameter
    public let bias: Parameter
    public var parameters: [Parameter] { [weight, bias] }
    /// How the convolution is computed; owns its per-worker workspaces and per-chunk partials.
    let algorithm: any ConvolutionAlgorithm

    public init(input: Shape, filters: Int, kernel: Int, stride: Int = 1, padding: Padding = .none,
                name: String = "conv") throws(ShapeProblem) {
        inputShape = input
        outputShape = try Self.outputShape(for: input, filters: filters, kernel: kernel, stride: stride,
                                           padding: padding)
        self.filters = filters
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        weight = Parameter(name: name + ".weight", role: .weight, shape: [filters, input.channels, kernel, kernel])
        bias = Parameter(name: name + ".bias", role: .bias, shape: [filters])
        let geometry = ConvolutionGeometry(input: input, output: outputShape, filters: filters, kernel: kernel,
                                           stride: stride, padding: padding, weight: weight, bias: bias)
        if PaddedWideConvolution.applies(kernel: kernel, stride: stride, padding: padding) {
            algorithm = PaddedWideConvolution(geometry)
        } else if !WideLayout.applies(kernel: kernel, stride: stride, padding: padding) {
            algorithm = Im2colConvolution(geometry)
        } else if WideLayout.usesTapGEMM(channels: input.channels, kernel: kernel) {
            algorithm = TapGEMMConvolution(geometry)
        } else {
            algorithm = DirectWideConvolution(geometry)
        }
    }

    /// The same `padding` on every side.
    public convenience init(input: Shape, filters: Int, kernel: Int, stride: Int = 1, padding: Int,
                            name: String = "conv") throws(ShapeProblem) {
        try self.init(input: input, filters: filters, kernel: kernel, stride: stride,
                      padding: Padding(padding), name: name)
    }

    /// F×OH×OW with OH = (H + top + bottom − k)/stride + 1 (floor), OW likewise, or why
    /// there is none: shape inference without allocating anything.
    public static func outputShape(for input: Shape, filters: Int, kernel: Int, stride: Int,
                                   padding: Padding) throws(ShapeProblem) -> Shape {
        guard filters > 0, kernel > 0, stride > 0,
              min(padding.top, padding.left, padding.bottom, padding.right) >= 0 else {
            throw ShapeProblem("conv needs filters, kernel and stride ≥ 1 and padding ≥ 0")
        }
        let paddedHeight = input.height + padding.top + padding.bottom
        let paddedWidth = input.width + padding.left + padding.right
        guard kernel <= paddedHeight, kernel <= paddedWidth else {
            throw ShapeProblem("conv kernel \(kernel)×\(kernel) is larger than its input \(input) (padding \(padding))")
        }
        return Shape(channels: filters,
                     height: (paddedHeight - kernel) / stride + 1,
                     width: (paddedWidth - kernel) / stride + 1)
    }

    /// Conv fans: n_in = in_channels·k·k, n_out = out_channels·k·k.
    public func initialize(_ spec: InitializerSpec, using rng: inout RandomGenerator) {
        let fanIn = inputShape.channels * kernel * kernel
        weight.withUnsafeMutableValues { spec.fill(weights: $0, fanIn: fanIn, fanOut: filters * kernel * kernel, using: &rng) }
        spec.fill(bias: UnsafeMutableBufferPointer(start: bias.valuePointer, count: filters))
    }

    public func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                        count: Int, training: Bool, rng: inout RandomGenerator) {
        let ranges = Parallelism.chunks(count: count, threads: threads)
        let algorithm = algorithm
        algorithm.prepare(for: ranges, threads: threads, backward: false)
        let inputSize = inputShape.count, outputSize = outputShape.count
        Parallelism.forEachOnWorker(ranges, threads: threads) { worker, _, samples in
            for n in samples { algorithm.forward(input + n * inputSize, output + n * outputSize, worker: worker) }
        }
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                         outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
                         count: Int) {
        // The weight gradient sums over the batch: chunks that do not depend on the threads.
        let ranges = Parallelism.batchChunks(count: count)
        let algorithm = algorithm
        algorithm.prepare(for: ranges, threads: threads, backward: true)
        let inputSize = inputShape.count, outputSize = outputShape.count
        Parallelism.forEachOnWorker(ranges, threads: threads) { worker, chunk, samples in
            algorithm.clearGradients(chunk: chunk)
            for n in samples {
                algorithm.backward(input + n * inputSize, outputGradient + n * outputSize,
                                   inputGradient.map { $0 + n * inputSize }, worker: worker, chunk: chunk)
            }
        }
        algorithm.reduceGradients(chunks: ranges.count, threads: threads)
    }
}
