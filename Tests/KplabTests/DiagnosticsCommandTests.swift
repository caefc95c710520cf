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

    /// A net whose steps are far too small to leave its random start: `run` says so in one
    /// line, and `diagnose` gives the evidence, strongest first.
    @Test func aRunThatLearnsNothingIsDiagnosed() throws {
        let files = ["tiny.yaml": RunCommandTests.tiny]
        _ = try runInScratchFolder(["run", "tiny.yaml", "--threads", "1", "--diagnostics", "--quiet",
                                    "--set", "train.learning_rate=1e-9", "--set", "train.optimizer=sgd"], files: files) { folder in
            let run = try runKplab(["run", "tiny.yaml", "--threads", "1", "--diagnostics", "--quiet", "--overwrite",
                                    "--set", "train.learning_rate=1e-9", "--set", "train.optimizer=sgd"], in: folder)
            #expect(run.standardOutput.contains("diagnosis: it never beat the mean face: best "))
            let runs = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("results/tiny").path)
            let diagnosed = try runKplab(["diagnose", "results/tiny/\(runs[0])"], in: folder)
            #expect(diagnosed.status == 0)
            let lines = diagnosed.standardOutput.split(separator: "\n").map(String.init)
            #expect(lines.first?.hasPrefix("1. it never beat the mean face") == true)
            #expect(lines.contains { $0.hasPrefix("2. the steps are tiny") })
            #expect(lines.last == "(from run.json, metrics.csv, config.yaml and diagnostics.csv's last epoch)")
            // --try trains each suspected fix beside the run and says which one works.
            let tried = try runKplab(["diagnose", "results/tiny/\(runs[0])", "--try", "--epochs", "2", "--threads", "1"], in: folder)
            #expect(tried.status == 0, "\(tried.standardError)")
            let table = tried.standardOutput.components(separatedBy: "\nchange ").last ?? ""
            #expect(table.contains("as recorded") && table.contains("learning rate ×10 (1e-09 → 1e-08)")
                    && table.contains("Adam at 0.001 instead of SGD"))
            #expect(table.contains("He initialisation") && table.contains("run, 2 epochs each"))
            // When no change fixes it alone, they are tried together too, into one more sibling.
            let singles = table.split(separator: "\n").filter { !$0.hasPrefix("together") }
            let together = !singles.contains { $0.contains("fixes it") }
            #expect(table.contains("together: Adam at 0.001 instead of SGD + He initialisation") == together)
            let siblings = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("results/tiny").path)
            #expect(siblings.count == 1 + 3 + (together ? 1 : 0))
        }
        // A healthy run (more faces, more epochs: 2.49 px against the mean face's 3.69) is told nothing alarming.
        _ = try runInScratchFolder(["run", "tiny.yaml", "--threads", "1", "--quiet", "--diagnostics",
                                    "--set", "train.epochs=25", "--set", "data.synthetic.count=1000",
                                    "--set", "data.validation.holdout=100", "--set", "train.batch_size=16"], files: files) { folder in
            let runs = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("results/tiny").path)
            let diagnosed = try runKplab(["diagnose", "results/tiny/\(runs[0])"], in: folder)
            #expect(diagnosed.standardOutput.hasPrefix("nothing wrong found: best validation RMSE"))
        }
    }

    @Test func diagnosticsWithoutAPlotIsAnError() throws {
        let result = try runInScratchFolder(["compare", ".", "--diagnostics"], files: [:])
        #expect(result.status != 0)
        #expect(result.standardError.contains("--diagnostics draws into the plot: add --plot FILE.svg"))
    }
}
