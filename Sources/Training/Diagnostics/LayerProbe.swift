import Engine
import Faces
import Inference

/// A fixed probe batch (the first `min(64, n)` validation faces, in file order, unflipped)
/// run through the network one layer at a time in inference mode, so that every layer's own
/// output can be measured — including a convolution's before the ReLU that the network
/// applies in place.
///
/// The pass uses buffers of its own (two, ping-pong, of `chunk` samples of the widest layer)
/// and only `Layer.forward`, so it changes no parameter, gradient or random stream: a run
/// with diagnostics trains to exactly the same numbers as one without.
final class LayerProbe {
    /// What one pass measured for one parameterised layer.
    struct Measurement {
        /// The layer's output values (all samples, all units).
        var activations = Moments()
        /// Σ(output − bias)² (the part the inputs contribute, W·x) and Σbias² with the bias
        /// broadcast to the output's shape, over the same values: whether the bias does all the work.
        var weightedInputSquares = 0.0
        var biasSquares = 0.0
        /// Units of the ReLU that follows the layer (before the next parameterised one), if any.
        var dead: DeadUnits?

        /// rms(bias) / (rms(bias) + rms(W·x)) in [0, 1]: 1 when the output is the bias alone.
        var biasShare: Double {
            let b = biasSquares.squareRoot(), x = weightedInputSquares.squareRoot()
            return b + x > 0 ? b / (b + x) : .nan
        }
    }

    static let probeSize = 64

    let network: Network
    /// (count, inputShape.count)
    let images: [Float]
    let count: Int
    /// Samples per forward: at most the network's `maxBatch`, whose scratch the layers size for.
    let chunk: Int
    /// For each layer index that has parameters: the index of the ReLU layer whose input it
    /// measures for dead units.
    let reluAfter: [Int: Int]
    private let buffers: [UnsafeMutablePointer<Float>]
    private let bufferSize: Int

    init(network: Network, validation: FaceDataset) {
        self.network = network
        count = min(Self.probeSize, validation.count)
        var batch = FaceBatch(capacity: max(count, 1))
        let inFileOrder = BatchPlan(size: batch.capacity, order: .file, lastBatch: .keep, flip: false, seed: 0)
        if let first = validation.epoch(0, plan: inFileOrder).first { validation.fill(&batch, with: first) }
        images = Array(batch.images.prefix(count * network.inputShape.count))
        chunk = max(1, min(count, network.maxBatch, 16))
        var reluAfter: [Int: Int] = [:]
        var owner: Int?
        for (index, layer) in network.layers.enumerated() {
            if !layer.parameters.isEmpty {
                owner = index
            } else if layer is ReLU, let current = owner {
                reluAfter[current] = index
                owner = nil
            }
        }
        self.reluAfter = reluAfter
        let size = chunk * (network.layers.map(\.outputShape.count).max() ?? 1)
        bufferSize = size
        buffers = (0..<2).map { _ in
            let buffer = UnsafeMutablePointer<Float>.allocate(capacity: size)
            buffer.initialize(repeating: 0, count: size)
            return buffer
        }
    }

    deinit { buffers.forEach { $0.deallocate() } }

    /// One pass over the probe: a `Measurement` per parameterised layer index.
    func measure() -> [Int: Measurement] {
        let layers = network.layers
        var measurements: [Int: Measurement] = [:]
        var biases: [Int: [Float]] = [:]
        for (index, layer) in layers.enumerated() where !layer.parameters.isEmpty {
            var measurement = Measurement()
            if let relu = reluAfter[index] { measurement.dead = DeadUnits(units: layers[relu].inputShape.count) }
            measurements[index] = measurement
            biases[index] = layer.parameters.first { $0.role == .bias }?.values
        }
        let owners = Dictionary(uniqueKeysWithValues: reluAfter.map { ($1, $0) })
        var unused = RandomGenerator(seed: 0)  // inference draws nothing
        images.withUnsafeBufferPointer { images in
            for start in stride(from: 0, to: count, by: chunk) {
                let samples = min(chunk, count - start)
                var input = UnsafePointer(images.baseAddress! + start * network.inputShape.count)
                for (index, layer) in layers.enumerated() {
                    let output = buffers[index % 2]
                    // A ReLU's input is the previous layer's output: the units it kills.
                    if let owner = owners[index] {
                        measurements[owner]!.dead!.observe(UnsafeBufferPointer(start: input, count: samples * layer.inputShape.count),
                                                           count: samples)
                    }
                    layer.forward(input: input, output: output, count: samples, training: false, rng: &unused)
                    let values = UnsafeBufferPointer(start: UnsafePointer(output), count: samples * layer.outputShape.count)
                    if measurements[index] != nil {
                        measurements[index]!.activations.add(values)
                        Self.splitBias(values, bias: biases[index] ?? [], perSample: layer.outputShape.count,
                                       into: &measurements[index]!)
                    }
                    input = UnsafePointer(output)
                }
            }
        }
        return measurements
    }

    /// Adds output − bias and the broadcast bias to the measurement. The bias has one value per
    /// channel (conv, NCHW: each covers H·W consecutive values) or per unit (dense).
    static func splitBias(_ values: UnsafeBufferPointer<Float>, bias: [Float], perSample: Int, into measurement: inout Measurement) {
        guard !bias.isEmpty, perSample % bias.count == 0 else { return }
        let span = perSample / bias.count
        var input = 0.0, broadcast = 0.0
        for (at, value) in values.enumerated() {
            let b = Double(bias[(at % perSample) / span])
            let x = Double(value) - b
            input += x * x
            broadcast += b * b
        }
        measurement.weightedInputSquares += input
        measurement.biasSquares += broadcast
    }
}
