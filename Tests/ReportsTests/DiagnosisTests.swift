import Foundation
@testable import Reports
import Results
import Testing

/// `kplab diagnose` on run folders written as kplab writes them: the report's collapsed CNN is
/// explained with its own numbers, strongest evidence first; a healthy run gets one calm line.
@Suite struct DiagnosisTests {
    /// A run folder with `rows` of metrics, its record and, when given, the last epoch's layer statistics.
    static func folder(_ fixtures: CompareFixtures, name: String, optimizer: String, rows: [MetricsLog.Row],
                       status: RunRecord.Status = .completed, detail: String? = nil, meanFace: Double = 4.7,
                       layers: [DiagnosticsLog.Row] = [], model: String = CompareFixtures.cnnLayers) throws -> RunFolder {
        let folder = RunFolder(results: fixtures.root, experiment: name, runID: name + "-00000000")
        try folder.create()
        let config = CompareFixtures.config(name: name, seed: 1, weights: "xavier", layers: model)
            .replacingOccurrences(of: "  learning_rate: 0.01", with: "  learning_rate: 0.01\n  optimizer: \(optimizer)")
        try config.write(toFile: folder.config, atomically: true, encoding: .utf8)
        let log = try MetricsLog(path: folder.metrics)
        for row in rows { try log.append(row) }
        var record = RunRecord(newRunOf: name, runID: name + "-00000000", seed: 1, seedWasChosen: false, configHash: "0",
                               dataFingerprint: "0", machine: .init(os: "Linux", cpu: "test", cpuFeatures: nil, vectorKernels: nil,
                                                                    libc: nil, threads: 1),
                               trainRows: 160, validationRows: 40, meanFaceRMSEPixels: meanFace)
        let best = rows.filter { $0.validationRMSEPixels.isFinite }.min { $0.validationRMSEPixels < $1.validationRMSEPixels }
        record.status = status
        record.statusDetail = detail
        record.epochsRun = rows.count
        record.bestEpoch = best?.epoch
        record.bestValidationRMSEPixels = best?.validationRMSEPixels
        if rows.last.map({ $0.outputSpread < 0.1 }) == true { record.collapsed = .init(sinceEpoch: 1, outputSpread: rows.last!.outputSpread) }
        try record.write(to: folder.record)
        if !layers.isEmpty { try DiagnosticsLog(path: folder.diagnostics).append(layers) }
        return folder
    }

    static func row(_ epoch: Int, train: Double, rmse: Double, spread: Double = 0.9) -> MetricsLog.Row {
        MetricsLog.Row(epoch: epoch, trainLoss: train, validationLoss: pow(rmse / 48, 2), validationRMSEPixels: rmse,
                       outputSpread: spread, learningRate: 0.01, seconds: 1)
    }

    static func layer(_ name: String, ratio: Double, dead: Double?, biasShare: Double = 0.2, std: Double = 0.5,
                      gradient: Double = 1e-2) -> DiagnosticsLog.Row {
        DiagnosticsLog.Row(epoch: 3, layer: name, activationMean: 0, activationStandardDeviation: std, deadFraction: dead,
                           biasShare: biasShare, weight: .init(norm: 10, gradientNorm: gradient, updateNorm: 10 * ratio),
                           bias: .init(norm: 1, gradientNorm: 1e-3, updateNorm: 1e-3))
    }

    @Test func theReportsCollapsedCNNIsExplainedStrongestEvidenceFirst() throws {
        let fixtures = try CompareFixtures()
        defer { fixtures.remove() }
        let folder = try Self.folder(
            fixtures, name: "reported", optimizer: "{sgd: {momentum: 0.9, form: ema-lagged}}",
            rows: [Self.row(1, train: 1.1, rmse: 15.1, spread: 1e-9), Self.row(2, train: 0.6, rmse: 14.0, spread: 1e-9),
                   Self.row(3, train: 0.3, rmse: 15.0, spread: 1e-9)],
            layers: [Self.layer("conv1", ratio: 1.1e-5, dead: 0.73), Self.layer("dense1", ratio: 1.5e-5, dead: 0.2),
                     Self.layer("dense2", ratio: 1e-5, dead: 0.986), Self.layer("dense3", ratio: 3e-4, dead: nil, biasShare: 0.999)])
        let diagnosis = try Diagnosis(folder: folder)
        #expect(diagnosis.headline == "it never beat the mean face: best 14.000 px against the mean face's 4.700 px; "
                + "at the end 15.00 px, 3.2× worse than the mean face")
        let summaries = diagnosis.findings.map(\.summary)
        #expect(summaries.count == 4)
        #expect(summaries[1].hasPrefix("the steps are tiny: each step moves the weights by about 2e-05 of their size"))
        #expect(diagnosis.text.contains("the ema-lagged momentum form scales every step by 1 − m = 0.10: learning rate 0.01 "
                                        + "steps like 0.001 would with classic momentum"))
        #expect(summaries[2].hasPrefix("98.6% of dense2's units are dead"))
        #expect(summaries[3].hasPrefix("the output's bias does the work: bias share 0.999 in dense3"))
        // A collapse is not over-fitting, whatever the curves do.
        #expect(!diagnosis.text.contains("over-fits"))
        // What --try would test, one change each.
        #expect(diagnosis.trials.map(\.overrides) == [["train.optimizer.sgd.form=classic"], ["train.learning_rate=0.1"],
                                                      ["train.optimizer=adam", "train.learning_rate=0.001"],
                                                      ["model.init.weights=he"]])
    }

    /// The report's cnn4 on the real faces: dropout 0.5 after two narrow dense layers whose
    /// units are nearly all dead. No single change fixed it in 100 epochs; Adam, He
    /// initialisation and no dropout together took it from 4.705 to 3.02 px.
    @Test func dropoutInANetThatLearnsNothingIsSuspectedAndTheFixesAreCombined() throws {
        let fixtures = try CompareFixtures()
        defer { fixtures.remove() }
        let model = """
                - conv: {filters: 8, kernel: 3, stride: 1, padding: 0}
                - relu
                - maxpool: {size: 2, stride: 2}
                - flatten
                - dense: {units: 144, init: {bias: 1}}
                - relu
                - dropout: 0.5
                - dense: {units: 144, init: {bias: 1}}
                - relu
                - dropout: {rate: 0.25}
                - dense: {units: 30}
            """
        let folder = try Self.folder(
            fixtures, name: "cnn4", optimizer: "{sgd: {momentum: 0.9, form: ema-lagged}}",
            rows: [Self.row(1, train: 1.1, rmse: 4.75, spread: 1e-3), Self.row(2, train: 0.6, rmse: 4.703, spread: 1e-3)],
            layers: [Self.layer("conv1", ratio: 1e-5, dead: 0.7), Self.layer("dense1", ratio: 1e-5, dead: 0.2),
                     Self.layer("dense2", ratio: 2e-5, dead: 0.979), Self.layer("dense3", ratio: 3e-5, dead: nil)],
            model: model)
        let diagnosis = try Diagnosis(folder: folder)
        // 4.703 is within 1% of the mean face's 4.7: no better.
        #expect(diagnosis.headline.hasPrefix("it never beat the mean face: best 4.703 px"))
        let dropout = try #require(diagnosis.findings.first { $0.summary.hasPrefix("dropout") })
        // Named as check names them, and counted as check and --set count (from 0).
        #expect(dropout.summary == "dropout in a net that learns nothing: dropout1 (model.layers.6) 0.5, dropout2 (model.layers.9) 0.25")
        #expect(dropout.details.contains("with 97.9% of dense2's units already dead, few are left to drop"))
        #expect(dropout.details.last == "to train without it: --set model.layers.6.dropout=0 --set model.layers.9.dropout=0")
        let trials = diagnosis.trials
        #expect(trials.last?.overrides == ["model.layers.6.dropout=0", "model.layers.9.dropout=0"])
        // Together: Adam first, which makes the momentum form and the SGD rate moot.
        let together = try #require(Diagnosis.combined(trials))
        #expect(together.change == "together: Adam at 0.001 instead of SGD + He initialisation + no dropout")
        #expect(together.overrides == ["train.optimizer=adam", "train.learning_rate=0.001", "model.init.weights=he",
                                       "model.layers.6.dropout=0", "model.layers.9.dropout=0"])
        #expect(Diagnosis.combined(Array(trials.prefix(1))) == nil)
        // Without Adam, changes to different keys all go together.
        #expect(Diagnosis.combined(trials.filter { !$0.change.hasPrefix("Adam") })?.overrides.count == 5)
    }

    @Test func aHealthyRunGetsOneCalmLineAndAnOverFittingOneIsSaidSo() throws {
        let fixtures = try CompareFixtures()
        defer { fixtures.remove() }
        let healthy = try Self.folder(fixtures, name: "healthy", optimizer: "adam",
                                      rows: [Self.row(1, train: 0.01, rmse: 3.0), Self.row(2, train: 0.004, rmse: 2.0)],
                                      layers: [Self.layer("conv1", ratio: 1e-3, dead: 0.1), Self.layer("dense1", ratio: 2e-3, dead: nil)])
        let calm = try Diagnosis(folder: healthy)
        #expect(calm.findings.isEmpty && calm.trials.isEmpty)
        #expect(calm.headline == "nothing wrong found: best validation RMSE 2.000 px at epoch 2, 57% below the mean face's 4.700 px")

        let overfit = try Self.folder(fixtures, name: "overfit", optimizer: "adam",
                                      rows: [Self.row(1, train: 0.01, rmse: 3.0), Self.row(2, train: 0.004, rmse: 2.0),
                                             Self.row(3, train: 0.003, rmse: 2.2), Self.row(4, train: 0.002, rmse: 2.3),
                                             Self.row(5, train: 0.001, rmse: 2.5)])
        let diagnosis = try Diagnosis(folder: overfit)
        #expect(diagnosis.headline == "it over-fits: validation was best at epoch 2 (2.000 px) and rose 25% by epoch 5 while "
                + "the training loss kept falling")
        #expect(diagnosis.text.hasSuffix("train it again with --diagnostics: same run-id, same numbers)"))
    }

    @Test func aDivergedRunSaysWhereAndWhatToTry() throws {
        let fixtures = try CompareFixtures()
        defer { fixtures.remove() }
        let folder = try Self.folder(fixtures, name: "diverged", optimizer: "sgd",
                                     rows: [Self.row(1, train: 0.02, rmse: 4.0), Self.row(2, train: .nan, rmse: .nan)],
                                     status: .diverged, detail: "training loss nan in epoch 2, batch 3")
        let diagnosis = try Diagnosis(folder: folder)
        #expect(diagnosis.headline == "the run diverged at learning rate 0.01: training loss nan in epoch 2, batch 3")
        #expect(throws: UserError.self) { try Diagnosis(folder: RunFolder(path: fixtures.root + "/nothing")) }
    }

    /// A cascade's level-2 nets are judged by their own curves: one whose output_spread stayed
    /// below 0.1 for `CollapseDetector.patience` epochs is named, one that dipped for fewer is
    /// not, and the finding is a cause (below the verdict) for a cascade that beat the mean face.
    @Test func aCascadesCollapsedLevel2NetsAreNamedFromTheirOwnCurves() throws {
        let fixtures = try CompareFixtures()
        defer { fixtures.remove() }
        let folder = try Self.folder(fixtures, name: "cascade", optimizer: "adam",
                                     rows: (1...8).map { Self.row($0, train: 0.01, rmse: 3.0 - Double($0) * 0.1) })
        var record = try RunRecord.read(from: folder.record)
        record.cascade = .init(level1Run: "/elsewhere/level1", level1RunID: "level1-00000000", level1ValidationRMSEPixels: 3.2,
                               level1KeypointRMSE: nil, groups: ["nose_tip", "mouth_left_corner", "left_eye_center"], patch: 24)
        try record.write(to: folder.record)
        let spreads: [String: [Double]] = [
            "nose_tip": [0.5, 0.2] + Array(repeating: 0.01, count: 6),        // collapsed since epoch 3
            "mouth_left_corner": [0.5, 0.05, 0.05, 0.05, 0.05, 0.6, 0.7, 0.8], // a dip of 4 epochs, over
            "left_eye_center": Array(repeating: 0.9, count: 8),
        ]
        for (group, values) in spreads {
            try folder.level2Net(group).create()
            let log = try MetricsLog(path: folder.level2Net(group).metrics)
            for (index, spread) in values.enumerated() { try log.append(Self.row(index + 1, train: 0.01, rmse: 2, spread: spread)) }
        }
        let diagnosis = try Diagnosis(folder: folder)
        #expect(diagnosis.findings.count == 1)
        let finding = try #require(diagnosis.findings.first)
        #expect(finding.kind == .collapsed && finding.weight < 90)
        #expect(diagnosis.headline == "1 of its 3 level-2 nets collapsed: nose_tip predicts the same offset for every face")
        #expect(finding.details.first == "nose_tip: output_spread below 0.1 since epoch 3 (0.01 at the last)")
    }
}
