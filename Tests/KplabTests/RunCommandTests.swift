import Foundation
import Testing

/// `kplab run` as people run it: the real binary on a tiny synthetic experiment.
@Suite struct RunCommandTests {
    static let tiny = """
        name: tiny
        seed: 5
        data:
          synthetic: {count: 60, seed: 2}
          validation: {holdout: 20}
        model:
          layers:
            - conv: {filters: 4, kernel: 5, stride: 4}
            - relu
            - maxpool: 2
            - flatten
            - dense: 30
        train:
          epochs: 4
          batch_size: 8
          optimizer: adam
        """

    @Test func trainsRecordsEveryEpochAndSaysWhereTheResultsAre() throws {
        var runFolder = ""
        let result = try runInScratchFolder(["run", "tiny.yaml", "--threads", "1"], files: ["tiny.yaml": Self.tiny]) { folder in
            let experimentFolder = folder.appendingPathComponent("results/tiny")
            let runs = try FileManager.default.contentsOfDirectory(atPath: experimentFolder.path)
            #expect(runs.count == 1 && runs[0].hasPrefix("tiny-") && runs[0].count == "tiny-".count + 8)
            let run = experimentFolder.appendingPathComponent(runs[0])
            runFolder = "results/tiny/" + runs[0]
            #expect(try FileManager.default.contentsOfDirectory(atPath: run.path).sorted()
                    == [".lock", "config.yaml", "metrics.csv", "model.best.kpw", "model.last.kpw", "run.json"])
            let metrics = try String(contentsOf: run.appendingPathComponent("metrics.csv"), encoding: .utf8)
            let lines = metrics.split(separator: "\n")
            #expect(lines.first == "epoch,train_loss,val_loss,val_rmse_px,output_spread,learning_rate,seconds")
            #expect(lines.count == 5)
            let trainLosses = lines.dropFirst().map { Double($0.split(separator: ",")[1])! }
            #expect(trainLosses.last! < trainLosses.first!, "the loss fell: \(trainLosses)")
            let record = try JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("run.json"))) as! [String: Any]
            #expect(record["status"] as? String == "completed")
            #expect(record["epochs_run"] as? Int == 4)
        }
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError == "")
        // Not a terminal: plain lines only, one per epoch, no control characters.
        #expect(!result.standardOutput.contains("\u{1B}") && !result.standardOutput.contains("\r"))
        let lines = result.standardOutput.split(separator: "\n")
        #expect(lines.first == "tiny: training into \(runFolder) (seed 5, 1 thread)")
        #expect(lines.filter { $0.hasPrefix("epoch ") }.count == 4)
        // Four epochs of 40 faces leave it worse than the mean face: the run says so, last.
        #expect(lines[lines.count - 2] == "results: \(runFolder)")
        #expect(lines.last?.hasPrefix("diagnosis: it never beat the mean face: best ") == true)
        #expect(lines.last?.hasSuffix("(kplab diagnose \(runFolder) for the evidence)") == true)
    }

    @Test func quietPrintsOnlyTheSummary() throws {
        let result = try runInScratchFolder(["run", "tiny.yaml", "--quiet", "--set", "train.epochs=1"],
                                            files: ["tiny.yaml": Self.tiny])
        #expect(result.status == 0)
        let lines = result.standardOutput.split(separator: "\n")
        #expect(lines.count == 4 && lines[0] == "completed 1 epoch" && lines[1].hasPrefix("best validation RMSE "))
        #expect(lines[3].hasPrefix("diagnosis: "))
    }

    @Test func aBadFileExitsTwoAndWritesNothing() throws {
        let result = try runInScratchFolder(["run", "tiny.yaml", "--set", "train.epoch=3"], files: ["tiny.yaml": Self.tiny])
        #expect(result.status == 2)
        #expect(result.standardError.hasPrefix("--set train.epoch=3: unknown key 'train.epoch' (did you mean 'train.epochs'?)"))
        #expect(result.filesAfterwards == ["tiny.yaml"])
    }

    @Test func aDivergingRunSaysSoAndExitsOne() throws {
        let result = try runInScratchFolder(["run", "tiny.yaml", "--set", "train.learning_rate=1e9",
                                             "--set", "train.optimizer=sgd"], files: ["tiny.yaml": Self.tiny])
        #expect(result.status == 1)
        #expect(result.standardOutput.contains("DIVERGED: training loss "))
    }
}

/// Ctrl-C on the real binary: the run stops cleanly, keeps its epochs, and resumes.
@Suite struct InterruptionTests {
    @Test func sigintCheckpointsAndResumeFinishesTheRun() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kplab-sigint-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try RunCommandTests.tiny.write(to: folder.appendingPathComponent("tiny.yaml"), atomically: true, encoding: .utf8)
        func start(_ extra: [String]) throws -> Process {
            let process = Process()
            process.executableURL = kplabBinary()
            process.arguments = ["run", "tiny.yaml", "--quiet", "--threads", "1", "--set", "train.epochs=400"] + extra
            process.currentDirectoryURL = folder
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }
        let first = try start([])
        // Wait for the first finished epoch, then interrupt.
        let results = folder.appendingPathComponent("results/tiny")
        var metrics: URL?
        for _ in 0..<600 where metrics == nil {
            Thread.sleep(forTimeInterval: 0.05)
            if let run = try? FileManager.default.contentsOfDirectory(atPath: results.path).first {
                let candidate = results.appendingPathComponent(run).appendingPathComponent("metrics.csv")
                if let text = try? String(contentsOf: candidate, encoding: .utf8), text.split(separator: "\n").count >= 2 {
                    metrics = candidate
                }
            }
        }
        let metricsFile = try #require(metrics, "no epoch finished within 30 s")
        first.interrupt()
        first.waitUntilExit()
        #expect(first.terminationStatus == 130)
        let runFolder = metricsFile.deletingLastPathComponent()
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: runFolder.appendingPathComponent("run.json"))) as! [String: Any]
        #expect(record["status"] as? String == "interrupted")
        #expect((record["status_detail"] as? String)?.hasPrefix("SIGINT in epoch ") == true)
        #expect(FileManager.default.fileExists(atPath: runFolder.appendingPathComponent("checkpoint.kpw").path))
        let kept = try String(contentsOf: metricsFile, encoding: .utf8).split(separator: "\n").count - 1
        #expect(kept >= 1)

        let resumed = try start(["--resume"])
        resumed.waitUntilExit()
        #expect(resumed.terminationStatus == 0)
        let rows = try String(contentsOf: metricsFile, encoding: .utf8).split(separator: "\n").dropFirst()
        #expect(rows.map { Int($0.split(separator: ",")[0])! } == Array(1...400), "epochs continue without gaps")
        #expect(!FileManager.default.fileExists(atPath: runFolder.appendingPathComponent("checkpoint.kpw").path))
    }
}
