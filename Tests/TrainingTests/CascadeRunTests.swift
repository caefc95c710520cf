import Experiments
import Faces
import Foundation
import Reports
import Results
import Testing
@testable import Training

/// Whole cascades on the tiny synthetic faces: what a cascade's folder holds, that its numbers
/// are the same at any thread count and after an interruption, and how level 1 is found.
@Suite struct CascadeRunTests {
    /// Level 2 on 16-px patches: the eyes together, the nose tip alone.
    static func cascadeText(level1: String, epochs: Int = 4) -> String {
        """
        name: tiny-cascade
        seed: 9
        cascade:
          level1: \(level1)
          patch: 16
          jitter: 2
          groups: [[left_eye_center, right_eye_center], nose_tip]
          model:
            layers:
              - conv: {filters: 4, kernel: 3}
              - relu
              - maxpool: 2
              - flatten
              - dense: 16
              - relu
        train: {epochs: \(epochs), batch_size: 8, optimizer: adam, learning_rate: 0.003}
        """
    }

    /// Stops the run at the `count`-th time it is asked (a cascade asks once per epoch).
    final class StopAt: @unchecked Sendable {
        private let lock = NSLock()
        private var asked = 0
        let count: Int
        init(_ count: Int) { self.count = count }
        func request() -> Int32? {
            lock.lock()
            defer { lock.unlock() }
            asked += 1
            return asked == count ? SIGINT : nil
        }
    }

    /// The lines a cascade says, collected from its training thread.
    final class SaidLines: @unchecked Sendable {
        private let lock = NSLock()
        private var said: [String] = []
        var lines: [String] { lock.withLock { said } }
        func append(_ line: String) { lock.withLock { said.append(line) } }
    }

    /// A trained tiny level 1 in `results`, and its folder.
    static func level1(in results: String) throws -> RunFolder {
        let (run, _) = try TrainingTests.train(try TrainingTests.experiment(), into: results)
        return run.folder
    }

    static func cascade(level1: String, epochs: Int = 4) throws -> CascadeExperiment {
        try CascadeExperiment.decode(text: cascadeText(level1: level1, epochs: epochs), path: "cascade.yaml")
    }

    static func train(_ cascade: CascadeExperiment, into results: String, threads: Int = 1, resume: Bool = false,
                      stop: StopAt? = nil) throws -> CascadeRun {
        let options = TrainingRun.Options(threads: threads, resume: resume, stopRequest: { stop?.request() })
        let run = try CascadeRun.prepare(cascade, results: results, options: options, say: { _ in })
        try run.run()
        return run
    }

    @Test func aCascadeLeavesItsRecordMetricsPerNetCurvesAndWeights() throws {
        let results = TrainingTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: results) }
        let level1 = try Self.level1(in: results)
        let run = try Self.train(try Self.cascade(level1: level1.path), into: results)
        let record = try RunRecord.read(from: run.folder.record)
        #expect(record.status == .completed && record.epochsRun == 4)
        let cascade = try #require(record.cascade)
        #expect(cascade.groups == ["left_eye_center+right_eye_center", "nose_tip"] && cascade.patch == 16)
        #expect(cascade.level1RunID == (try RunRecord.read(from: level1.record)).runID)
        // Level 1 alone, measured by the cascade from its predictions, is what level 1 recorded.
        let level1Best = try #require(try RunRecord.read(from: level1.record).bestValidationRMSEPixels)
        #expect(abs(cascade.level1ValidationRMSEPixels - level1Best) < 1e-3)
        let level1Keypoints = try #require(try RunRecord.read(from: level1.record).bestKeypointRMSE)
        #expect(cascade.level1KeypointRMSE?.count == 15)
        #expect(zip(cascade.level1KeypointRMSE ?? [], level1Keypoints).allSatisfy {
            $0.keypoint == $1.keypoint && $0.count == $1.count && abs($0.rmsePixels - $1.rmsePixels) < 1e-3
        })

        let lines = try String(contentsOfFile: run.folder.metrics, encoding: .utf8).split(separator: "\n")
        #expect(lines.first.map(String.init) == CascadeMetricsLog.columns.joined(separator: ","))
        #expect(lines.count == 5)
        let rows = try MetricsLog.read(path: run.folder.metrics)
        #expect(record.bestValidationRMSEPixels == rows.map(\.validationRMSEPixels).min())
        // Keypoints no net refines keep level 1's error; the refined ones get the nets'.
        let last = lines[4].split(separator: ",").map { Double($0)! }
        let column = { (name: String) in last[CascadeMetricsLog.columns.firstIndex(of: name)!] }
        #expect(column("level1_val_rmse_px") == cascade.level1ValidationRMSEPixels)
        let unrefined = try #require(record.bestKeypointRMSE?.first { $0.keypoint == "mouth_left_corner" })
        #expect(column("mouth_left_corner_px") == unrefined.rmsePixels)
        #expect(column("level1_mouth_left_corner_px") == unrefined.rmsePixels)
        let level1Nose = try #require(cascade.level1KeypointRMSE?.first { $0.keypoint == "nose_tip" })
        #expect(column("level1_nose_tip_px") == level1Nose.rmsePixels)

        for group in cascade.groups {
            #expect(try MetricsLog.read(path: run.folder.file("level2/\(group)/metrics.csv")).count == 4)
        }
        let weights = try TensorArchive(path: run.folder.bestWeights)
        #expect(weights.specHash == record.configHash)
        #expect(weights.tensors.contains { $0.name.hasPrefix("nose_tip/") })
        #expect(weights.tensors.allSatisfy { $0.name.hasPrefix("nose_tip/") || $0.name.hasPrefix("left_eye_center+right_eye_center/") })
        #expect(FileManager.default.fileExists(atPath: run.folder.lastWeights))
        #expect(!FileManager.default.fileExists(atPath: run.folder.checkpoint))
        // The recorded configuration is a cascade that names level 1 by run and hashes.
        let recorded = try CascadeExperiment.load(contentsOfFile: run.folder.config)
        #expect(recorded.cascade.level1.configHash == (try RunRecord.read(from: level1.record)).configHash)
        #expect(recorded.identity.runID == record.runID)
    }

    @Test func theSameCascadeGivesTheSameBitsAtAnyThreadCountAndAfterAnInterruption() throws {
        let results = TrainingTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: results) }
        let level1 = try Self.level1(in: results)
        let cascade = try Self.cascade(level1: level1.path)
        var outputs: [[String]] = []
        var weights: [Data] = []
        for threads in [1, 2, 3] {
            let other = results + "/threads\(threads)"
            let run = try Self.train(cascade, into: other, threads: threads)
            outputs.append(try withoutTimes(run.folder))
            weights.append(try Data(contentsOf: URL(fileURLWithPath: run.folder.bestWeights)))
        }
        // Stopped at the end of epoch 2, then resumed.
        let stopped = results + "/stopped"
        let first = try Self.train(cascade, into: stopped, stop: StopAt(2))
        let interrupted = try RunRecord.read(from: first.folder.record)
        #expect(interrupted.status == .interrupted && interrupted.epochsRun == 2)
        #expect(FileManager.default.fileExists(atPath: first.folder.checkpoint))
        let resumed = try Self.train(cascade, into: stopped, resume: true)
        #expect(try RunRecord.read(from: resumed.folder.record).status == .completed)
        outputs.append(try withoutTimes(resumed.folder))
        weights.append(try Data(contentsOf: URL(fileURLWithPath: resumed.folder.bestWeights)))
        for (index, output) in outputs.enumerated() {
            let differences = zip(output, outputs[0]).filter { $0 != $1 }
            #expect(output.count == outputs[0].count && differences.isEmpty, "run \(index): \(differences)")
        }
        #expect(weights.allSatisfy { $0 == weights[0] })
    }

    /// Every column of the cascade's metrics.csv but `seconds`, then the nose tip net's.
    func withoutTimes(_ folder: RunFolder) throws -> [String] {
        let seconds = CascadeMetricsLog.columns.firstIndex(of: "seconds")!
        let cascade = try String(contentsOfFile: folder.metrics, encoding: .utf8).split(separator: "\n").map { line in
            line.split(separator: ",").enumerated().filter { $0.offset != seconds }.map(\.element).joined(separator: ",")
        }
        return cascade + (try TrainingTests.metricsWithoutTimes(RunFolder(path: folder.file("level2/nose_tip"))))
    }

    /// The tiny experiment as a file in a new `results` folder, for a cascade to train first.
    static func level1File(in results: String) throws -> String {
        try FileManager.default.createDirectory(atPath: results, withIntermediateDirectories: true)
        let file = results + "/tiny.yaml"
        try TrainingTests.tiny.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    @Test func anExperimentFileAsLevel1IsTrainedFirstAndThenReused() throws {
        let results = TrainingTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: results) }
        let file = try Self.level1File(in: results)
        let cascade = try Self.cascade(level1: file, epochs: 2)
        let first = try Self.train(cascade, into: results)
        let level1Folder = try #require(try RunRecord.read(from: first.folder.record).cascade?.level1Run)
        let trained = try RunRecord.read(from: RunFolder(path: level1Folder).record)
        #expect(trained.status == .completed && trained.experiment == "tiny")
        // A second cascade on it finds the finished run: level 1 is not trained again.
        let again = try Self.train(try Self.cascade(level1: file, epochs: 3), into: results)
        #expect(try RunRecord.read(from: again.folder.record).cascade?.level1Run == level1Folder)
        #expect(try RunRecord.read(from: RunFolder(path: level1Folder).record).startedAt == trained.startedAt)
    }

    @Test func aSignalWhileLevel1TrainsStopsTheCascadeAndTheSameCommandContinuesLevel1() throws {
        let results = TrainingTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: results) }
        let file = try Self.level1File(in: results)
        let cascade = try Self.cascade(level1: file, epochs: 2)
        #expect {
            try Self.train(cascade, into: results, stop: StopAt(2))   // level 1 asks after every batch
        } throws: { error in
            error is Level1Interrupted && "\(error)".contains("the same command continues it")
        }
        let level1 = RunFolder(results: results, experiment: "tiny", runID: try TrainingTests.experiment().identity.runID)
        #expect(try RunRecord.read(from: level1.record).status == .interrupted)
        #expect(!FileManager.default.fileExists(atPath: results + "/tiny-cascade"))
        let run = try Self.train(cascade, into: results)
        #expect(try RunRecord.read(from: level1.record).status == .completed)
        #expect(try RunRecord.read(from: run.folder.record).status == .completed)
        // Level 1 resumed is level 1 uninterrupted: the same bits as a run never stopped.
        let straight = results + "/straight"
        let (uninterrupted, _) = try TrainingTests.train(try TrainingTests.experiment(), into: straight)
        #expect(try TrainingTests.metricsWithoutTimes(level1) == (try TrainingTests.metricsWithoutTimes(uninterrupted.folder)))
    }

    /// Kaggle's file marks 4 of the 15 keypoints in most rows: a level-2 net learns from the
    /// faces that mark its keypoints, and a group the validation faces never mark is trained but
    /// not scored (nor taken for divergence).
    @Test func aCascadeOnPartlyLabelledFacesTrainsEachNetOnTheFacesThatMarkItsKeypoints() throws {
        let results = TrainingTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: results) }
        try FileManager.default.createDirectory(atPath: results, withIntermediateDirectories: true)
        let generated = SyntheticFaces(count: 48, seed: 3, missingLabels: true).generate()
        var keypoints = generated.keypoints
        for face in 32 ..< 48 {   // the validation faces never mark the nose tip
            keypoints[face * 30 + 2 * Keypoint.noseTip.rawValue] = .nan
            keypoints[face * 30 + 2 * Keypoint.noseTip.rawValue + 1] = .nan
        }
        try LabeledFaces(pixels: generated.pixels, keypoints: keypoints).write(to: results + "/faces.csv")
        let level1 = try TrainingTests.experiment(["data.synthetic=null", "data.train=\(results)/faces.csv"])
        let (run1, _) = try TrainingTests.train(level1, into: results)
        let cascade = try CascadeExperiment.decode(text: Self.cascadeText(level1: run1.folder.path), path: "cascade.yaml",
                                                   overrides: [try Override(parsing: "cascade.groups=[mouth_left_corner, nose_tip]")])
        let run = try Self.train(cascade, into: results)
        let record = try RunRecord.read(from: run.folder.record)
        #expect(record.status == .completed && record.epochsRun == 4)
        let nose = try #require(record.bestKeypointRMSE?.first { $0.keypoint == "nose_tip" })
        #expect(nose.count == 0 && nose.rmsePixels.isNaN)
        #expect(record.bestValidationRMSEPixels?.isFinite == true)
        // The mouth corner's net saw only the training faces that mark it.
        let corner = 2 * Keypoint.mouthLeftCorner.rawValue
        let marking = (0 ..< 32).filter { !generated.keypoints[$0 * 30 + corner].isNaN }.count
        #expect(run.nets[0].loop.training.count == marking && marking > 0 && marking < 32)
    }

    /// A level-2 net that diverges stops the cascade as diverged; the epoch is recorded as NaN,
    /// the epochs before it kept.
    @Test func aDivergingLevel2NetStopsTheCascadeAndItsEpochIsRecorded() throws {
        let results = TrainingTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: results) }
        let level1 = try Self.level1(in: results)
        let cascade = try CascadeExperiment.decode(text: Self.cascadeText(level1: level1.path), path: "cascade.yaml",
                                                   overrides: [try Override(parsing: "train.optimizer=sgd"),
                                                               try Override(parsing: "train.learning_rate=1e12")])
        let run = try Self.train(cascade, into: results)
        let record = try RunRecord.read(from: run.folder.record)
        #expect(record.status == .diverged && record.statusDetail?.hasPrefix("level-2 net ") == true)
        let rows = try MetricsLog.read(path: run.folder.metrics)
        #expect(!rows.isEmpty && rows.count == record.epochsRun && rows.last!.validationRMSEPixels.isNaN)
        #expect(!FileManager.default.fileExists(atPath: run.folder.checkpoint))
    }

    /// A level-2 net whose output collapsed (every ReLU dead from the first step: biases of −50)
    /// is said once, as a single run's collapse is, and `kplab diagnose` names it: the
    /// cascade's own output still follows level 1's, so its spread cannot show it.
    @Test func aCollapsedLevel2NetIsSaidOnceAndDiagnosed() throws {
        let results = TrainingTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: results) }
        let level1 = try Self.level1(in: results)
        let epochs = CollapseDetector.patience + 2
        let cascade = try CascadeExperiment.decode(text: Self.cascadeText(level1: level1.path, epochs: epochs), path: "cascade.yaml",
                                                   overrides: [try Override(parsing: "cascade.model.init.bias=-50")])
        let said = SaidLines()
        let run = try CascadeRun.prepare(cascade, results: results, options: TrainingRun.Options(threads: 1), say: said.append)
        try run.run()
        let warnings = said.lines.filter { $0.hasPrefix("warning: level-2 net ") }
        #expect(warnings.count == 2, "\(said.lines)")
        #expect(warnings.allSatisfy { $0.contains(" has collapsed: since epoch 1 its output_spread is below 0.1 (0 now)") })

        // Recorded, so that compare and the dashboard show it without reading every net's curve.
        let record = try RunRecord.read(from: run.folder.record)
        #expect(record.cascade?.collapsedNets?.keys.sorted() == ["left_eye_center+right_eye_center", "nose_tip"])
        #expect(record.cascade?.collapsedNets?.values.allSatisfy { $0.sinceEpoch == 1 && $0.outputSpread == 0 } == true)
        #expect(try String(contentsOfFile: run.folder.record, encoding: .utf8).contains("\"collapsed_nets\" : {"))
        let status = try ComparedRun.read(run.folder).run.statusText
        #expect(status.hasPrefix("completed, 2 level-2 nets collapsed"), "\(status)")

        let diagnosis = try Diagnosis(folder: run.folder)
        let finding = try #require(diagnosis.findings.first { $0.kind == .collapsed })
        #expect(finding.summary == "both level-2 nets collapsed: left_eye_center+right_eye_center, nose_tip predict the same "
                + "offset for every face")
        #expect(finding.details.first == "left_eye_center+right_eye_center: output_spread below 0.1 since epoch 1 (0 at the last)")
        #expect(finding.details.last?.hasSuffix("or He initialisation (--set cascade.model.init.weights=he)") == true,
                "the tiny cascade's nets start from Xavier's weights")

        // Interrupted after the collapse was said, and resumed: not said again.
        let again = TrainingTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: again) }
        // Enough epochs on both sides that a resumed run which forgot the earlier spreads would
        // see a collapse begin again.
        let patience = CollapseDetector.patience
        let longer = try CascadeExperiment.decode(text: Self.cascadeText(level1: level1.path, epochs: 2 * patience + 2),
                                                  path: "cascade.yaml", overrides: [try Override(parsing: "cascade.model.init.bias=-50")])
        let stopped = SaidLines(), resumed = SaidLines()
        let stop = StopAt(patience + 1)
        let first = try CascadeRun.prepare(longer, results: again, options: TrainingRun.Options(threads: 1, stopRequest: { stop.request() }),
                                           say: stopped.append)
        try first.run()
        let kept = try RunRecord.read(from: first.folder.record)
        #expect(kept.status == .interrupted && kept.epochsRun > patience && kept.epochsRun < patience + 2, "\(kept.epochsRun) epochs")
        try CascadeRun.prepare(longer, results: again, options: TrainingRun.Options(threads: 1, resume: true), say: resumed.append).run()
        #expect(stopped.lines.filter { $0.hasPrefix("warning: level-2 net ") }.count == 2, "\(stopped.lines)")
        #expect(!resumed.lines.contains { $0.hasPrefix("warning: ") }, "\(resumed.lines)")
    }

    @Test func aLevel1ThatIsNoRunOrHasChangedIsRefusedWithTheReason() throws {
        let results = TrainingTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: results) }
        #expect {
            try Self.train(try Self.cascade(level1: results + "/nowhere"), into: results)
        } throws: { error in
            "\(error)".contains("is not a run folder (it has no run.json)")
        }
        let level1 = try Self.level1(in: results)
        var cascade = try Self.cascade(level1: level1.path)
        cascade.cascade.level1.configHash = String(repeating: "0", count: 64)
        cascade.cascade.level1.dataFingerprint = String(repeating: "0", count: 64)
        #expect {
            try Self.train(cascade, into: results)
        } throws: { error in
            "\(error)".contains("now holds another run")
        }
    }
}
