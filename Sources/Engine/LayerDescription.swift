/// What a layer is, before anything is allocated: enough to infer shapes, count parameters
/// and FLOPs for the whole network (`inferShapes`) and then to build it.
public enum LayerKind: Hashable, Sendable {
    /// 2-D convolution over NCHW input: `filters` output channels, `kernel`×`kernel`
    /// window, zero `padding` on every side, `stride` in both directions.
    case conv(filters: Int, kernel: Int, stride: Int, padding: Int)
    /// Max-pooling over `size`×`size` windows moved by `stride`; windows that would run
    /// past the input are dropped (floor), as in Caffe/PyTorch with no padding.
    case maxPool(size: Int, stride: Int)
    /// Fully connected layer with `units` outputs; its input must already be flat.
    case dense(units: Int)
    case relu
    /// Inverted dropout: in training each value is zeroed with probability `rate`
    /// and survivors are scaled by 1/(1−rate); at inference it is the identity.
    case dropout(rate: Float)
    /// C×H×W → (C·H·W)×1×1, no data movement in NCHW.
    case flatten

    /// The layer's name as people write it in experiment files.
    public var name: String {
        switch self {
        case .conv: return "conv"
        case .maxPool: return "maxpool"
        case .dense: return "dense"
        case .relu: return "relu"
        case .dropout: return "dropout"
        case .flatten: return "flatten"
        }
    }

    public var hasParameters: Bool {
        switch self {
        case .conv, .dense: return true
        default: return false
        }
    }
}

/// How a parameterised layer's weights and bias are drawn (see `Initializer`'s formulas).
public struct InitializerSpec: Hashable, Sendable {
    public enum Scheme: String, CaseIterable, Sendable { case xavier, he }
    public enum Distribution: String, CaseIterable, Sendable { case normal, uniform }

    public var scheme: Scheme
    public var distribution: Distribution
    /// Every bias starts at this constant.
    public var bias: Float

    public init(scheme: Scheme, distribution: Distribution, bias: Float) {
        self.scheme = scheme
        self.distribution = distribution
        self.bias = bias
    }
}

public struct LayerDescription: Hashable, Sendable {
    public var kind: LayerKind
    /// Required for conv and dense, ignored by the others.
    public var initializer: InitializerSpec?

    public init(_ kind: LayerKind, initializer: InitializerSpec? = nil) {
        self.kind = kind
        self.initializer = initializer
    }
}

/// Why one layer cannot take its input, e.g. "conv kernel 5×5 is larger than its input 1×3×3".
public struct ShapeProblem: Error, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
}

/// Why a network cannot be built; `layerIndex` lets callers point at the layer's source.
public struct ShapeError: Error, Sendable, Equatable, CustomStringConvertible {
    public var layerIndex: Int
    public var message: String
    public var description: String { "layer \(layerIndex + 1): \(message)" }
}

extension LayerKind {
    /// The shape this layer produces from `input`, or why it cannot.
    public func outputShape(for input: Shape) throws(ShapeProblem) -> Shape {
        switch self {
        case .conv(let filters, let kernel, let stride, let padding):
            guard filters > 0, kernel > 0, stride > 0, padding >= 0 else {
                throw ShapeProblem("conv needs filters, kernel and stride ≥ 1 and padding ≥ 0")
            }
            let paddedHeight = input.height + 2 * padding
            let paddedWidth = input.width + 2 * padding
            guard kernel <= paddedHeight, kernel <= paddedWidth else {
                throw ShapeProblem("conv kernel \(kernel)×\(kernel) is larger than its input \(input) (padding \(padding))")
            }
            return Shape(channels: filters,
                         height: (paddedHeight - kernel) / stride + 1,
                         width: (paddedWidth - kernel) / stride + 1)
        case .maxPool(let size, let stride):
            guard size > 0, stride > 0 else { throw ShapeProblem("maxpool needs size and stride ≥ 1") }
            guard size <= input.height, size <= input.width else {
                throw ShapeProblem("maxpool window \(size)×\(size) is larger than its input \(input)")
            }
            return Shape(channels: input.channels,
                         height: (input.height - size) / stride + 1,
                         width: (input.width - size) / stride + 1)
        case .dense(let units):
            guard units > 0 else { throw ShapeProblem("dense needs at least 1 unit") }
            guard input.height == 1, input.width == 1 else {
                throw ShapeProblem("dense needs a flat input but gets \(input); add '- flatten' before it")
            }
            return Shape(channels: units, height: 1, width: 1)
        case .relu:
            return input
        case .dropout(let rate):
            guard rate >= 0, rate < 1 else { throw ShapeProblem("dropout rate must be in [0, 1)") }
            return input
        case .flatten:
            return Shape(channels: input.count, height: 1, width: 1)
        }
    }

    /// Trainable values (weights + biases) given the layer's input shape.
    public func parameterCount(input: Shape) -> Int {
        switch self {
        case .conv(let filters, let kernel, _, _):
            return filters * input.channels * kernel * kernel + filters
        case .dense(let units):
            return units * input.count + units
        default:
            return 0
        }
    }

    /// Forward floating-point operations per image (a multiply-add counts as 2;
    /// comparisons and element-wise ops count 1 per output value).
    public func forwardFLOPs(input: Shape, output: Shape) -> Int {
        switch self {
        case .conv(_, let kernel, _, _):
            return 2 * output.count * input.channels * kernel * kernel
        case .dense:
            return 2 * output.count * input.count
        case .maxPool(let size, _):
            return output.count * size * size
        case .relu, .dropout:
            return output.count
        case .flatten:
            return 0
        }
    }
}

/// Every layer's output shape, from `input` through `layers`, before any memory is
/// allocated. Fails at the first layer that cannot take its input.
public func inferShapes(input: Shape, layers: [LayerKind]) -> Result<[Shape], ShapeError> {
    var shapes: [Shape] = []
    var current = input
    for (index, layer) in layers.enumerated() {
        do {
            current = try layer.outputShape(for: current)
            shapes.append(current)
        } catch {
            return .failure(ShapeError(layerIndex: index, message: error.message))
        }
    }
    return .success(shapes)
}
