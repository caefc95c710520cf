import Foundation
import Results
import Testing
import Training

/// A checkpoint's loop position is checked before a run resumes from it: a damaged or crafted
/// file is refused with the field that is wrong, never trusted into a crash.
@Suite struct LoopPositionTests {
    /// Mid-epoch 3 of 10 (two epochs done, 5 batches into the third), best epoch 2.
    static let midRun: LoopPosition = {
        var position = LoopPosition.start
        position.epochsDone = 2
        position.batchesDone = 5
        position.trainLossSum = 0.75
        position.epochImages = 640
        position.epochSeconds = 1.5
        position.totalImages = 2560
        position.totalTrainSeconds = 6
        position.bestEpoch = 2
        position.bestValidationLoss = 0.01
        position.optimizerSteps = 45
        return position
    }()

    static func message(_ change: (inout LoopPosition) -> Void, batchesPerEpoch: Int? = 20) -> String {
        var position = midRun
        change(&position)
        do {
            try position.validate(epochs: 10, batchesPerEpoch: batchesPerEpoch, file: "checkpoint.kpw")
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test func positionsARunCanReachAreAccepted() throws {
        try Self.midRun.validate(epochs: 10, batchesPerEpoch: 20, file: "c.kpw")
        try LoopPosition.start.validate(epochs: 1, file: "c.kpw")
        var last = LoopPosition.start
        last.epochsDone = 10
        last.bestEpoch = 10
        last.bestValidationLoss = 0
        last.epochsWithoutImprovement = 0
        try last.validate(epochs: 10, batchesPerEpoch: 20, file: "c.kpw")
        // Stopped after the last batch of an epoch, before its validation.
        #expect(Self.message { $0.batchesDone = 20 } == "no error")
    }

    @Test func eachFieldOutOfRangeIsNamed() {
        let advice = "; the checkpoint is damaged: start the run again with --overwrite"
        #expect(Self.message { $0.epochsDone = -3 }
                == "checkpoint.kpw: the loop position's epochsDone is -3, expected 0 to 10 (train.epochs)" + advice)
        #expect(Self.message { $0.epochsDone = 11 }
                == "checkpoint.kpw: the loop position's epochsDone is 11, expected 0 to 10 (train.epochs)" + advice)
        #expect(Self.message { $0.batchesDone = 21 }
                == "checkpoint.kpw: the loop position's batchesDone is 21, expected 0 to 20 (the batches of an epoch)" + advice)
        #expect(Self.message({ $0.batchesDone = -1 }, batchesPerEpoch: nil).contains("batchesDone is -1"))
        #expect(Self.message { $0.epochsDone = 10 }
                == "checkpoint.kpw: the loop position's batchesDone is 5, expected 0 after the last epoch" + advice)
        #expect(Self.message { $0.totalImages = -1 }
                == "checkpoint.kpw: the loop position's totalImages is -1, expected 0 or more" + advice)
        #expect(Self.message { $0.optimizerSteps = Int.min }.contains("optimizerSteps is \(Int.min)"))
        #expect(Self.message { $0.trainLossSum = .nan }
                == "checkpoint.kpw: the loop position's trainLossSumBits is nan, expected a finite number, 0 or more" + advice)
        #expect(Self.message { $0.epochSeconds = -.infinity }.contains("epochSeconds is -inf"))
        #expect(Self.message { $0.epochsWithoutImprovement = 3 }
                == "checkpoint.kpw: the loop position's epochsWithoutImprovement is 3, expected 0 to 2 (epochsDone)" + advice)
        #expect(Self.message { $0.bestEpoch = 3 }
                == "checkpoint.kpw: the loop position's bestEpoch is 3, expected 1 to 2 (epochsDone)" + advice)
        #expect(Self.message { $0.bestEpoch = nil }.contains("bestEpoch is absent, expected given with bestValidationLossBits, or neither"))
        #expect(Self.message { $0.bestValidationLoss = .infinity }.contains("bestValidationLossBits is inf"))
    }

    /// What Checkpoint loading decodes: JSON from the archive's metadata, where any integer fits.
    @Test func decodedJSONWithANegativeEpochIsRefused() throws {
        var json = String(decoding: try JSONEncoder().encode(Self.midRun), as: UTF8.self)
        json = json.replacingOccurrences(of: "\"epochsDone\":2", with: "\"epochsDone\":-1")
        let position = try JSONDecoder().decode(LoopPosition.self, from: Data(json.utf8))
        #expect(throws: UserError.self) { try position.validate(epochs: 10, file: "checkpoint.kpw") }
    }
}
