import Foundation
import Reports
import Results
import Testing

@Suite struct CompareTests {
    func standard() throws -> (CompareFixtures, [ComparedRun]) {
        let fixtures = try CompareFixtures()
        try fixtures.standardRuns()
        return (fixtures, try RunDiscovery.load(paths: [fixtures.root]).runs)
    }

    @Test func findsRunsUnderResultsExperimentAndRunFolders() throws {
        let (fixtures, runs) = try standard()
        defer { fixtures.remove() }
        #expect(runs.count == 4)
        #expect(try RunDiscovery.load(paths: [fixtures.root + "/cnn"]).runs.count == 4)
        #expect(try RunDiscovery.load(paths: [fixtures.root + "/cnn/cnn-he-1"]).runs.map(\.label) == ["cnn-he-1"])
        // The same run reached twice is compared once.
        #expect(try RunDiscovery.load(paths: [fixtures.root + "/cnn/cnn-he-1", fixtures.root]).runs.count == 4)
    }

    @Test func differingParametersAreFoundFromTheConfigs() throws {
        let (fixtures, runs) = try standard()
        defer { fixtures.remove() }
        let comparison = try Comparison(runs: runs)
        #expect(comparison.differingKeys == ["seed", "model.init.weights"])
    }

    /// `--best k`: the k runs with the lowest best validation RMSE (an ensemble's members),
    /// the differing keys then taken over those alone; a run without an RMSE never counts.
    @Test func theBestKRunsAreKept() throws {
        let (fixtures, runs) = try standard()
        defer { fixtures.remove() }
        let best = try Comparison(runs: runs, best: 2)
        #expect(best.runs.map(\.label) == ["cnn-he-1", "cnn-he-2"])
        #expect(best.differingKeys == ["seed"])
        #expect(try Comparison(runs: runs, best: 10).runs.count == 4)
        #expect(try Comparison(runs: runs, filters: [RunFilter(parsing: "model.init.weights=xavier")], best: 1)
            .runs.map(\.label) == ["cnn-xa-1"])
        try fixtures.run(runID: "cnn-none", config: CompareFixtures.config(seed: 3, weights: "he"),
                         losses: [(.nan, .nan)], status: "diverged")
        let unscored = try RunDiscovery.load(paths: [fixtures.root + "/cnn/cnn-none"]).runs
        #expect(throws: UserError("--best: none of the 1 runs has a validation RMSE yet")) {
            try Comparison(runs: unscored, best: 1)
        }
    }

    @Test func differentLayerListsShowAsOneArchitectureColumn() throws {
        let fixtures = try CompareFixtures()
        defer { fixtures.remove() }
        try fixtures.run(runID: "cnn-a", config: CompareFixtures.config(seed: 1, weights: "he"), losses: [(0.1, 0.1)])
        try fixtures.run(runID: "mlp-a", config: CompareFixtures.config(seed: 1, weights: "he",
                                                                         layers: CompareFixtures.mlpLayers),
                         losses: [(0.1, 0.2)])
        let comparison = try Comparison(runs: try RunDiscovery.load(paths: [fixtures.root]).runs)
        #expect(comparison.differingKeys == ["model.layers"])
        #expect(comparison.runs.map { $0.config["model.layers"]?.text }
                == ["conv8k3-relu-pool2-dense30", "dense100-relu-dense30"])
    }

    @Test func aLayerSettingTheArchitectureTextDoesNotShowKeepsItsColumn() throws {
        let fixtures = try CompareFixtures()
        defer { fixtures.remove() }
        for (index, rate) in ["0.1", "0.2"].enumerated() {
            let layers = "    - dense: {units: 30, penalty: {l1: \(rate)}}"
            try fixtures.run(runID: "r\(index)", config: CompareFixtures.config(seed: 1, weights: "he", layers: layers),
                             losses: [(0.1, 0.1)])
        }
        let comparison = try Comparison(runs: try RunDiscovery.load(paths: [fixtures.root]).runs)
        #expect(comparison.differingKeys == ["model.layers.0.dense.penalty.l1"])
    }

    @Test func architectureTextForEachLayerForm() throws {
        let fixtures = try CompareFixtures()
        defer { fixtures.remove() }
        let layers = """
            - conv: {filters: 32, kernel: 5, stride: 2, padding: 1, init: {weights: he}}
            - relu
            - maxpool: {size: 3, stride: 2}
            - dropout: 0.5
            - flatten
            - dense: {units: 500, init: {bias: 1}}
            - tanh
        """
        try fixtures.run(runID: "r", config: CompareFixtures.config(seed: 1, weights: "he", layers: layers), losses: [])
        let run = try RunDiscovery.load(paths: [fixtures.root]).runs[0]
        #expect(run.config["model.layers"]?.text == "conv32k5s2p1(weights=he)-relu-pool3s2-drop0.5-dense500(bias=1)-tanh")
        #expect(run.config["model.layers.0.conv.filters"]?.text == "32")
        #expect(run.config.keys.firstIndex(of: "model.layers") == run.config.keys.firstIndex(of: "model.layers.0.conv.filters")! - 1)
    }

    @Test func runsAreSortedByBestRMSEWithRunsWithoutOneLast() throws {
        let (fixtures, _) = try standard()
        defer { fixtures.remove() }
        try fixtures.run(runID: "cnn-none", config: CompareFixtures.config(seed: 3, weights: "he"), losses: [],
                         status: "failed")
        let comparison = try Comparison(runs: try RunDiscovery.load(paths: [fixtures.root]).runs)
        #expect(comparison.runs.map(\.label) == ["cnn-he-1", "cnn-he-2", "cnn-xa-1", "cnn-xa-2", "cnn-none"])
    }

    @Test func filtersKeepMatchingRuns() throws {
        let (fixtures, runs) = try standard()
        defer { fixtures.remove() }
        func labels(_ filters: String...) throws -> [String] {
            try Comparison(runs: runs, filters: filters.map(RunFilter.init(parsing:))).runs.map(\.label)
        }
        #expect(try labels("model.init.weights=he") == ["cnn-he-1", "cnn-he-2"])
        #expect(try labels("model.init.weights=he", "seed=2") == ["cnn-he-2"])
        // The same key twice: either value.
        #expect(try labels("seed=1", "seed=2").count == 4)
        #expect(try labels("model.init.weights!=he") == ["cnn-xa-1", "cnn-xa-2"])
        // Numbers compare as numbers.
        #expect(try labels("train.learning_rate=1e-2").count == 4)
        #expect(try labels("model.layers=conv8k3-relu-pool2-dense30").count == 4)
        // Differing parameters are those of the runs shown.
        #expect(try Comparison(runs: runs, filters: [RunFilter(parsing: "model.init.weights=he")]).differingKeys == ["seed"])
    }

    @Test func filterErrorsSayWhatToType() throws {
        let (fixtures, runs) = try standard()
        defer { fixtures.remove() }
        #expect(throws: UserError("--where model.init.weight=he: no run has the key 'model.init.weight' (did you mean 'model.init.weights'?)")) {
            try Comparison(runs: runs, filters: [RunFilter(parsing: "model.init.weight=he")])
        }
        #expect(throws: UserError("--where weights=he: no run has the key 'weights' (did you mean 'model.init.weights'?)")) {
            try Comparison(runs: runs, filters: [RunFilter(parsing: "weights=he")])
        }
        #expect(throws: UserError("no run matches --where seed=9 (4 run(s) before filtering)")) {
            try Comparison(runs: runs, filters: [RunFilter(parsing: "seed=9")])
        }
        #expect(throws: UserError("--where 'seed': expected key=value (or key!=value), e.g. model.init.weights=he")) {
            try RunFilter(parsing: "seed")
        }
        #expect(throws: UserError("--group-by: no run has the key 'seeds' (did you mean 'seed'?)")) {
            try Comparison(runs: runs, groupKeys: ["seeds"])
        }
    }

    @Test func groupsShowMeanAndSampleStandardDeviation() throws {
        let (fixtures, runs) = try standard()
        defer { fixtures.remove() }
        let comparison = try Comparison(runs: runs, groupKeys: ["model.init.weights"])
        #expect(comparison.groups.map(\.values) == [["he"], ["xavier"]])
        #expect(comparison.table.columns.map(\.key).prefix(2) == ["model.init.weights", "n"])
        guard case .summary(let best?) = comparison.table.rows[0][2] else {
            Issue.record("expected a summary cell"); return
        }
        // He: 2.4 and 2.88 px → mean 2.64, std |2.88 − 2.4| / sqrt(2).
        #expect(abs(best.mean - 2.64) < 1e-12)
        #expect(abs(best.standardDeviation! - 0.48 / 2.0.squareRoot()) < 1e-12)
        #expect(best.count == 2)
        #expect(comparison.table.rows[1][8] == .text("1 completed, 1 diverged, no better than the mean face"))
    }

    /// RMSEs on different faces do not compare: the table says which data each run had, and a
    /// note says so; runs on one set of faces show no data column and no note.
    @Test func runsOnDifferentFacesAreNeverRankedTogetherSilently() throws {
        let (fixtures, runs) = try standard()
        defer { fixtures.remove() }
        let same = try Comparison(runs: runs)
        #expect(same.dataNote == nil && !same.table.columns.contains { $0.key == "data_fingerprint" })
        let record = fixtures.root + "/cnn/cnn-xa-1/run.json"
        let text = try String(contentsOfFile: record, encoding: .utf8)
            .replacingOccurrences(of: "\"data_fingerprint\": \"0\"", with: "\"data_fingerprint\": \"abcdef0123\"")
        try text.write(toFile: record, atomically: true, encoding: .utf8)
        let mixed = try Comparison(runs: try RunDiscovery.load(paths: [fixtures.root]).runs)
        #expect(mixed.dataNote == "note: these runs trained on 2 different sets of faces (data 0: 3 runs, data abcdef01: 1 run); "
                + "their RMSEs compare only within one (the data column)")
        let table = mixed.text(.table)
        #expect(table.split(separator: "\n")[0].hasPrefix("run       data      seed"))
        #expect(table.contains("cnn-xa-1  abcdef01"))
    }

    @Test func columnsPicksWhatTheTableShowsAndLongArchitecturesAreShortenedOnTheTerminal() throws {
        let (fixtures, runs) = try standard()
        defer { fixtures.remove() }
        // Keys or titles, in the order asked; a config key shows even when every run shares it.
        let picked = try Comparison(runs: runs, columns: ["status", "best RMSE px", "train.epochs"])
        #expect(picked.table.columns.filter { !$0.isMachineOnly }.map(\.key) == ["run", "status", "best_val_rmse_px", "train.epochs"])
        #expect(picked.text(.table).split(separator: "\n")[2].split(separator: " ") == ["cnn-he-1", "completed", "2.400", "3"])
        #expect {
            try Comparison(runs: runs, columns: ["statuss"])
        } throws: { error in
            "\(error)".hasPrefix("--columns: no column 'statuss' (did you mean 'status'?)")
        }
        // The architecture column: whole in CSV, shortened to its ends on the terminal.
        let long = (1...12).map { "- conv: {filters: \($0), kernel: 3, stride: 1, padding: 0}\n    - relu" }.joined(separator: "\n    ")
        try fixtures.run(runID: "cnn-long", config: CompareFixtures.config(seed: 1, weights: "he", layers: "    " + long + "\n    - flatten\n    - dense: {units: 30}"),
                         losses: [(0.01, 0.01)])
        let mixed = try Comparison(runs: try RunDiscovery.load(paths: [fixtures.root]).runs)
        let architecture = try #require(mixed.runs.first { $0.label == "cnn-long" }?.config["model.layers"]?.text)
        #expect(architecture.count > 40)
        #expect(mixed.text(.table).contains(String(architecture.prefix(24)) + "…" + String(architecture.suffix(15))))
        #expect(mixed.text(.csv).contains(architecture))
    }

    @Test func wallTimeIsTheSumOfEpochSeconds() throws {
        let (fixtures, runs) = try standard()
        defer { fixtures.remove() }
        #expect(runs.first { $0.label == "cnn-he-1" }?.wallSeconds == 4.5)
    }
}

@Suite struct KilledRunStatusTests {
    @Test func aRunningRecordWithoutItsLockReadsAsStopped() throws {
        let fixtures = try CompareFixtures()
        defer { fixtures.remove() }
        try fixtures.run(runID: "cnn-a", config: CompareFixtures.config(seed: 1, weights: "he"), losses: [(0.001, 0.001)])
        let folder = try #require(RunFolder.find(under: [fixtures.root]).first)
        var record = try RunRecord.read(from: folder.record)
        record.status = .running
        try record.write(to: folder.record)
        let run = try #require(RunDiscovery.load(paths: [folder.path]).runs.first)
        #expect(!run.isBeingTrained && run.statusText == "stopped")

        let lock = try folder.acquireLock()
        let live = try #require(RunDiscovery.load(paths: [folder.path]).runs.first)
        #expect(live.isBeingTrained && live.statusText == "running")
        lock.release()
    }
}
