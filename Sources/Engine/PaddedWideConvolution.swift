/// A stride-1 padded convolution (`padding: same`, `padding: 1`) computed in the wide layout:
/// each sample is first copied into a zero-bordered buffer of the padded size, over which the
/// convolution is a valid one, run by the wide algorithm for its channel count (direct kernel
/// or tap GEMMs). No im2col columns are built (9× the input for a 3×3 kernel); the input's
/// gradient comes back padded and is cropped. The naive twin is `NaiveKernels.convolution…`
/// with the same padding.
final class PaddedWideConvolution: ConvolutionAlgorithm {
    /// The wide algorithm over the padded input, sharing the layer's parameters.
    private let inner: any WideLayoutAlgorithm
    private let geometry: ConvolutionGeometry
    private let padded: Shape
    /// Per worker: one sample copied into the padded size (borders zeroed once, never written),
    /// and one sample's input gradient at the padded size.
    private var copies: [UnsafeMutablePointer<Float>] = []
    private var gradients: [UnsafeMutablePointer<Float>] = []

    /// Whether this algorithm computes the convolution: stride 1, a kernel larger than one
    /// pixel, and some padding (unpadded ones run the wide algorithms directly).
    static func applies(kernel: Int, stride: Int, padding: Padding) -> Bool {
        kernel > 1 && stride == 1 && !padding.isNone
    }

    init(_ geometry: ConvolutionGeometry) {
        let input = geometry.input, padding = geometry.padding
        padded = Shape(channels: input.channels, height: input.height + padding.top + padding.bottom,
                       width: input.width + padding.left + padding.right)
        let valid = ConvolutionGeometry(input: padded, output: geometry.output, filters: geometry.filters,
                                        kernel: geometry.kernel, stride: 1, padding: .none,
                                        weight: geometry.weight, bias: geometry.bias)
        inner = WideLayout.usesTapGEMM(channels: input.channels, kernel: geometry.kernel)
            ? TapGEMMConvolution(valid, batches: false) : DirectWideConvolution(valid)
        self.geometry = geometry
    }

    deinit {
        copies.forEach { $0.deallocate() }
        gradients.forEach { $0.deallocate() }
    }

    var planePitch: Int { inner.planePitch }
    var planeIncludesBias: Bool { inner.planeIncludesBias }
    var workspaces: [ConvolutionWorkspace] { inner.workspaces }
    var partials: [ConvolutionPartials] { inner.partials }

    func prepare(chunks: Int, workers: Int) {
        inner.prepare(chunks: chunks, workers: workers)
        while copies.count < workers {
            copies.append(AlignedFloats.zeros(padded.count))
            gradients.append(AlignedFloats.allocate(padded.count))
        }
    }

    /// x (C×H×W) copied into the worker's padded buffer, inside its zero border.
    @inline(__always)
    private func pad(_ x: UnsafePointer<Float>, worker: Int) -> UnsafePointer<Float> {
        let input = geometry.input, top = geometry.padding.top, left = geometry.padding.left
        let copy = copies[worker]
        for c in 0..<input.channels {
            for h in 0..<input.height {
                VectorCopy.copy(x + (c * input.height + h) * input.width,
                                to: copy + (c * padded.height + h + top) * padded.width + left, count: input.width)
            }
        }
        return UnsafePointer(copy)
    }

    /// dx (C×H×W) = the inside of the worker's padded input gradient.
    @inline(__always)
    private func crop(worker: Int, into dx: UnsafeMutablePointer<Float>) {
        let input = geometry.input, top = geometry.padding.top, left = geometry.padding.left
        let gradient = gradients[worker]
        for c in 0..<input.channels {
            for h in 0..<input.height {
                VectorCopy.copy(gradient + (c * padded.height + h + top) * padded.width + left,
                                to: dx + (c * input.height + h) * input.width, count: input.width)
            }
        }
    }

    func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, worker: Int) {
        inner.forward(pad(x, worker: worker), y, worker: worker)
    }

    func backward(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>?,
                  worker: Int, chunk: Int) {
        inner.backward(pad(x, worker: worker), dy, dx == nil ? nil : gradients[worker], worker: worker, chunk: chunk)
        if let dx { crop(worker: worker, into: dx) }
    }

    func forwardPlane(_ x: UnsafePointer<Float>, worker: Int) -> UnsafePointer<Float> {
        inner.forwardPlane(pad(x, worker: worker), worker: worker)
    }

    func backwardPlane(_ x: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>?, worker: Int, chunk: Int) {
        inner.backwardPlane(pad(x, worker: worker), dx == nil ? nil : gradients[worker], worker: worker, chunk: chunk)
        if let dx { crop(worker: worker, into: dx) }
    }

    func reduceGradients(chunks: Int, threads: Int) {
        inner.reduceGradients(chunks: chunks, threads: threads)
    }
}
