import Engine
import Faces

/// The one place where an experiment's settings become Engine and Faces objects: the network,
/// the optimizer, the per-epoch learning rate and momentum, and the batch plan.
extension Experiment {
    /// The network of `model.layers` on 1×96×96 inputs, with every parameter drawn from `rng`
    /// in layer order by its resolved initializer. Buffers hold `maxBatch` samples.
    public func makeNetwork(maxBatch: Int, threads: Int, rng: inout RandomGenerator) throws(ModelProblem) -> Network {
        try model.makeNetwork(maxBatch: maxBatch, threads: threads, rng: &rng)
    }

    /// The optimizer of `train.optimizer` over the network's parameters, with `train.l2`.
    public func makeOptimizer(for network: Network) -> Optimizer {
        Optimizer(optimizerMethod, parameters: network.parameters, l2: Float(train.l2))
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

    /// How each epoch is cut into batches; order and flips are drawn from `seed`.
    public func batchPlan(seed: UInt64) -> BatchPlan {
        BatchPlan(size: train.batchSize, order: train.shuffle ? .shuffled : .file, lastBatch: train.lastBatch,
                  flip: data.augment.flip, seed: seed)
    }
}
