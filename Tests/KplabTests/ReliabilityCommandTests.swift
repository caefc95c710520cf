import Foundation
import Testing

/// Inputs that used to crash, hang or mislead the real binary: each is refused at once, with
/// exit status 2 and a message at the offending setting, and nothing is written.
@Suite struct ReliabilityCommandTests {
    static let layers = "model:\n  layers:\n    - conv: {filters: 5000000, kernel: 3}\n    - flatten\n    - dense: 30\n"
    static let huge = "name: huge\nseed: 1\n" + layers + "train: {epochs: 1}\n"
    static let tiny = "name: tiny\nseed: 1\nmodel: {layers: [flatten, {dense: 30}]}\ntrain: {epochs: 1}\n"

    @Test func checkAndRunRefuseAModelThatCannotFitInMemory() throws {
        for command in [["check"], ["run", "--out", "results"]] {
            let result = try runInScratchFolder(command + ["huge.yaml"], files: ["huge.yaml": Self.huge])
            #expect(result.status == 2)
            #expect(result.standardError.hasPrefix("huge.yaml:5:7: model.layers.0: this run needs at least "))
            #expect(result.standardError.contains("\n    - conv: {filters: 5000000, kernel: 3}\n      ^\n"))
            #expect(!result.standardOutput.contains("ok"))
            #expect(result.filesAfterwards == ["huge.yaml"])
        }
    }

    @Test func aHugeSettingFromTheCommandLineIsReportedAgainstTheSet() throws {
        let result = try runInScratchFolder(["check", "tiny.yaml", "--set", "data.synthetic.count=1000000000000"],
                                            files: ["tiny.yaml": Self.tiny])
        #expect(result.status == 2)
        #expect(result.standardError.hasPrefix("--set data.synthetic.count=1000000000000: this run needs at least 8.3 PiB"))
    }

    @Test func synthRefusesACountThatCannotFitBeforeDrawingAnything() throws {
        let result = try runInScratchFolder(["synth", "--count", "1000000000000", "--out", "faces.csv"], files: [:])
        #expect(result.status == 2)
        #expect(result.standardError.hasPrefix(
            "error: --count 1000000000000 needs 8.3 PiB of memory for the faces (9336 bytes each), more than this machine's "))
        #expect(result.filesAfterwards == [])
    }

    @Test(.timeLimit(.minutes(1))) func devicesFIFOsAndFoldersAreNotReadAsExperiments() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        #expect(mkfifo(scratch.path("fifo.yaml"), 0o600) == 0)
        try FileManager.default.createDirectory(atPath: scratch.path("folder"), withIntermediateDirectories: false)
        let result = try scratch.kplab("check", "/dev/zero", "fifo.yaml", "folder")
        #expect(result.status == 2)
        #expect(result.standardError == """
            /dev/zero: is not a regular file (a device, FIFO or socket), so it cannot be a YAML file
            fifo.yaml: is not a regular file (a device, FIFO or socket), so it cannot be a YAML file
            folder: is a directory, not a YAML file
            3 of 3 files with errors

            """)
    }

    @Test(.timeLimit(.minutes(1))) func aDryRunOfAHugeGridIsRefusedBeforeItExpands() throws {
        let values = "[" + (1...20000).map(String.init).joined(separator: ", ") + "]"
        let sweep = "base: tiny.yaml\ngrid:\n  seed: \(values)\n  train.epochs: \(values)\n"
        let result = try runInScratchFolder(["sweep", "sweep.yaml", "--dry-run"], files: ["sweep.yaml": sweep, "tiny.yaml": Self.tiny])
        #expect(result.status == 2)
        #expect(result.standardError.hasPrefix("""
            sweep.yaml:2:1: the sweep expands to 400,000,000 runs (20,000 × 20,000 grid values), more than the 100,000 \
            a sweep may have; split it into smaller sweeps
            grid:
            ^
            """))
    }

    @Test func aHoldoutOfEverySyntheticFaceIsAnErrorInCheck() throws {
        let text = Self.tiny.replacingOccurrences(of: "seed: 1\n", with: "seed: 1\ndata:\n  synthetic: {count: 100}\n  validation: {holdout: 100}\n")
        let result = try runInScratchFolder(["check", "tiny.yaml"], files: ["tiny.yaml": text])
        #expect(result.status == 2)
        #expect(result.standardError.hasPrefix("""
            tiny.yaml:5:25: holdout 100 leaves no training rows of the 100 synthetic faces; hold out fewer than 100
              validation: {holdout: 100}
                                    ^
            """))
    }

    @Test func aTagIsAnErrorAtTheTag() throws {
        let result = try runInScratchFolder(["check", "tiny.yaml"],
                                            files: ["tiny.yaml": Self.tiny.replacingOccurrences(of: "epochs: 1", with: "epochs: !!int 1")])
        #expect(result.status == 2)
        #expect(result.standardError.hasPrefix("tiny.yaml:4:17: tags are not supported: remove '!!int'\n"))
    }

    /// The data file is found relative to the experiment file from any working directory, and
    /// the run folder's config.yaml finds it again from anywhere else.
    @Test func aRunFolderFindsItsDataFromAnywhere() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try FileManager.default.createDirectory(atPath: scratch.path("data"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: scratch.path("experiments"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: scratch.path("elsewhere"), withIntermediateDirectories: true)
        try scratch.kplab("synth", "--count", "40", "--seed", "3", "--out", "data/faces.csv").expectSuccess()
        try scratch.write("experiments/tiny.yaml", Self.tiny.replacingOccurrences(
            of: "seed: 1\n", with: "seed: 1\ndata: {train: ../data/faces.csv, validation: {holdout: 10}}\n"))

        // The same configuration, and so the same run id, whichever folder kplab runs in.
        let fromRoot = try scratch.kplab("check", "experiments/tiny.yaml", "--resolved")
        let fromExperiments = try runKplab(["check", "tiny.yaml", "--resolved"], in: scratch.folder.appendingPathComponent("experiments"))
        fromRoot.expectSuccess()
        #expect(fromRoot.standardOutput.contains("  train: \(scratch.path("data/faces.csv"))\n"))
        #expect(fromRoot.standardOutput.dropFirst("experiments/".count) == fromExperiments.standardOutput)

        try scratch.kplab("run", "experiments/tiny.yaml", "--out", "results", "--threads", "1", "--quiet").expectSuccess()
        let run = scratch.path(try scratch.runFolder())
        let again = try runKplab(["reproduce", run, "--quiet", "--out", "again", "--threads", "1"],
                                 in: scratch.folder.appendingPathComponent("elsewhere"))
        again.expectSuccess()
        #expect(again.standardOutput.contains("exact"))
    }
}
