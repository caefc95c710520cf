/// The contract every layer keeps (Caffe's): its output shape is known before anything is
/// allocated; `forward` maps a batch of inputs to outputs; `backward` maps the output
/// gradient to parameter gradients and, when asked, the input gradient.
///
/// Buffers are batch-major NCHW: `count` samples of `inputShape.count` (or
/// `outputShape.count`) Floats each. A layer allocates its scratch once, for `maxBatch`
/// samples and its thread count, and reuses it for every batch.
public protocol Layer: AnyObject {
    var inputShape: Shape { get }
    /// Threads the layer may split a batch across; results are bit-identical per count.
    var threads: Int { get set }
    var outputShape: Shape { get }
    /// Trainable tensors, weights before bias; empty for layers without any.
    var parameters: [Parameter] { get }
    /// Values the layer keeps up to date itself but never trains (batch normalisation's
    /// running mean and variance): saved with the weights and in checkpoints, so that
    /// resuming is exact and inference uses them; never seen by the optimizer.
    var state: [Parameter] { get }

    /// output (count×outputShape) ← layer(input (count×inputShape)). `rng` is drawn from
    /// only by layers that are random in training (dropout).
    func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                 count: Int, training: Bool, rng: inout RandomGenerator)

    /// Given the `input` and `output` of the last `forward` and dLoss/dOutput
    /// (count×outputShape), *overwrites* every parameter's gradient with dLoss/dParameter
    /// summed over the batch, and writes dLoss/dInput (count×inputShape) when
    /// `inputGradient` is not nil.
    func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                  outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
                  count: Int)

    /// Draws initial parameters (no-op for layers without any).
    func initialize(_ spec: InitializerSpec, using rng: inout RandomGenerator)

    /// True when the layer is element-wise and works with `output == input` and
    /// `inputGradient == outputGradient`; `Network` then gives it no buffers of its own
    /// (less memory and traffic). Its backward may then see `output` after later in-place
    /// layers changed it, so it must only rely on facts those preserve (ReLU: the sign).
    var worksInPlace: Bool { get }

    /// The part this layer can play in a fused pass (see `FusionRole`); `.other` by default.
    var fusionRole: FusionRole { get }
}

extension Layer {
    public var parameters: [Parameter] { [] }
    public var state: [Parameter] { [] }
    public func initialize(_ spec: InitializerSpec, using rng: inout RandomGenerator) {}
    public var worksInPlace: Bool { false }
}
