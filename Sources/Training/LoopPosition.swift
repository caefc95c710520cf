/// Where a run's loop stands, saved with the weights and optimizer state in
/// `checkpoint.kpw` so that `--resume` continues exactly where it stopped: mid-epoch
/// included, giving the same `metrics.csv` as a run that was never interrupted.
public struct LoopPosition: Codable, Equatable, Sendable {
    /// Epochs finished (their rows are in metrics.csv).
    public var epochsDone: Int
    /// Batches of epoch `epochsDone` already trained (0 at an epoch boundary).
    public var batchesDone: Int
    /// Bit pattern of Σ batch losses so far in the current epoch (Double, exact).
    public var trainLossSumBits: UInt64
    /// Images trained and seconds spent training in the current epoch so far.
    public var epochImages: Int
    public var epochSeconds: Double
    /// Over the whole run, for throughput.
    public var totalImages: Int
    public var totalTrainSeconds: Double
    public var bestEpoch: Int?
    public var bestValidationLossBits: UInt64?
    public var epochsWithoutImprovement: Int
    public var optimizerSteps: Int

    public var trainLossSum: Double {
        get { Double(bitPattern: trainLossSumBits) }
        set { trainLossSumBits = newValue.bitPattern }
    }

    public var bestValidationLoss: Double? {
        get { bestValidationLossBits.map(Double.init(bitPattern:)) }
        set { bestValidationLossBits = newValue?.bitPattern }
    }

    public static let start = LoopPosition(epochsDone: 0, batchesDone: 0, trainLossSumBits: 0, epochImages: 0,
                                    epochSeconds: 0, totalImages: 0, totalTrainSeconds: 0, bestEpoch: nil,
                                    bestValidationLossBits: nil, epochsWithoutImprovement: 0, optimizerSteps: 0)
}
