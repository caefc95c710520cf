import Experiments
import Faces
import Foundation
import Results
import Testing
import Training

/// What `--resume` and a new run find in a folder that was damaged, edited or abandoned.
@Suite struct RunFolderIntegrityTests {
    /// A run stopped (resumably) after two of its three epochs.
    static func stoppedAfterTwoEpochs(into results: String) throws -> (Experiment, RunFolder) {
        let experiment = try TrainingTests.experiment()
        let run = try TrainingRun.prepare(experiment, results: results, options: .init(threads: 1, epochLimit: 2))
        #expect(try run.run().status == .interrupted)
        return (experiment, run.folder)
    }

    static func resume(_ experiment: Experiment, _ results: String) throws -> TrainingRun {
        try TrainingRun.prepare(experiment, results: results, options: .init(threads: 1, resume: true))
    }

    @Test func aMetricsFileCutShortIsNotResumedIntoAnImpossibleRecord() throws {
        let results = TrainingTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: results) }
        let (experiment, folder) = try Self.stoppedAfterTwoEpochs(into: results)
        let lines = try String(contentsOfFile: folder.metrics, encoding: .utf8).split(separator: "\n")
        try (lines.prefix(2).joined(separator: "\n") + "\n").write(toFile: folder.metrics, atomically: true, encoding: .utf8)
        #expect(throws: UserError("\(folder.metrics) holds epochs 1 but the checkpoint continues after epoch 2: "
                                  + "the file was cut short or edited; start it again with --overwrite")) {
            _ = try Self.resume(experiment, results)
        }
    }

    @Test func anEditedConfigIsNotResumed() throws {
        let results = TrainingTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: results) }
        let (experiment, folder) = try Self.stoppedAfterTwoEpochs(into: results)
        let text = try String(contentsOfFile: folder.config, encoding: .utf8)
        try text.replacingOccurrences(of: "l2: 0.0001", with: "l2: 0.5").write(toFile: folder.config, atomically: true, encoding: .utf8)
        let error = #expect(throws: UserError.self) { _ = try Self.resume(experiment, results) }
        #expect(error?.description.hasPrefix("\(folder.config) is not the configuration this run started with") == true)
    }

    @Test func aCheckpointClaimingMoreEpochsThanTheRecordIsNotResumed() throws {
        let results = TrainingTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: results) }
        let (experiment, folder) = try Self.stoppedAfterTwoEpochs(into: results)
        var record = try RunRecord.read(from: folder.record)
        record.epochsRun = 1
        try record.write(to: folder.record)
        let error = #expect(throws: UserError.self) { _ = try Self.resume(experiment, results) }
        #expect(error?.description == "\(folder.checkpoint) claims 2 finished epochs, but run.json records 1 of 3: "
                + "the checkpoint does not belong to this run; start it again with --overwrite")
    }

    @Test func aCheckpointWithAnImpossiblePositionIsNotResumed() throws {
        let results = TrainingTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: results) }
        let (experiment, folder) = try Self.stoppedAfterTwoEpochs(into: results)
        let archive = try TensorArchive(path: folder.checkpoint)
        let metadata = archive.metadata.replacingOccurrences(of: "\"batchesDone\":0", with: "\"batchesDone\":99")
        #expect(metadata != archive.metadata)
        try TensorArchive(specHash: archive.specHash, metadata: metadata, tensors: archive.tensors).write(to: folder.checkpoint)
        let error = #expect(throws: UserError.self) { _ = try Self.resume(experiment, results) }
        #expect(error?.description.hasPrefix("\(folder.checkpoint): the loop position's batchesDone is 99, expected 0 to 4") == true)
    }

    @Test func aKilledRunIsToldAsStoppedAndItsTemporariesAreCleared() throws {
        let results = TrainingTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: results) }
        let (experiment, folder) = try Self.stoppedAfterTwoEpochs(into: results)
        // As kill -9 leaves it: the record still says running, a checkpoint write half done.
        var record = try RunRecord.read(from: folder.record)
        record.status = .running
        try record.write(to: folder.record)
        let leftover = folder.file(".checkpoint.kpw.tmp-99999")
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: leftover))
        #expect(!folder.isBeingTrained)
        #expect(throws: UserError("\(folder.path) already holds a run (stopped without recording it (killed?) after 2 epochs); "
                                  + "continue it with --resume, or start again with --overwrite")) {
            _ = try TrainingRun.prepare(experiment, results: results, options: .init(threads: 1))
        }
        #expect(!FileManager.default.fileExists(atPath: leftover))
        let resumed = try Self.resume(experiment, results)
        #expect(try resumed.run().status == .completed)
        #expect(try MetricsLog.read(path: folder.metrics).map(\.epoch) == [1, 2, 3])
    }

    @Test func aRunThatCannotStartLeavesNoFolder() throws {
        let results = TrainingTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: results) }
        let experiment = try TrainingTests.experiment(["data.synthetic=null", "data.train=\(results)/no-such.csv"])
        #expect(throws: (any Error).self) {
            _ = try TrainingRun.prepare(experiment, results: results, options: .init(threads: 1))
        }
        #expect(!FileManager.default.fileExists(atPath: results + "/tiny"))
    }

    @Test func aBatchLargerThanTheDataTrainsAsOneBatchOfEveryRow() throws {
        let (large, exact) = (TrainingTests.scratch(), TrainingTests.scratch())
        defer { [large, exact].forEach { try? FileManager.default.removeItem(atPath: $0) } }
        let (a, _) = try TrainingTests.train(try TrainingTests.experiment(["train.batch_size=20000"]), into: large)
        let (b, _) = try TrainingTests.train(try TrainingTests.experiment(["train.batch_size=32"]), into: exact)
        #expect(try TrainingTests.metricsWithoutTimes(a.folder) == TrainingTests.metricsWithoutTimes(b.folder))
    }
}

/// A data problem is said as one, never reported as a divergence of the training.
@Suite struct DataProblemTests {
    @Test func validationRowsWithoutAnyLabelAreADataErrorNotADivergence() throws {
        let results = TrainingTests.scratch()
        try FileManager.default.createDirectory(atPath: results, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: results) }
        // 48 faces whose last 16 (the validation holdout) have every coordinate empty.
        let faces = SyntheticFaces(count: 48, seed: 3).generate()
        var keypoints = faces.keypoints
        for index in (32 * Keypoint.coordinateCount)..<keypoints.count { keypoints[index] = .nan }
        let path = results + "/faces.csv"
        try LabeledFaces(pixels: faces.pixels, keypoints: keypoints).write(to: path)

        let experiment = try TrainingTests.experiment(["data.synthetic=null", "data.train=\(path)"])
        let error = #expect(throws: UserError.self) {
            _ = try TrainingRun.prepare(experiment, results: results, options: .init(threads: 1))
        }
        #expect(error?.description.hasPrefix("the 16 validation rows have no keypoint labels at all") == true)
    }
}
