import Experiments
import Foundation
import Results
import Testing
import Training

/// Whole runs of a tiny network on a few synthetic faces: what a run leaves behind, that it
/// is deterministic, that resuming is exact, and that divergence and early stopping stop it.
@Suite struct TrainingTests {
    /// 48 faces → 32 training rows in 4 batches (the last one partial) and 16 validation rows.
    static let tiny = """
        name: tiny
        seed: 7
        data:
          synthetic: {count: 48, seed: 3}
          validation: {holdout: 16}
          augment: {flip: true}
        model:
          layers:
            - conv: {filters: 4, kernel: 5, stride: 4}
            - relu
            - maxpool: 2
            - flatten
            - dense: 16
            - relu
            - dropout: 0.25
            - dense: 30
        train:
          epochs: 3
          batch_size: 10
          optimizer: {sgd: {momentum: 0.9, form: nesterov}}
          learning_rate: 0.01
          l2: 0.0001
        """

    static func experiment(_ overrides: [String] = []) throws -> Experiment {
        try Experiment.decode(text: tiny, path: "tiny.yaml", overrides: overrides.map { try Override(parsing: $0) })
    }

    static func scratch() -> String {
        NSTemporaryDirectory() + "kplab-training-\(UUID().uuidString)"
    }

    static func train(_ experiment: Experiment, into results: String, threads: Int = 1,
                      stopAfterEachBatch: Bool = false) throws -> (TrainingRun, RunRecord) {
        let options = TrainingRun.Options(threads: threads, resume: stopAfterEachBatch,
                                       stopRequest: { stopAfterEachBatch ? SIGINT : nil })
        let training = try TrainingRun.prepare(experiment, results: results, options: options)
        return (training, try training.run())
    }

    /// Every column but `seconds`, as written.
    static func metricsWithoutTimes(_ folder: RunFolder) throws -> [String] {
        try String(contentsOfFile: folder.metrics, encoding: .utf8).split(separator: "\n").map {
            $0.split(separator: ",").dropLast().joined(separator: ",")
        }
    }

    @Test func aRunLeavesItsRecordMetricsConfigAndWeights() throws {
        let results = Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: results) }
        let experiment = try Self.experiment()
        let (training, record) = try Self.train(experiment, into: results)
        #expect(record.status == .completed)
        #expect(training.folder.path == results + "/tiny/" + experiment.runID)
        #expect(record.epochsRun == 3 && record.trainRows == 32 && record.validationRows == 16)
        let rows = try MetricsLog.read(path: training.folder.metrics)
        #expect(rows.map(\.epoch) == [1, 2, 3])
        #expect(rows.last!.trainLoss < rows.first!.trainLoss)
        for row in rows {
            #expect(row.validationRMSEPixels == row.validationLoss.squareRoot() * 48)
            #expect(row.learningRate == 0.01)
        }
        let best = rows.min { $0.validationLoss < $1.validationLoss }!
        #expect(record.bestEpoch == best.epoch && record.bestValidationRMSEPixels == best.validationRMSEPixels)
        // Per-keypoint errors cover every keypoint and pool back to the overall RMSE.
        let keypoints = try #require(record.bestKeypointRMSE)
        #expect(keypoints.count == 15 && keypoints.allSatisfy { $0.count == 32 })
        let pooled = keypoints.reduce(0) { $0 + $1.rmsePixels * $1.rmsePixels * Double($1.count) } / (15 * 32)
        #expect(abs(pooled.squareRoot() - best.validationRMSEPixels) < 1e-9)
        // config.yaml alone re-creates the experiment, with the seed it ran with.
        let recorded = try Experiment.load(contentsOfFile: training.folder.config, overrides: [])
        #expect(recorded == experiment)
        let last = try TensorArchive(path: training.folder.lastWeights)
        #expect(last.specHash == experiment.configHash)
        #expect(last.tensors.map(\.name) == ["conv1.weight", "conv1.bias", "dense1.weight",
                                             "dense1.bias", "dense2.weight", "dense2.bias"])
        #expect(last.tensors[0].dimensions == [4, 1, 5, 5])
        #expect(FileManager.default.fileExists(atPath: training.folder.bestWeights))
        #expect(!FileManager.default.fileExists(atPath: training.folder.checkpoint))
    }

    @Test(arguments: [1, 2])
    func theSameSeedAndThreadsGiveBitIdenticalMetricsAndWeights(threads: Int) throws {
        let (first, second) = (Self.scratch(), Self.scratch())
        defer { [first, second].forEach { try? FileManager.default.removeItem(atPath: $0) } }
        let (a, _) = try Self.train(try Self.experiment(), into: first, threads: threads)
        let (b, _) = try Self.train(try Self.experiment(), into: second, threads: threads)
        #expect(try Self.metricsWithoutTimes(a.folder) == Self.metricsWithoutTimes(b.folder))
        #expect(FileManager.default.contents(atPath: a.folder.lastWeights) == FileManager.default.contents(atPath: b.folder.lastWeights))
        #expect(FileManager.default.contents(atPath: a.folder.bestWeights) == FileManager.default.contents(atPath: b.folder.bestWeights))
    }

    /// A graph with batch normalisation (running statistics in the checkpoint), a residual
    /// add and a leaky ReLU, in place of the tiny chain.
    static let graph = "model.layers=[{conv: {filters: 4, kernel: 5, stride: 4, padding: same}}, batchnorm, "
        + "{leaky_relu: {slope: 0.1, name: trunk}}, {conv: {filters: 4, kernel: 3, padding: same}}, {batchnorm: {name: branch}}, "
        + "{add: [branch, trunk]}, {maxpool: 2}, flatten, {dense: 30}]"

    @Test(arguments: [[], [graph]])
    func resumingAfterEveryBatchGivesTheUninterruptedRunExactly(overrides: [String]) throws {
        let (whole, pieces) = (Self.scratch(), Self.scratch())
        defer { [whole, pieces].forEach { try? FileManager.default.removeItem(atPath: $0) } }
        let experiment = try Self.experiment(overrides)
        let (uninterrupted, _) = try Self.train(experiment, into: whole)
        // Stop after every single batch (mid-epoch and at epoch ends), resuming each time.
        var invocations = 0, record: RunRecord
        var folder: RunFolder
        repeat {
            let (training, result) = try Self.train(experiment, into: pieces, stopAfterEachBatch: true)
            (folder, record) = (training.folder, result)
            invocations += 1
            if record.status == .interrupted {
                #expect(FileManager.default.fileExists(atPath: folder.checkpoint))
            }
        } while record.status == .interrupted && invocations < 50
        #expect(record.status == .completed)
        #expect(invocations == 3 * 4 + 1)  // one batch each, then the last epoch's validation
        #expect(try Self.metricsWithoutTimes(folder) == Self.metricsWithoutTimes(uninterrupted.folder))
        #expect(FileManager.default.contents(atPath: folder.lastWeights) == FileManager.default.contents(atPath: uninterrupted.folder.lastWeights))
    }

    @Test func anInterruptedRunIsNotContinuedOrOverwrittenByAccident() throws {
        let results = Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: results) }
        let experiment = try Self.experiment()
        let interrupted = try TrainingRun.prepare(experiment, results: results,
                                               options: .init(threads: 1, stopRequest: { SIGTERM }))
        let record = try interrupted.run()
        #expect(record.status == .interrupted)
        #expect(record.statusDetail == "SIGTERM in epoch 1 after batch 1 of 4")
        let folder = interrupted.folder.path
        #expect(throws: UserError("\(folder) already holds a run (status interrupted, 0 epochs); continue it with --resume, or start again with --overwrite")) {
            _ = try TrainingRun.prepare(experiment, results: results, options: .init(threads: 1))
        }
        let resumed = try TrainingRun.prepare(experiment, results: results, options: .init(threads: 1, resume: true))
        #expect(try resumed.run().status == .completed)
        #expect(try MetricsLog.read(path: resumed.folder.metrics).map(\.epoch) == [1, 2, 3])
    }

    @Test func aCompletedRunIsKeptUnlessOverwriteIsAsked() throws {
        let results = Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: results) }
        let experiment = try Self.experiment(["train.epochs=1"])
        let (training, _) = try Self.train(experiment, into: results)
        let before = FileManager.default.contents(atPath: training.folder.metrics)
        #expect(throws: UserError("\(training.folder.path) already holds a run (status completed, 1 epochs); train it again with --overwrite, or check it with `kplab reproduce \(training.folder.path)`")) {
            _ = try TrainingRun.prepare(experiment, results: results, options: .init(threads: 1, resume: true))
        }
        #expect(FileManager.default.contents(atPath: training.folder.metrics) == before)
        let again = try TrainingRun.prepare(experiment, results: results, options: .init(threads: 1, overwrite: true))
        #expect(try again.run().status == .completed)
    }

    @Test func aDivergingRunStopsAndKeepsEveryEarlierEpoch() throws {
        let results = Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: results) }
        // Two sane epochs, then a learning rate of 1e6 from the third.
        let experiment = try Self.experiment(["train.learning_rate={step: {from: 0.01, every: 2, factor: 1e8}}",
                                              "train.epochs=5"])
        let (training, record) = try Self.train(experiment, into: results)
        #expect(record.status == .diverged)
        #expect(record.statusDetail?.hasPrefix("training loss ") == true)
        #expect(record.statusDetail?.contains(" in epoch 3, batch ") == true)
        let rows = try MetricsLog.read(path: training.folder.metrics)
        #expect(rows.map(\.epoch) == [1, 2, 3])
        #expect(rows[0].validationLoss.isFinite && rows[1].validationLoss.isFinite)
        #expect(rows[2].trainLoss.isNaN && rows[2].validationLoss.isNaN)
        #expect(record.epochsRun == 3 && record.bestEpoch.map { $0 <= 2 } == true)
    }

    @Test func earlyStoppingEndsARunThatStopsImproving() throws {
        let results = Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: results) }
        // After the first epoch the learning rate is ~0: nothing changes, nothing improves.
        let experiment = try Self.experiment(["train.learning_rate={step: {from: 0.01, every: 1, factor: 1e-30}}",
                                              "train.optimizer=sgd", "train.early_stopping=2", "train.epochs=10"])
        let (training, record) = try Self.train(experiment, into: results)
        #expect(record.status == .earlyStopped)
        #expect(record.epochsRun == 3 && record.bestEpoch == 1)
        #expect(try MetricsLog.read(path: training.folder.metrics).count == 3)
    }
}
