import Foundation
import Testing

/// `kplab run --diagnostics` and `kplab compare --plot --diagnostics` as people run them.
@Suite struct DiagnosticsCommandTests {
    @Test func theFlagWritesDiagnosticsWithoutChangingTheRunID() throws {
        var withFlag: [String] = [], without: [String] = []
        let files = ["tiny.yaml": RunCommandTests.tiny]
        _ = try runInScratchFolder(["run", "tiny.yaml", "--threads", "1", "--diagnostics", "--quiet"], files: files) { folder in
            let experiment = folder.appendingPathComponent("results/tiny")
            withFlag = try FileManager.default.contentsOfDirectory(atPath: experiment.path)
            let run = experiment.appendingPathComponent(withFlag[0])
            let lines = try String(contentsOf: run.appendingPathComponent("diagnostics.csv"), encoding: .utf8)
                .split(separator: "\n")
            #expect(lines.first?.hasPrefix("epoch,layer,activation_mean,activation_std,dead_fraction,") == true)
            #expect(lines.count == 1 + 4 * 2)  // 4 epochs × (conv, dense)

            let plot = try runKplab(["compare", "results", "--plot", "d.svg", "--diagnostics"], in: folder)
            #expect(plot.status == 0, "\(plot.standardError)")
            let svg = try String(contentsOf: folder.appendingPathComponent("d.svg"), encoding: .utf8)
            #expect(svg.contains("dead ReLU units") && svg.contains("conv1"))
        }
        _ = try runInScratchFolder(["run", "tiny.yaml", "--threads", "1", "--quiet"], files: files) { folder in
            without = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("results/tiny").path)
        }
        #expect(withFlag.count == 1 && withFlag == without)
    }

    @Test func diagnosticsWithoutAPlotIsAnError() throws {
        let result = try runInScratchFolder(["compare", ".", "--diagnostics"], files: [:])
        #expect(result.status != 0)
        #expect(result.standardError.contains("--diagnostics draws into the plot: add --plot FILE.svg"))
    }
}
