/// A network graph (`NetworkNode`s) with every activation and gradient buffer allocated once
/// for `maxBatch` samples and reused for every batch.
///
/// A training step is `forward(…, training: true, rng:)`, a loss giving dLoss/dOutput,
/// `backward(outputGradient:)`, then an `Optimizer` step over `parameters`.
///
/// It runs by `ExecutionPlan`s, one for training and one for inference: fused groups where the
/// pattern allows, a value shared in place only where a single node reads it, and the gradient
/// of a value several nodes read summed from their contributions in node order.
public final class Network {
    public let inputShape: Shape
    public let outputShape: Shape
    public let nodes: [NetworkNode]
    public let maxBatch: Int
    /// Threads every layer splits its work across (≥ 1). Results do not depend on it: the
    /// same seed gives bit-identical results at every thread count (see `Parallelism`).
    public var threads: Int {
        didSet {
            precondition(threads >= 1, "threads must be at least 1, got \(threads)")
            applyThreads()
        }
    }
    /// Every trainable tensor in node order, weights before bias, named "<node name>.weight" etc.
    public let parameters: [Parameter]
    /// Every node's running statistics (`Layer.state`) in node order: saved with the parameters.
    public let state: [Parameter]

    private let trainingPlan: ExecutionPlan
    private let inferencePlan: ExecutionPlan
    /// What each step of the plans runs: a node's own operation or a fused pass.
    private let trainingSteps: [NetworkNode.Operation]
    private let inferenceSteps: [NetworkNode.Operation]
    /// Per value, its buffer (values written in place share their input's); nil when no step stores it.
    private let activations: [UnsafeMutablePointer<Float>?]
    /// Per value, dLoss/dValue, shared like the activations; nil when no parameter lies before it.
    private let gradients: [UnsafeMutablePointer<Float>?]
    /// Per training step and input slot, where that read's gradient goes: the value's gradient,
    /// or, for every reading slot of a value after its first, a buffer of the slot's own; nil
    /// where the value needs no gradient.
    private let inputGradients: [[UnsafeMutablePointer<Float>?]]
    /// Per value, the slots' own buffers to add to its gradient, in reader order (empty for a
    /// value read once).
    private let gradientSums: [[UnsafeMutablePointer<Float>]]
    /// Whether an inference forward, or a training forward whose caller keeps its input
    /// (`forward(inputKept:)`), may read the caller's input in place: only reshapes touch it.
    private let inferenceReadsCallerInput: Bool
    private let trainingReadsCallerInput: Bool
    /// The caller's input when the last training forward read it in place: `backward` reads it there too.
    private var trainingInput: UnsafeMutablePointer<Float>?
    private let ownedBuffers: [UnsafeMutablePointer<Float>]
    /// The batch size of the last training forward; 0 after an inference forward.
    private var lastCount = 0
    /// Where training steps spend their time, collected while set (`startProfiling`).
    public private(set) var profile: StepProfile?

    /// Plans and allocates the network for `input` (one sample's shape). `nodes` are built
    /// and initialised by the caller (`Experiment.makeNetwork`); every node's input shapes must
    /// be the shapes of the values it reads, and every value but the last must be read.
    /// `fusesLayers: false` runs every node on its own — the fused passes' twin, with the
    /// same results bit for bit and more memory and time.
    public init(input: Shape, nodes: [NetworkNode], maxBatch: Int, threads: Int = 1, fusesLayers: Bool = true) {
        precondition(maxBatch >= 1, "maxBatch must be at least 1")
        precondition(threads >= 1, "threads must be at least 1, got \(threads)")
        precondition(!nodes.isEmpty, "a network needs at least one node")
        inputShape = input
        self.nodes = nodes
        self.maxBatch = maxBatch
        self.threads = threads
        let shapes = [input] + nodes.map(\.operation.outputShape)
        for node in nodes {
            precondition(node.operation.inputShapes == node.inputs.map { shapes[$0] },
                         "node \(node.name) takes \(node.operation.inputShapes) but reads \(node.inputs.map { shapes[$0] })")
        }
        outputShape = shapes.last!
        parameters = nodes.flatMap(\.operation.parameters)
        state = nodes.flatMap(\.operation.state)

        let planNodes = nodes.map {
            ExecutionPlan.Node(inputs: $0.inputs, role: $0.operation.fusionRole, worksInPlace: $0.operation.worksInPlace)
        }
        trainingPlan = ExecutionPlan(nodes: planNodes, fuses: fusesLayers, training: true)
        inferencePlan = ExecutionPlan(nodes: planNodes, fuses: fusesLayers, training: false)
        for (value, readers) in trainingPlan.readers.enumerated().dropLast() {
            precondition(!readers.isEmpty, "value \(value) is never read")
        }
        trainingSteps = trainingPlan.steps.map { Self.operation(of: $0, in: nodes, maxBatch: maxBatch) }
        inferenceSteps = inferencePlan.steps.map { Self.operation(of: $0, in: nodes, maxBatch: maxBatch) }

        var owned: [UnsafeMutablePointer<Float>] = []
        func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
            let buffer = AlignedFloats.zeros(count)
            owned.append(buffer)
            return buffer
        }
        // Activations: one buffer per value that the training plan stores and does not share.
        var activations = [UnsafeMutablePointer<Float>?](repeating: nil, count: shapes.count)
        for value in shapes.indices {
            guard let root = trainingPlan.buffer[value] else { continue }
            activations[value] = root == value ? allocate(maxBatch * shapes[value].count) : activations[root]
        }
        for value in shapes.indices where inferencePlan.buffer[value] != nil {
            precondition(inferencePlan.buffer[value] == trainingPlan.buffer[value], "the plans disagree on value \(value)'s buffer")
        }
        // Gradients: only values that a parameter lies before need one.
        var needsGradient = [false]
        for node in nodes {
            needsGradient.append(!node.operation.parameters.isEmpty || node.inputs.contains { needsGradient[$0] })
        }
        var gradients = [UnsafeMutablePointer<Float>?](repeating: nil, count: shapes.count)
        for value in shapes.indices where needsGradient[value] {
            guard let root = trainingPlan.buffer[value] else { continue }
            gradients[value] = root == value ? allocate(maxBatch * shapes[value].count) : gradients[root]
        }
        // A value read by several slots: the first slot writes its gradient, every other one its own buffer.
        var gradientSums = [[UnsafeMutablePointer<Float>]](repeating: [], count: shapes.count)
        var seen = Set<Int>()
        inputGradients = trainingPlan.steps.map { step in
            step.inputs.map { value in
                guard needsGradient[value], seen.contains(value) else {
                    seen.insert(value)
                    return gradients[value]
                }
                let buffer = allocate(maxBatch * shapes[value].count)
                gradientSums[value].append(buffer)
                return buffer
            }
        }
        self.activations = activations
        self.gradients = gradients
        self.gradientSums = gradientSums
        inferenceReadsCallerInput = Self.leavesInputUnwritten(inferencePlan, inferenceSteps)
        trainingReadsCallerInput = Self.leavesInputUnwritten(trainingPlan, trainingSteps)
        ownedBuffers = owned
        applyThreads()
    }

    /// A chain: each layer reads the one before it, the first the network's input, named
    /// "layer1", "layer2", … (tests and benchmarks of the Engine alone).
    public convenience init(input: Shape, chain layers: [any Layer], maxBatch: Int, threads: Int = 1,
                            fusesLayers: Bool = true) {
        let nodes = layers.enumerated().map { index, layer in
            NetworkNode(name: "layer\(index + 1)", layer: layer, input: index)
        }
        self.init(input: input, nodes: nodes, maxBatch: maxBatch, threads: threads, fusesLayers: fusesLayers)
    }

    /// A step's operation: the node's own, or the fused pass over its group (convolution →
    /// optional channel affine → activation → max-pool, as `ExecutionPlan` groups them).
    private static func operation(of step: ExecutionPlan.Step, in nodes: [NetworkNode], maxBatch: Int) -> NetworkNode.Operation {
        guard step.nodes.count > 1 else { return nodes[step.nodes[0]].operation }
        let layers = step.nodes.map { index -> any Layer in
            guard case .layer(let layer) = nodes[index].operation else { preconditionFailure("a merge in a fused group") }
            return layer
        }
        guard let convolution = layers.first as? Convolution, let pool = layers.last as? MaxPool,
              case .activation(let slope) = layers[layers.count - 2].fusionRole else {
            preconditionFailure("a fused group runs from a convolution through an activation to a max-pool")
        }
        let affine = layers.count == 4 ? layers[1] as? any ChannelAffine : nil
        return .layer(ConvolutionActivationPool(convolution: convolution, affine: affine, negativeSlope: slope, pool: pool,
                                                maxBatch: maxBatch))
    }

    private func applyThreads() {
        for node in nodes { node.operation.setThreads(threads) }
        for step in trainingSteps + inferenceSteps { step.setThreads(threads) }
    }

    deinit {
        ownedBuffers.forEach { $0.deallocate() }
    }

    /// Trainable values in all layers.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    /// Starts timing every training forward and backward from now on, step by step of the
    /// training plan, in a fresh `profile`; `stopProfiling` ends it.
    @discardableResult
    public func startProfiling() -> StepProfile {
        let profile = StepProfile(stepNodes: trainingPlan.steps.map(\.nodes))
        self.profile = profile
        return profile
    }

    public func stopProfiling() { profile = nil }

    /// Whether no step of `plan` writes over the network's input (value 0) but reshapes, and the
    /// output is not it: a forward can then read the caller's input where it lies.
    private static func leavesInputUnwritten(_ plan: ExecutionPlan, _ operations: [NetworkNode.Operation]) -> Bool {
        plan.buffer[plan.buffer.count - 1] != 0
            && zip(plan.steps, operations).allSatisfy { step, operation in
                !(step.isInPlace && plan.buffer[step.output] == 0) || operation.fusionRole == .reshape
            }
    }

    /// Runs the batch `input` (count × inputShape.count Floats, NCHW) through the network and
    /// returns the outputs (count × outputShape.count), valid until the next forward.
    /// `training` turns dropout on, drawing its masks from `rng`, uses batch statistics, and
    /// keeps what `backward` needs; an inference forward (`training: false`) may read `input`
    /// in place and keeps nothing for `backward`. A training forward reads it in place too when
    /// `inputKept`: the caller promises that `input` stays where it is, unchanged, until the one
    /// `backward` that follows (else it is copied: a 100-face batch is 3.7 MB, 2–3% of a small
    /// network's step).
    @discardableResult
    public func forward(_ input: UnsafeBufferPointer<Float>, count: Int, training: Bool,
                        inputKept: Bool = false, rng: inout RandomGenerator) -> UnsafeBufferPointer<Float> {
        precondition(count >= 1 && count <= maxBatch, "batch of \(count) must be in 1...\(maxBatch)")
        precondition(input.count >= count * inputShape.count,
                     "input holds \(input.count) values; \(count) samples of \(inputShape) need \(count * inputShape.count)")
        let plan = training ? trainingPlan : inferencePlan
        let operations = training ? trainingSteps : inferenceSteps
        // The caller's input is read in place when nothing but reshapes (flatten) writes over it:
        // no copy (5% of an MLP's inference).
        let readsInPlace = training ? inputKept && trainingReadsCallerInput : inferenceReadsCallerInput
        let caller = UnsafeMutablePointer(mutating: input.baseAddress!)
        trainingInput = training && readsInPlace ? caller : nil
        let profile = training ? profile : nil
        let copyStart = profile.map { _ in MonotonicClock.seconds() }
        if !readsInPlace {
            // Split across the threads: on one thread the copy of a 100-face batch (3.7 MB) was
            // 3–5% of a small network's step at 2 threads.
            let sample = inputShape.count, destination = activations[0]!
            Parallelism.forEachChunk(count: count, threads: threads, perThread: 1) { _, samples in
                VectorCopy.copy(caller + samples.lowerBound * sample, to: destination + samples.lowerBound * sample,
                                count: samples.count * sample)
            }
        }
        if let profile, let copyStart { profile.addInputCopy(since: copyStart) }
        func buffer(_ value: Int) -> UnsafeMutablePointer<Float> {
            readsInPlace && plan.buffer[value] == 0 ? caller : activations[value]!
        }
        for (index, (step, operation)) in zip(plan.steps, operations).enumerated() {
            let start = profile.map { _ in MonotonicClock.seconds() }
            switch operation {
            case .layer(let layer):
                layer.forward(input: buffer(step.inputs[0]), output: buffer(step.output), count: count,
                              training: training, rng: &rng)
            case .merge(let merge):
                merge.forward(inputs: step.inputs.map { UnsafePointer(buffer($0)) }, output: buffer(step.output), count: count)
            }
            if let profile, let start { profile.addForward(step: index, since: start) }
        }
        lastCount = training ? count : 0
        return UnsafeBufferPointer(start: buffer(nodes.count), count: count * outputShape.count)
    }

    /// `forward` on arrays, returning a copy of the outputs.
    public func forward(_ input: [Float], count: Int, training: Bool, rng: inout RandomGenerator) -> [Float] {
        input.withUnsafeBufferPointer { Array(forward($0, count: count, training: training, rng: &rng)) }
    }

    /// Inference (dropout off, running statistics): the outputs for `count` samples, as a new array.
    public func predict(_ input: [Float], count: Int) -> [Float] {
        var unused = RandomGenerator(seed: 0)
        return forward(input, count: count, training: false, rng: &unused)
    }

    /// Back-propagates dLoss/dOutput (lastCount × outputShape.count) through the last forward
    /// batch, overwriting every parameter's gradient. The input gradient is not computed.
    public func backward(outputGradient: UnsafeBufferPointer<Float>) {
        let count = lastCount
        precondition(count > 0, "backward needs a forward with training: true first (an inference forward keeps no "
                     + "inputs, and one that read a kept input serves one backward)")
        // A kept input is the caller's only until this backward: a second one must not read it.
        defer { if trainingInput != nil { trainingInput = nil; lastCount = 0 } }
        precondition(outputGradient.count >= count * outputShape.count, "output gradient is too short for the batch of \(count)")
        guard let last = gradients[nodes.count] else { return }  // no layer to train
        last.update(from: outputGradient.baseAddress!, count: count * outputShape.count)
        for stepIndex in trainingPlan.steps.indices.reversed() {
            let step = trainingPlan.steps[stepIndex]
            // Steps before every parameter need no gradient.
            guard let outputGradient = gradients[step.output] else { continue }
            let start = profile.map { _ in MonotonicClock.seconds() }
            defer { if let profile, let start { profile.addBackward(step: stepIndex, since: start) } }
            let size = count * shape(of: step.output).count
            for buffer in gradientSums[step.output] {
                for i in 0..<size { outputGradient[i] += buffer[i] }
            }
            let inputGradients = inputGradients[stepIndex]
            switch trainingSteps[stepIndex] {
            case .layer(let layer):
                layer.backward(input: stored(step.inputs[0]), output: stored(step.output),
                               outputGradient: outputGradient, inputGradient: inputGradients[0], count: count)
            case .merge(let merge):
                merge.backward(outputGradient: outputGradient, inputGradients: inputGradients, count: count)
            }
        }
    }

    /// Where the last training forward left `value`: the caller's input for the values that share
    /// its buffer when it was read in place, else the network's own buffer.
    private func stored(_ value: Int) -> UnsafeMutablePointer<Float> {
        if let trainingInput, trainingPlan.buffer[value] == 0 { return trainingInput }
        return activations[value]!
    }

    public func backward(outputGradient: [Float]) {
        outputGradient.withUnsafeBufferPointer { backward(outputGradient: $0) }
    }

    private func shape(of value: Int) -> Shape {
        value == 0 ? inputShape : nodes[value - 1].operation.outputShape
    }

    /// Every parameter's and state tensor's values by name (for weights and checkpoints);
    /// `load` restores them bit for bit.
    public func parameterValues() -> [String: [Float]] {
        Dictionary(uniqueKeysWithValues: (parameters + state).map { ($0.name, $0.values) })
    }

    /// Restores values saved by `parameterValues()`; every name must be present with the right count.
    public func load(_ values: [String: [Float]]) throws(ParameterMismatch) {
        let tensors = parameters + state
        for tensor in tensors {
            guard let saved = values[tensor.name] else {
                throw ParameterMismatch("no values for \(tensor.name)")
            }
            guard saved.count == tensor.count else {
                throw ParameterMismatch("\(tensor.name) needs \(tensor.count) values, got \(saved.count)")
            }
        }
        for tensor in tensors { tensor.values = values[tensor.name]! }
    }
}

/// Saved values do not fit the network, e.g. "conv1.weight needs 288 values, got 300".
public struct ParameterMismatch: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
