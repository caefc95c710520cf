import Engine
import Faces
import Inference

/// A fixed probe batch (the first `min(64, n)` validation faces, in file order, unflipped)
/// run through the network one node at a time in inference mode (`Network.inspect`), so that
/// every layer's own output can be measured — including a convolution's before the ReLU that
/// the network applies in place.
///
/// The pass uses buffers of its own, in chunks of at most 16 samples, so it changes no
/// parameter, gradient or random stream: a run with diagnostics trains to exactly the same
/// numbers as one without.
final class LayerProbe {
    /// What one pass measured for one parameterised layer.
    struct Measurement {
        /// The layer's output values (all samples, all units).
        var activations = Moments()
        /// Σ(output − bias)² (the part the inputs contribute, W·x) and Σbias² with the bias
        /// broadcast to the output's shape, over the same values: whether the bias does all the work.
        var weightedInputSquares = 0.0
        var biasSquares = 0.0
        /// Units of the ReLU that reads the layer's output (through layers without parameters
        /// that alone read what they follow), if any.
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
    /// Samples per pass: at most the network's `maxBatch`, whose scratch the layers size for.
    let chunk: Int
    /// For each node index that has parameters: the index of the ReLU node whose input it
    /// measures for dead units.
    let reluAfter: [Int: Int]

    init(network: Network, validation: FaceDataset) {
        self.network = network
        count = min(Self.probeSize, validation.count)
        var batch = FaceBatch(capacity: max(count, 1))
        let inFileOrder = BatchPlan(size: batch.capacity, order: .file, lastBatch: .keep, flip: false, seed: 0)
        if let first = validation.epoch(0, plan: inFileOrder).first { validation.fill(&batch, with: first) }
        images = Array(batch.images.prefix(count * network.inputShape.count))
        chunk = max(1, min(count, network.maxBatch, 16))
        reluAfter = Self.reluAfter(in: network.nodes)
    }

    /// For each node with parameters, the ReLU reached by following the only reader of its
    /// output through nodes without parameters (a conv's own ReLU, past a dropout or flatten).
    static func reluAfter(in nodes: [NetworkNode]) -> [Int: Int] {
        var readers = [[Int]](repeating: [], count: nodes.count + 1)
        for (index, node) in nodes.enumerated() { node.inputs.forEach { readers[$0].append(index) } }
        var result: [Int: Int] = [:]
        for (index, node) in nodes.enumerated() where !node.operation.parameters.isEmpty {
            var current = index
            while readers[current + 1].count == 1 {
                let next = readers[current + 1][0]
                guard case .layer(let layer) = nodes[next].operation, layer.parameters.isEmpty else { break }
                if layer is ReLU {
                    result[index] = next
                    break
                }
                current = next
            }
        }
        return result
    }

    /// One pass over the probe: a `Measurement` per parameterised node index.
    func measure() -> [Int: Measurement] {
        let nodes = network.nodes
        var measurements: [Int: Measurement] = [:]
        var biases: [Int: [Float]] = [:]
        for (index, node) in nodes.enumerated() where !node.operation.parameters.isEmpty {
            var measurement = Measurement()
            if let relu = reluAfter[index] { measurement.dead = DeadUnits(units: nodes[relu].operation.outputShape.count) }
            measurements[index] = measurement
            biases[index] = node.operation.parameters.first { $0.role == .bias }?.values
        }
        let owners = Dictionary(uniqueKeysWithValues: reluAfter.map { ($1, $0) })
        images.withUnsafeBufferPointer { images in
            for start in stride(from: 0, to: count, by: chunk) {
                let samples = min(chunk, count - start)
                network.inspect(images.baseAddress! + start * network.inputShape.count, count: samples) { index, inputs, output in
                    // A ReLU's input is the values it kills.
                    if let owner = owners[index] {
                        measurements[owner]!.dead!.observe(inputs[0], count: samples)
                    }
                    if measurements[index] != nil {
                        measurements[index]!.activations.add(output)
                        Self.splitBias(output, bias: biases[index] ?? [], perSample: nodes[index].operation.outputShape.count,
                                       into: &measurements[index]!)
                    }
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
