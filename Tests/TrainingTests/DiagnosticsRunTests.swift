import Foundation
import Inference
@testable import Reports
import Results
import Testing
@testable import Training

/// Whole tiny runs with diagnostics on: what diagnostics.csv holds, that it changes no
/// number, that resuming cuts it back, that a collapse is flagged, and the plot's panels.
@Suite struct DiagnosticsRunTests {
    static func train(_ overrides: [String] = [], into results: String, diagnostics: Bool = true,
                      epochLimit: Int? = nil, resume: Bool = false) throws -> (TrainingRun, RunRecord) {
        let experiment = try TrainingTests.experiment(overrides)
        let options = TrainingRun.Options(threads: 1, resume: resume, stopRequest: { nil }, epochLimit: epochLimit,
                                       diagnostics: diagnostics)
        let training = try TrainingRun.prepare(experiment, results: results, options: options)
        return (training, try training.run())
    }

    @Test func oneRowPerParameterisedLayerPerEpochAndTheSameNumbersAsWithout() throws {
        let (on, off) = (TrainingTests.scratch(), TrainingTests.scratch())
        defer { [on, off].forEach { try? FileManager.default.removeItem(atPath: $0) } }
        let (training, record) = try Self.train(into: on)
        let (plain, _) = try Self.train(into: off, diagnostics: false)
        // The flag is outside the configuration: same run-id, same numbers.
        #expect(training.folder.path.hasSuffix(plain.folder.path.components(separatedBy: "/").suffix(2).joined(separator: "/")))
        #expect(try TrainingTests.metricsWithoutTimes(training.folder) == TrainingTests.metricsWithoutTimes(plain.folder))
        #expect(FileManager.default.contents(atPath: training.folder.lastWeights)
                == FileManager.default.contents(atPath: plain.folder.lastWeights))
        #expect(!FileManager.default.fileExists(atPath: plain.folder.diagnostics))

        let rows = try DiagnosticsLog.read(path: training.folder.diagnostics)
        #expect(rows.map(\.epoch) == [1, 1, 1, 2, 2, 2, 3, 3, 3])
        #expect(rows.prefix(3).map(\.layer) == ["conv1", "dense1", "dense2"])
        for row in rows {
            #expect(row.activationStandardDeviation > 0 && row.activationMean.isFinite)
            #expect(row.weight.norm > 0 && row.weight.gradientNorm > 0 && row.weight.updateNorm > 0)
            #expect(row.bias.gradientNorm > 0 && row.biasShare >= 0 && row.biasShare <= 1)
        }
        // The conv and hidden dense layers feed a ReLU; the output layer does not.
        #expect(rows.filter { $0.layer != "dense2" }.allSatisfy { ($0.deadFraction ?? -1) >= 0 && $0.deadFraction! <= 1 })
        #expect(rows.filter { $0.layer == "dense2" }.allSatisfy { $0.deadFraction == nil })
        // The weight norm in the file is the final weights' (epoch 3 is the last).
        let last = try TensorArchive(path: training.folder.lastWeights)
        #expect(rows[6].weight.norm == l2Norm(last.tensors[0].values))
        // Every run logs its output spread; this one learns, so it is not flagged.
        let metrics = try MetricsLog.read(path: training.folder.metrics)
        #expect(metrics.allSatisfy { $0.outputSpread > 0 && $0.outputSpread.isFinite })
        #expect(record.collapsed == nil)
    }

    @Test func resumingCutsDiagnosticsBackToTheCheckpoint() throws {
        let results = TrainingTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: results) }
        let (first, record) = try Self.train(into: results, epochLimit: 2)
        #expect(record.status == .interrupted)
        let kept = try DiagnosticsLog.read(path: first.folder.diagnostics)
        #expect(kept.map(\.epoch) == [1, 1, 1, 2, 2, 2])
        // A crash after the diagnostics of epoch 3 were written but before its checkpoint.
        let handle = try #require(FileHandle(forWritingAtPath: first.folder.diagnostics))
        handle.seekToEndOfFile()
        handle.write(Data("3,conv1,0,0,0,0,0,0,0,0,0,0,0,0\n".utf8))
        handle.closeFile()

        let (resumed, final) = try Self.train(into: results, resume: true)
        #expect(final.status == .completed)
        let rows = try DiagnosticsLog.read(path: resumed.folder.diagnostics)
        #expect(rows.map(\.epoch) == [1, 1, 1, 2, 2, 2, 3, 3, 3])
        #expect(Array(rows.prefix(6)) == kept)
        #expect(rows[6].weight.norm > 0)

        // The same as a run never stopped.
        let whole = TrainingTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: whole) }
        let (uninterrupted, _) = try Self.train(into: whole)
        #expect(try DiagnosticsLog.read(path: uninterrupted.folder.diagnostics) == rows)
    }

    @Test func deadHiddenUnitsCollapseTheOutputAndTheRunIsFlagged() throws {
        let results = TrainingTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: results) }
        // A hidden bias of −10 kills every hidden ReLU: the output is the output bias alone.
        let epochs = CollapseDetector.patience + 1
        let (training, record) = try Self.train(["model.layers.4={dense: {units: 16, init: {bias: -10}}}", "train.epochs=\(epochs)"],
                                                into: results)
        let spreads = try MetricsLog.read(path: training.folder.metrics).map(\.outputSpread)
        #expect(spreads.allSatisfy { $0 < CollapseDetector.threshold })
        #expect(record.collapsed?.sinceEpoch == 1)
        #expect(try RunRecord.read(from: training.folder.record).collapsed == record.collapsed)
        let rows = try DiagnosticsLog.read(path: training.folder.diagnostics)
        #expect(rows.filter { $0.layer == "dense1" }.allSatisfy { $0.deadFraction == 1 })
        #expect(rows.filter { $0.layer == "dense2" }.allSatisfy { $0.biasShare == 1 })

        // compare: the status says so, and the plot draws the panels.
        let comparison = try Comparison(runs: try RunDiscovery.load(paths: [results]).runs)
        #expect(comparison.runs[0].statusText == "completed, collapsed, no better than the mean face")
        #expect(comparison.text(.table).contains("completed, collapsed"))
        let svg = comparison.curvesWithDiagnostics
        for title in DiagnosticsPlot.charts.map(\.title) { #expect(svg.contains(">\(escaped(title))</text>")) }
        #expect(svg.components(separatedBy: "<g class=\"run-diagnostics\">").count == 2)
        #expect(svg.contains("<path class=\"validation\""))
        #expect(svg.components(separatedBy: "<path class=\"layer\"").count > 1)
    }

    @Test func aRunWithoutDiagnosticsSaysHowToGetThem() throws {
        let results = TrainingTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: results) }
        _ = try Self.train(["train.epochs=1"], into: results, diagnostics: false)
        let comparison = try Comparison(runs: try RunDiscovery.load(paths: [results]).runs)
        #expect(comparison.diagnostics.svg.contains("train it with --diagnostics"))
    }
}
