import Crypto
import Experiments
import Foundation
import Results
import Testing
import Training

/// The seed is chosen before a run's identity: a seedless experiment gives a new run each
/// time, and `config_hash` is always the hash of the `config.yaml` beside it.
@Suite struct RunSeedTests {
    static func sha256(ofFile path: String) -> String {
        SHA256.hash(data: FileManager.default.contents(atPath: path)!).map { String(format: "%02x", $0) }.joined()
    }

    static func seedless() throws -> Experiment {
        var experiment = try TrainingTests.experiment(["train.epochs=1"])
        experiment.seed = nil
        return experiment
    }

    @Test func aSeedlessExperimentRunTwiceGivesTwoRunsEachWithItsSeedRecorded() throws {
        let results = TrainingTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: results) }
        let experiment = try Self.seedless()
        let (first, a) = try TrainingTests.train(experiment, into: results)
        let (second, b) = try TrainingTests.train(experiment, into: results)
        #expect(a.status == .completed && b.status == .completed)
        #expect(first.folder.path != second.folder.path)
        #expect(a.seed != b.seed && a.seedWasChosen && b.seedWasChosen)
        for (run, record) in [(first, a), (second, b)] {
            #expect(record.configHash == Self.sha256(ofFile: run.folder.config))
            #expect(run.folder.path.hasSuffix("/tiny/tiny-" + record.configHash.prefix(8)))
            let recorded = try Experiment.load(contentsOfFile: run.folder.config, overrides: [])
            #expect(recorded.seed == record.seed)
            var expected = experiment
            expected.seed = record.seed
            #expect(recorded == expected)
        }
    }

    @Test func anExperimentWithASeedHashesItsOwnConfigToo() throws {
        let results = TrainingTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: results) }
        let (run, record) = try TrainingTests.train(try TrainingTests.experiment(["train.epochs=1"]), into: results)
        #expect(record.configHash == Self.sha256(ofFile: run.folder.config))
        #expect(!record.seedWasChosen && record.seed == 7)
    }

    @Test func resumingASeedlessExperimentContinuesItsInterruptedRun() throws {
        let results = TrainingTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: results) }
        let experiment = try Self.seedless()
        let interrupted = try TrainingRun.prepare(experiment, results: results, options: .init(threads: 1, stopRequest: { SIGINT }))
        #expect(try interrupted.run().status == .interrupted)

        let resumed = try TrainingRun.prepare(experiment, results: results, options: .init(threads: 1, resume: true))
        #expect(resumed.folder.path == interrupted.folder.path && resumed.seed == interrupted.seed)
        #expect(try resumed.run().status == .completed)

        // Two unfinished runs of the same seedless file: which one is meant cannot be guessed.
        for _ in 0..<2 {
            let run = try TrainingRun.prepare(experiment, results: results, options: .init(threads: 1, stopRequest: { SIGINT }))
            _ = try run.run()
        }
        #expect(throws: UserError.self) {
            _ = try TrainingRun.prepare(experiment, results: results, options: .init(threads: 1, resume: true))
        }
    }

    @Test func aWeightsFileThatCannotBeWrittenFailsTheRun() throws {
        let results = TrainingTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: results) }
        let experiment = try TrainingTests.experiment(["train.epochs=1"])
        let folder = RunFolder(results: results, experiment: experiment.name, runID: experiment.runID)
        // A folder where the best weights should go: the file cannot replace it.
        try FileManager.default.createDirectory(atPath: folder.bestWeights + "/blocked", withIntermediateDirectories: true)
        let run = try TrainingRun.prepare(experiment, results: results, options: .init(threads: 1))
        let error = #expect(throws: (any Error).self) { try run.run() }
        #expect("\(error!)".contains(folder.bestWeights))
        let record = try RunRecord.read(from: folder.record)
        #expect(record.status == .failed && record.statusDetail == "\(error!)")
    }
}
