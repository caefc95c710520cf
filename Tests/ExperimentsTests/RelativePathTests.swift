@testable import Experiments
import Foundation
import Testing
import YAML

/// A relative `data.train` is relative to the file that holds it (or, from `--set`, to the
/// working directory) and is recorded absolute, so a run's `config.yaml` finds the data from
/// any working directory.
@Suite struct RelativePathTests {
    /// A fresh folder under the temporary directory with `files` written into it; removed by
    /// `remove()`.
    struct Folder {
        let path: String

        init(_ files: [String: String]) throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("relative-\(UUID().uuidString)").path
            for (name, text) in files {
                let file = URL(fileURLWithPath: path + "/" + name)
                try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
                try text.write(to: file, atomically: true, encoding: .utf8)
            }
        }

        func remove() { try? FileManager.default.removeItem(atPath: path) }
    }

    static func experiment(train: String) -> String {
        "seed: 1\ndata: {train: \(train)}\nmodel: {layers: [flatten, {dense: 30}]}\ntrain: {epochs: 1}\n"
    }

    static let workingDirectory = FileManager.default.currentDirectoryPath

    func trainPath(_ experiment: Experiment) -> String? {
        guard case .file(let path) = experiment.data.source else { return nil }
        return path
    }

    @Test func aRelativePathInAFileIsRelativeToTheFilesFolder() throws {
        let folder = try Folder(["experiments/x.yaml": Self.experiment(train: "../data/faces.csv")])
        defer { folder.remove() }
        let experiment = try Experiment.load(contentsOfFile: folder.path + "/experiments/x.yaml")
        #expect(trainPath(experiment) == folder.path + "/data/faces.csv")
        #expect(experiment.canonicalText.contains("  train: \(folder.path)/data/faces.csv\n"))
        // config.yaml, read back from the run's folder, names the same file.
        let recorded = try Experiment.decode(text: experiment.canonicalText, path: folder.path + "/results/x/x-1234/config.yaml")
        #expect(recorded == experiment)
    }

    @Test func aFileNamedByARelativePathIsMadeAbsoluteAgainstTheWorkingDirectory() {
        #expect(absolute("faces.csv", relativeToFolderOf: "experiments/x.yaml") == Self.workingDirectory + "/experiments/faces.csv")
        #expect(absolute("./a/../faces.csv", relativeToFolderOf: "x.yaml") == Self.workingDirectory + "/faces.csv")
        #expect(absolute("faces.csv", relativeToFolderOf: nil) == Self.workingDirectory + "/faces.csv")
        #expect(absolute("/data/faces.csv", relativeToFolderOf: "experiments/x.yaml") == "/data/faces.csv")
    }

    @Test func aPathFromTheCommandLineIsRelativeToTheWorkingDirectory() throws {
        let folder = try Folder(["experiments/x.yaml": Self.experiment(train: "faces.csv")])
        defer { folder.remove() }
        let experiment = try Experiment.load(contentsOfFile: folder.path + "/experiments/x.yaml",
                                             overrides: [Override(parsing: "data.train=data/other.csv")])
        #expect(trainPath(experiment) == Self.workingDirectory + "/data/other.csv")
        let whole = try Experiment.load(contentsOfFile: folder.path + "/experiments/x.yaml",
                                        overrides: [Override(parsing: "data={train: other.csv}")])
        #expect(trainPath(whole) == Self.workingDirectory + "/other.csv")
    }

    @Test func anAbsolutePathStaysAsWritten() throws {
        let experiment = try Experiment.decode(text: Self.experiment(train: "/srv/kaggle/training.csv"), path: "a/b/x.yaml")
        #expect(trainPath(experiment) == "/srv/kaggle/training.csv")
    }

    @Test func aSweepsSettingsAreRelativeToTheSweepAndItsBasesToThemselves() throws {
        let folder = try Folder([
            "experiments/base.yaml": Self.experiment(train: "base.csv"),
            "sweeps/set.yaml": "base: ../experiments/base.yaml\nset: {data.train: set.csv}\n",
            "sweeps/grid.yaml": "base: ../experiments/base.yaml\ngrid: {data.train: [a.csv, ../b.csv]}\n",
            "sweeps/plain.yaml": "base: ../experiments/base.yaml\ngrid: {seed: [1, 2]}\n",
        ])
        defer { folder.remove() }
        func paths(_ sweep: String, _ sets: [String] = []) throws -> [String?] {
            let overrides = try sets.map { text throws(Diagnostic) in try Override(parsing: text) }
            return try SweepPlan.load(paths: [folder.path + "/sweeps/" + sweep], overrides: overrides).runs.map { trainPath($0.experiment) }
        }
        #expect(try paths("plain.yaml") == Array(repeating: folder.path + "/experiments/base.csv", count: 2))
        #expect(try paths("set.yaml") == [folder.path + "/sweeps/set.csv"])
        #expect(try paths("grid.yaml") == [folder.path + "/sweeps/a.csv", folder.path + "/b.csv"])
        #expect(try paths("grid.yaml", ["data.train=cli.csv"]) == [Self.workingDirectory + "/cli.csv"])
    }

    /// The original report's runs name Kaggle's file in the repository's root, as they did when
    /// paths were relative to the working directory and kplab ran there.
    @Test func theReportedExperimentsNameTrainingCSVInTheRepositoryRoot() throws {
        let root = packageRoot().path
        for name in ["cnn4", "cnn5", "mlp", "mlp-no-dropout"] {
            let experiment = try Experiment.load(contentsOfFile: root + "/experiments/reported/\(name).yaml")
            #expect(trainPath(experiment) == root + "/training.csv")
        }
    }
}
