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
