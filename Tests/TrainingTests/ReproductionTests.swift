import Foundation
import Results
import Testing
@testable import Training

/// `Reproduction` of a run that stopped before its last epoch.
@Suite struct ReproductionTests {
    /// An interrupted run is trained again only as far as it got: its two epochs and its best
    /// weights then compare exactly (training all three would make the reproduction's best
    /// weights another epoch's).
    @Test func anInterruptedRunIsReproducedAsFarAsItGot() throws {
        let results = TrainingTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: results) }
        let (_, folder) = try RunFolderIntegrityTests.stoppedAfterTwoEpochs(into: results)
        let reproduction = try Reproduction(original: folder)
        #expect(reproduction.epochLimit(asked: nil) == 2)
        #expect(reproduction.epochLimit(asked: 1) == 1)
        let (_, outcome) = try reproduction.run(results: results + "/again", threads: 2, epochs: nil, display: .quiet)
        #expect(outcome.isExact, "\(outcome.report)")
        #expect(outcome.epochsCompared == 2)
        #expect(outcome.weightsCompared == ["model.best.kpw"], "an interrupted run keeps no last weights")
    }

    @Test func theReportCountsEpochsInWords() {
        func report(_ epochs: Int) -> String {
            Reproduction.Outcome(epochsCompared: epochs, firstDifferingEpoch: nil, differences: [], rowCounts: (epochs, epochs),
                                 causes: [], harmless: []).report
        }
        #expect(report(1).hasPrefix("exact: its one epoch is bit-identical (every column but seconds)\n"))
        #expect(report(2).hasPrefix("exact: all 2 epochs are bit-identical (every column but seconds)\n"))
    }
}
