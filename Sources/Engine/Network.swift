/// A sequential network built from layer descriptions, with every activation and gradient
/// buffer allocated once for `maxBatch` samples and reused for every batch.
///
/// A training step is `forward(…, training: true, rng:)`, a loss giving dLoss/dOutput,
/// `backward(outputGradient:count:)`, then an `Optimizer` step over `parameters`.
public final class Network {
    public let inputShape: Shape
    public let outputShape: Shape
    public let layers: [any Layer]
    public let maxBatch: Int
    /// Threads every layer splits its work across (≥ 1); OpenBLAS itself stays at one
    /// thread. The same seed and thread count give bit-identical results.
    public var threads: Int {
        didSet {
            precondition(threads >= 1, "threads must be at least 1, got \(threads)")
            for layer in layers { layer.threads = threads }
            for pass in passes { pass.threads = threads }
        }
    }
    /// Every trainable tensor in layer order, weights before bias, named
    /// "layer<N>.<kind>.weight|bias" with N counted from 1 as in the description.
    public let parameters: [Parameter]

    /// The layers as they run: each conv → relu → maxpool triple is one `ConvolutionActivationPool`
    /// (unless the network was built with `fusesLayers: false`), every other layer itself.
    private let passes: [any Layer]
    /// activations[0] is a copy of the input; activations[i + 1] is pass i's output
    /// (the same buffer as activations[i] when pass i works in place).
    private let activations: [UnsafeMutablePointer<Float>]
    /// gradients[i] is dLoss/d(activations[i]); gradients[0] is never computed (nil).
    private let gradients: [UnsafeMutablePointer<Float>?]
    /// Every distinct buffer above, each once, for deallocation.
    private let ownedBuffers: [UnsafeMutablePointer<Float>]
    /// The batch size of the last training forward; 0 after an inference forward.
    private var lastCount = 0
    /// How many passes from the start are flattens (in place, writing nothing).
    private let leadingReshapes: Int

    /// Builds the layers for `input` (one sample's shape), infers every shape first, and
    /// initialises conv and dense layers by their `initializer`, drawing from `rng` in layer order.
    /// Throws `ShapeError` naming the first layer that cannot be built.
    /// `fusesLayers: false` runs every layer on its own — the fused passes' twin, with the
    /// same results bit for bit and more memory and time.
    public init(input: Shape, layers descriptions: [LayerDescription], maxBatch: Int, threads: Int = 1,
                fusesLayers: Bool = true, rng: inout RandomGenerator) throws(ShapeError) {
        precondition(maxBatch >= 1, "maxBatch must be at least 1")
        precondition(threads >= 1, "threads must be at least 1, got \(threads)")
        BLAS.setThreadCount(1)  // the engine parallelises itself; see `Parallelism`
        inputShape = input
        self.maxBatch = maxBatch
        self.threads = threads
        var built: [any Layer] = []
        var current = input
        for (index, description) in descriptions.enumerated() {
            let name = "layer\(index + 1).\(description.kind.name)"
            do throws(ShapeProblem) {
                let layer: any Layer
                switch description.kind {
                case .conv(let filters, let kernel, let stride, let padding):
                    layer = try Convolution(input: current, filters: filters, kernel: kernel,
                                            stride: stride, padding: padding, name: name)
                case .maxPool(let size, let stride):
                    layer = try MaxPool(input: current, size: size, stride: stride, maxBatch: maxBatch)
                case .dense(let units):
                    layer = try Dense(input: current, units: units, name: name)
                case .relu:
                    layer = ReLU(input: current)
                case .dropout(let rate):
                    layer = try Dropout(input: current, rate: rate, maxBatch: maxBatch)
                case .flatten:
                    layer = Flatten(input: current)
                }
                if description.kind.hasParameters {
                    guard let spec = description.initializer else {
                        throw ShapeProblem("\(description.kind.name) needs an initializer (scheme, distribution, bias)")
                    }
                    layer.initialize(spec, using: &rng)
                }
                layer.threads = threads
                built.append(layer)
                current = layer.outputShape
            } catch {
                throw ShapeError(layerIndex: index, message: error.message)
            }
        }
        layers = built
        outputShape = current
        parameters = built.flatMap(\.parameters)
        var passes: [any Layer] = []
        var index = 0
        while index < built.count {
            if fusesLayers, index + 2 < built.count, let convolution = built[index] as? Convolution,
               built[index + 1] is ReLU, let pool = built[index + 2] as? MaxPool,
               ConvolutionActivationPool.canFuse(convolution: convolution, pool: pool) {
                let fused = ConvolutionActivationPool(convolution: convolution, affine: nil, negativeSlope: 0,
                                                      pool: pool, maxBatch: maxBatch)
                fused.threads = threads
                passes.append(fused)
                index += 3
            } else {
                passes.append(built[index])
                index += 1
            }
        }
        self.passes = passes
        leadingReshapes = passes.prefix { $0 is Flatten }.count
        // One buffer per distinct activation: in-place passes share their input's buffer.
        // gradients[0] (dLoss/dInput) is never computed, so it gets no memory.
        var activationBuffers = [Self.allocate(maxBatch * input.count)]
        var gradientBuffers: [UnsafeMutablePointer<Float>?] = [nil]
        var owned = activationBuffers
        for pass in passes {
            if pass.worksInPlace {
                activationBuffers.append(activationBuffers.last!)
                // nil stays nil: in-place passes ahead of every trainable one need no gradient.
                gradientBuffers.append(gradientBuffers.last!)
            } else {
                let size = maxBatch * pass.outputShape.count
                activationBuffers.append(Self.allocate(size))
                gradientBuffers.append(Self.allocate(size))
                owned += [activationBuffers.last!, gradientBuffers.last!!]
            }
        }
        activations = activationBuffers
        gradients = gradientBuffers
        ownedBuffers = owned
    }

    private static func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: count)
        buffer.initialize(repeating: 0, count: count)
        return buffer
    }

    deinit {
        ownedBuffers.forEach { $0.deallocate() }
    }

    /// Trainable values in all layers.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    /// Runs the batch `input` (count × inputShape.count Floats, NCHW) through every layer and
    /// returns the outputs (count × outputShape.count), valid until the next forward.
    /// `training` turns dropout on, drawing its masks from `rng`, and keeps what `backward`
    /// needs; an inference forward (`training: false`) may read `input` in place and keeps
    /// nothing for `backward`.
    @discardableResult
    public func forward(_ input: UnsafeBufferPointer<Float>, count: Int, training: Bool,
                        rng: inout RandomGenerator) -> UnsafeBufferPointer<Float> {
        precondition(count >= 1 && count <= maxBatch, "batch of \(count) must be in 1...\(maxBatch)")
        precondition(input.count >= count * inputShape.count,
                     "input holds \(input.count) values; \(count) samples of \(inputShape) need \(count * inputShape.count)")
        // Inference reads the caller's input in place when the passes before the first one
        // with its own output buffer only reshape (flatten): no copy (5% of an MLP's inference).
        let readsInPlace = !training && leadingReshapes < passes.count
        if !readsInPlace {
            activations[0].update(from: input.baseAddress!, count: count * inputShape.count)
        }
        let caller = UnsafeMutablePointer(mutating: input.baseAddress!)
        for (index, pass) in passes.enumerated() {
            let shared = readsInPlace && index <= leadingReshapes
            pass.forward(input: shared ? caller : activations[index],
                         output: shared && index < leadingReshapes ? caller : activations[index + 1],
                         count: count, training: training, rng: &rng)
        }
        lastCount = training ? count : 0
        return UnsafeBufferPointer(start: activations[passes.count], count: count * outputShape.count)
    }

    /// `forward` on arrays, returning a copy of the outputs.
    public func forward(_ input: [Float], count: Int, training: Bool, rng: inout RandomGenerator) -> [Float] {
        input.withUnsafeBufferPointer { Array(forward($0, count: count, training: training, rng: &rng)) }
    }

    /// Inference (dropout off): the outputs for `count` samples, as a new array.
    public func predict(_ input: [Float], count: Int) -> [Float] {
        var unused = RandomGenerator(seed: 0)
        return forward(input, count: count, training: false, rng: &unused)
    }

    /// Back-propagates dLoss/dOutput (lastCount × outputShape.count) through the last forward
    /// batch, overwriting every parameter's gradient. The input gradient is not computed.
    public func backward(outputGradient: UnsafeBufferPointer<Float>) {
        let count = lastCount
        precondition(count > 0, "backward needs a forward with training: true first (an inference forward keeps no inputs)")
        precondition(outputGradient.count >= count * outputShape.count, "output gradient is too short for the batch of \(count)")
        guard let last = gradients[passes.count] else { return }  // no layer to train
        last.update(from: outputGradient.baseAddress!, count: count * outputShape.count)
        for index in stride(from: passes.count - 1, through: 0, by: -1) {
            // Passes before the first trainable one need no gradient at all.
            guard let outputGradient = gradients[index + 1] else { break }
            passes[index].backward(input: activations[index], output: activations[index + 1],
                                   outputGradient: outputGradient, inputGradient: gradients[index],
                                   count: count)
        }
    }

    public func backward(outputGradient: [Float]) {
        outputGradient.withUnsafeBufferPointer { backward(outputGradient: $0) }
    }

    /// Every parameter's values by name (for checkpoints); `load` restores them bit for bit.
    public func parameterValues() -> [String: [Float]] {
        Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.values) })
    }

    /// Restores parameters saved by `parameterValues()`; every name must be present with
    /// the right count.
    public func load(_ values: [String: [Float]]) throws(ParameterMismatch) {
        for parameter in parameters {
            guard let saved = values[parameter.name] else {
                throw ParameterMismatch("no values for \(parameter.name)")
            }
            guard saved.count == parameter.count else {
                throw ParameterMismatch("\(parameter.name) needs \(parameter.count) values, got \(saved.count)")
            }
        }
        for parameter in parameters { parameter.values = values[parameter.name]! }
    }
}

/// Saved values do not fit the network, e.g. "layer1.conv.weight needs 288 values, got 300".
public struct ParameterMismatch: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
