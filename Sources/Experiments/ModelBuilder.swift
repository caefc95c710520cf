import Engine
import Faces

/// The one place where an experiment's settings become Engine and Faces objects: the network,
/// the optimizer, the per-epoch learning rate and momentum, and the batch plan.
extension Experiment {
    /// The network of `model.layers` on `model.input` (a 1×96×96 face), with every parameter drawn from `rng`
    /// in layer order by its resolved initializer. Buffers hold `maxBatch` samples.
    public func makeNetwork(maxBatch: Int, threads: Int, rng: inout RandomGenerator) throws(ModelProblem) -> Network {
        try model.makeNetwork(maxBatch: maxBatch, threads: threads, rng: &rng)
    }

    /// The optimizer of `train.optimizer` over the network's parameters, with `train.l2`.
    public func makeOptimizer(for network: Network) -> Optimizer {
        let optimizer = Optimizer(optimizerMethod, parameters: network.parameters, l2: Float(train.l2))
        optimizer.threads = network.threads
        return optimizer
    }

    var optimizerMethod: OptimizerMethod {
        switch train.optimizer {
        case .sgd(nil):
            return .sgd
        case .sgd(let momentum?):
            switch momentum.form {
            case .classic: return .classicMomentum
            case .ema: return .emaMomentum
            case .emaLagged: return .emaLaggedMomentum
            case .nesterov: return .nesterov
            }
        case .adam(let beta1, let beta2, let epsilon):
            return .adam(beta1: Float(beta1), beta2: Float(beta2), epsilon: Float(epsilon))
        }
    }

    /// The learning rate during epoch `epoch` (0-based) of `train.epochs`.
    public func learningRate(epoch: Int) -> Float {
        train.learningRate.value(at: epoch, of: train.epochs)
    }

    /// The SGD momentum coefficient during epoch `epoch` (0 when the optimizer has none).
    public func momentum(epoch: Int) -> Float {
        guard case .sgd(let momentum?) = train.optimizer else { return 0 }
        return momentum.coefficient.value(at: epoch, of: train.epochs)
    }

    /// How each epoch is cut into batches; order, flips and transforms are drawn from `seed`.
    public func batchPlan(seed: UInt64) -> BatchPlan {
        BatchPlan(size: train.batchSize, order: train.shuffle ? .shuffled : .file, lastBatch: train.lastBatch,
                  flip: data.augment.flip, transforms: data.augment.transforms, seed: seed)
    }
}

extension ModelSpec {
    /// The network of these layers on `input` (a 1×96×96 face unless it is a cascade's level-2
    /// net): each layer built on the shapes of what it
    /// reads and named as `ModelGraph` names it, its weights drawn from `rng` in layer order by
    /// its resolved initializer. Buffers hold `maxBatch` samples; `fusesLayers: false` builds the
    /// fused passes' twin.
    public func makeNetwork(maxBatch: Int, threads: Int, fusesLayers: Bool = true,
                            rng: inout RandomGenerator) throws(ModelProblem) -> Network {
        let graph = try ModelGraph(layers)
        var shapes = [input]
        var nodes: [NetworkNode] = []
        for (index, layer) in layers.enumerated() {
            let inputs = graph.inputs[index]
            let name = graph.names[index]
            let operation: NetworkNode.Operation
            do {
                operation = try layer.type.base.makeOperation(inputs: inputs.map { shapes[$0] }, name: name, maxBatch: maxBatch)
            } catch {
                throw ModelProblem(layerIndex: index, message: error.message)
            }
            switch operation {
            case .layer(let built):
                // Layers without weights drawn by an initializer ignore it (batch norm starts at γ = 1, β = 0).
                built.initialize(initializer(of: layer) ?? initializer, using: &rng)
                nodes.append(NetworkNode(name: name, layer: built, input: inputs[0]))
            case .merge(let merge):
                nodes.append(NetworkNode(name: name, merge: merge, inputs: inputs))
            }
            shapes.append(operation.outputShape)
        }
        return Network(input: input, nodes: nodes, maxBatch: maxBatch, threads: threads, fusesLayers: fusesLayers)
    }
}
