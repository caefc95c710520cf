import Engine
import Faces

/// How the network is trained: epochs, batches, optimizer, learning rate, regularisation,
/// when to stop.
public struct TrainSpec: Hashable, Sendable {
    /// Stop when the validation loss has not improved by more than `minDelta` for
    /// `patience` epochs in a row, and keep the best epoch's weights.
    public struct EarlyStopping: Hashable, Sendable {
        public var patience: Int
        public var minDelta: Double

        public init(patience: Int, minDelta: Double = Defaults.earlyStoppingMinDelta) {
            self.patience = patience
            self.minDelta = minDelta
        }
    }

    public var epochs: Int
    public var batchSize: Int
    /// `true`: a new seeded order of the training rows every epoch. `false`: file order every
    /// epoch (the original report's code called a shuffle but discarded its result).
    public var shuffle: Bool
    /// What happens to the rows that do not fill a last whole batch (`LastBatch` in Faces:
    /// keep, drop, or the original report's end-before-last-row loop).
    public var lastBatch: LastBatch
    public var optimizer: OptimizerSpec
    public var learningRate: Schedule
    /// Weight decay as `cost += l2·Σw²` over weights, not biases (gradient 2·l2·w).
    public var l2: Double
    public var earlyStopping: EarlyStopping?
    /// Stop cleanly after this many seconds of training (checked between batches).
    public var maxWallTime: Double?
    /// Log per-layer statistics (activation and gradient magnitudes) every epoch.
    public var diagnostics: Bool
    /// How validation forms each face's prediction (`flip`: the mean with its mirror's), and
    /// what `evaluate`, `predict` and `show` do for this run unless told otherwise.
    public var tta: TestTimeAugmentation

    public init(epochs: Int, batchSize: Int = Defaults.batchSize, shuffle: Bool = Defaults.shuffle,
                lastBatch: LastBatch = Defaults.lastBatch, optimizer: OptimizerSpec = Defaults.optimizer,
                learningRate: Schedule? = nil, l2: Double = Defaults.l2, earlyStopping: EarlyStopping? = nil,
                maxWallTime: Double? = nil, diagnostics: Bool = Defaults.diagnostics,
                tta: TestTimeAugmentation = Defaults.testTimeAugmentation) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.lastBatch = lastBatch
        self.optimizer = optimizer
        self.learningRate = learningRate ?? .constant(Defaults.learningRate(for: optimizer))
        self.l2 = l2
        self.earlyStopping = earlyStopping
        self.maxWallTime = maxWallTime
        self.diagnostics = diagnostics
        self.tta = tta
    }
}
