import Foundation
import Testing

/// `kplab sweep` as people run it: the real binary on the sweeps that ship with the project.
@Suite struct SweepCommandTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Runs kplab in the package root, where the shipped sweeps' paths are as the README shows them.
    func kplab(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        let result = try runKplab(arguments, in: Self.root)
        return (result.status, result.standardOutput, result.standardError)
    }

    @Test func theShippedSweepsExpandWithDistinctRunIDs() throws {
        let expected = ["experiments/sweeps/initializers.yaml": 12, "experiments/sweeps/architectures.yaml": 10,
                        "experiments/sweeps/demo.yaml": 12, "experiments/sweeps/realfaces-augment.yaml": 6]
        for (sweep, count) in expected {
            let result = try kplab(["sweep", sweep, "--dry-run"])
            #expect(result.status == 0, "\(sweep): \(result.error)")
            let lines = result.output.split(separator: "\n")
            #expect(lines.count == count, "\(sweep)")
            #expect(Set(lines.map { $0.split(separator: " ")[0] }).count == count, "\(sweep)")
            #expect(result.error == "\(count) runs\n")
        }
        let demo = try kplab(["sweep", "experiments/sweeps/demo.yaml", "--dry-run"]).output.split(separator: "\n")
        #expect(demo[0].hasPrefix("demo-xavier-normal-1-"))
        #expect(demo[0].hasSuffix("  experiments/sweeps/demo.yaml  model.init.weights=xavier model.init.distribution=normal seed=1"))
        #expect(demo[11].hasPrefix("demo-he-uniform-3-"))
    }

    @Test func aFolderAndShardsSplitTheRunsWithoutOverlap() throws {
        let all = try kplab(["sweep", "experiments/sweeps", "--dry-run"]).output.split(separator: "\n")
        #expect(all.count == 40)
        var union: [Substring] = []
        for index in 1...3 {
            let shard = try kplab(["sweep", "experiments/sweeps", "--dry-run", "--shard", "\(index)/3"])
            #expect(shard.error == "\(index == 1 ? 14 : 13) runs (shard \(index)/3 of 40 runs)\n")
            union += shard.output.split(separator: "\n")
        }
        // Columns are padded to each listing's widest run-id, so compare the run-ids.
        let runIDs = { (lines: [Substring]) in lines.map { $0.split(separator: " ")[0] }.sorted() }
        #expect(runIDs(union) == runIDs(all))
        let bad = try kplab(["sweep", "experiments/sweeps", "--dry-run", "--shard", "4/3"])
        #expect(bad.status == 2)
        #expect(bad.error == "shard 4/3 does not exist: expected i/n with 1 ≤ i ≤ n, e.g. --shard 3/16\n")
    }

    /// `--grid` on an experiment file is the sweep file `base: FILE` with that grid: the same
    /// runs, the same run-ids.
    @Test func aCommandLineGridIsTheSweepFileOfTheSameGrid() throws {
        let onTheLine = try kplab(["sweep", "experiments/demo.yaml", "--grid", "seed=1,2",
                                   "--grid", "train.optimizer=adam,{sgd: {momentum: 0.9}}", "--dry-run"])
        #expect(onTheLine.status == 0, "\(onTheLine.error)")
        let ids = onTheLine.output.split(separator: "\n").map { $0.split(separator: " ")[0] }
        #expect(ids.count == 4 && Set(ids).count == 4)
        #expect(onTheLine.output.split(separator: "\n")[1].hasSuffix("seed=1 train.optimizer={sgd: {momentum: 0.9}}"))
        let file = try runInScratchFolder(["sweep", "grid.yaml", "--dry-run"], files: [
            "grid.yaml": "base: \(Self.root.path)/experiments/demo.yaml\ngrid:\n  seed: [1, 2]\n"
                + "  train.optimizer: [adam, {sgd: {momentum: 0.9}}]\n"])
        #expect(file.standardOutput.split(separator: "\n").map { $0.split(separator: " ")[0] } == ids)

        let typo = try kplab(["sweep", "experiments/demo.yaml", "--grid", "train.epoch=1,2", "--dry-run"])
        #expect(typo.status == 2)
        #expect(typo.error.hasPrefix("--grid (on experiments/demo.yaml):3:3: unknown key 'train.epoch' (did you mean 'train.epochs'?)"))
        let onASweep = try kplab(["sweep", "experiments/sweeps/demo.yaml", "--grid", "seed=4", "--dry-run"])
        #expect(onASweep.status == 2 && onASweep.error.contains("--grid applies to experiment files"))
        let empty = try kplab(["sweep", "experiments/demo.yaml", "--grid", "seed=1,,2", "--dry-run"])
        #expect(empty.status == 2 && empty.error.hasPrefix("--grid seed=1,,2: expected key=value,value,… with no empty value"))
    }

    @Test func errorsInTheFilesStopEverythingWithStatusTwo() throws {
        let result = try kplab(["sweep", "experiments/sweeps/demo.yaml", "--set", "model.init.weights=hee", "--dry-run"])
        #expect(result.status == 2)
        #expect(result.output == "")
        #expect(result.error == """
            --set model.init.weights=hee: unknown initializer 'hee' (did you mean 'he'?)
            1 error in the sweep's files; nothing was started

            """)
    }
}
