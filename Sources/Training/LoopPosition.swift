import Results

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

extension LoopPosition {
    /// Checks a position read from a checkpoint — a file that may be damaged or crafted — against
    /// the experiment it is to resume, before the loop trusts it: a negative or too-large epoch
    /// or batch would index outside the batch plan and the schedules, and a non-finite loss sum
    /// would be reported as a divergence that never happened.
    /// - Parameters:
    ///   - epochs: the experiment's `train.epochs`.
    ///   - batchesPerEpoch: batches in one epoch, when the caller knows it (nil: not checked).
    ///   - file: the checkpoint, named in the message.
    /// - Throws: `UserError` naming the file and the first field out of range, as the JSON
    ///   spells it (a `…Bits` field is shown as the number its bits hold).
    public func validate(epochs: Int, batchesPerEpoch: Int? = nil, file: String) throws {
        func refuse(_ field: String, _ value: Any, expected: String) -> UserError {
            UserError("\(file): the loop position's \(field) is \(value), expected \(expected); the checkpoint is damaged: "
                      + "start the run again with --overwrite")
        }
        guard (0...max(epochs, 0)).contains(epochsDone) else {
            throw refuse("epochsDone", epochsDone, expected: "0 to \(epochs) (train.epochs)")
        }
        let batchLimit = epochsDone == epochs ? 0 : batchesPerEpoch ?? Int.max
        guard (0...batchLimit).contains(batchesDone) else {
            throw refuse("batchesDone", batchesDone, expected: epochsDone == epochs
                         ? "0 after the last epoch" : "0 to \(batchLimit) (the batches of an epoch)")
        }
        for (field, value) in [("epochImages", epochImages), ("totalImages", totalImages), ("optimizerSteps", optimizerSteps)]
        where value < 0 {
            throw refuse(field, value, expected: "0 or more")
        }
        for (field, value) in [("trainLossSumBits", trainLossSum), ("epochSeconds", epochSeconds),
                               ("totalTrainSeconds", totalTrainSeconds)] where !(value.isFinite && value >= 0) {
            throw refuse(field, value, expected: "a finite number, 0 or more")
        }
        guard (0...epochsDone).contains(epochsWithoutImprovement) else {
            throw refuse("epochsWithoutImprovement", epochsWithoutImprovement, expected: "0 to \(epochsDone) (epochsDone)")
        }
        guard (bestEpoch == nil) == (bestValidationLossBits == nil) else {
            throw refuse("bestEpoch", bestEpoch.map(String.init) ?? "absent", expected: "given with bestValidationLossBits, or neither")
        }
        if let bestEpoch, bestEpoch < 1 || bestEpoch > epochsDone {
            throw refuse("bestEpoch", bestEpoch, expected: "1 to \(epochsDone) (epochsDone)")
        }
        if let loss = bestValidationLoss, !(loss.isFinite && loss >= 0) {
            throw refuse("bestValidationLossBits", loss, expected: "a finite number, 0 or more")
        }
    }
}
