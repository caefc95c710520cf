import Experiments
import Foundation
import Results
import Testing
import Training

/// The loop alone, watched by a test's own observer: every event, in order, and no file.
@Suite struct TrainingObserverTests {
    /// Everything an observer is told, as plain values.
    final class Recorder: TrainingObserver {
        var events: [String] = []
        var rows: [MetricsLog.Row] = []
        var bestEpochs: [Int] = []

        func runStarted(_ loop: TrainingLoop) { events.append("started at epoch \(loop.position.epochsDone)") }
        func batchFinished(_ progress: BatchProgress, loop: TrainingLoop) {
            events.append("batch \(progress.position.epoch).\(progress.position.batch)/\(progress.position.batches)")
        }
        func epochFinished(_ report: EpochReport, loop: TrainingLoop) {
            events.append("epoch \(report.row.epoch)")
            rows.append(report.row)
            if report.isBest { bestEpochs.append(report.row.epoch) }
        }
        func checkpointDue(_ loop: TrainingLoop) { events.append("checkpoint") }
        func runStopped(_ outcome: TrainingOutcome, loop: TrainingLoop) { events.append("stopped \(outcome.status.rawValue)") }
    }

    @Test func anObserverReceivesEveryEpochInOrderWithoutTouchingTheDisk() throws {
        let recorder = Recorder()
        let loop = try TrainingLoop(experiment: try TrainingTests.experiment(), threads: 1, observers: [recorder])
        let outcome = try loop.run()

        #expect(outcome == TrainingOutcome(.completed))
        let epoch = { (e: Int) in (1...4).map { "batch \(e).\($0)/4" } + ["epoch \(e)"] }
        #expect(recorder.events == ["started at epoch 0"] + epoch(1) + epoch(2) + epoch(3) + ["stopped completed"])
        #expect(recorder.rows.map(\.epoch) == [1, 2, 3])
        #expect(recorder.rows.allSatisfy { $0.trainLoss.isFinite && $0.validationRMSEPixels == $0.validationLoss.squareRoot() * 48 })
        #expect(recorder.bestEpochs.first == 1)
        // The loop has no folder to write to; nothing appeared where a run would have gone.
        #expect(!FileManager.default.fileExists(atPath: "results/tiny") && !FileManager.default.fileExists(atPath: "tiny"))

        // The numbers are the ones a run in a folder records.
        let results = TrainingTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: results) }
        let (run, _) = try TrainingTests.train(try TrainingTests.experiment(), into: results)
        let recorded = try MetricsLog.read(path: run.folder.metrics)
        #expect(recorded.map { [$0.trainLoss, $0.validationLoss, $0.outputSpread] }
                == recorder.rows.map { [$0.trainLoss, $0.validationLoss, $0.outputSpread] })
    }

    @Test func checkpointsFollowEveryEpochButTheLastOfACompletedRun() throws {
        let recorder = Recorder()
        let loop = try TrainingLoop(experiment: try TrainingTests.experiment(), threads: 1, observers: [recorder])
        loop.secondsBetweenCheckpoints = 0
        #expect(try loop.run() == TrainingOutcome(.completed))
        #expect(recorder.events.filter { !$0.hasPrefix("batch") }
                == ["started at epoch 0", "epoch 1", "checkpoint", "epoch 2", "checkpoint", "epoch 3", "stopped completed"])
    }

    @Test func aRunTellsItsOwnObserversAfterWritingItsFiles() throws {
        let results = TrainingTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: results) }
        final class FileChecker: TrainingObserver {
            var metricsRowsSeen: [Int] = []
            let folder: () -> RunFolder?
            init(folder: @escaping () -> RunFolder?) { self.folder = folder }
            func epochFinished(_ report: EpochReport, loop: TrainingLoop) throws {
                metricsRowsSeen.append(try MetricsLog.read(path: folder()!.metrics).count)
            }
        }
        var run: TrainingRun?
        let checker = FileChecker { run?.folder }
        run = try TrainingRun.prepare(try TrainingTests.experiment(), results: results,
                                      options: .init(threads: 1, observers: [checker]))
        #expect(try run!.run().status == .completed)
        #expect(checker.metricsRowsSeen == [1, 2, 3])
    }

    @Test func aLoopRefusesAnExperimentWithoutASeed() throws {
        var experiment = try TrainingTests.experiment()
        experiment.seed = nil
        #expect(throws: UserError("tiny: choose a seed before training")) {
            _ = try TrainingLoop(experiment: experiment, threads: 1)
        }
    }
}
