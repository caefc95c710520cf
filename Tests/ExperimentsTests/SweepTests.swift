import Foundation
import Testing
import YAML
@testable import Experiments

/// Sweep files as people write them: how they expand, how runs are named, and every error
/// as the whole message a person sees.
@Suite struct SweepTests {
    static let base = """
        base:
          name: tiny
          seed: 1
          model:
            layers:
              - conv: {filters: 4, kernel: 5, stride: 2}
              - relu
              - flatten
              - dense: 30
          train: {epochs: 2}

        """

    func sweep(_ text: String) throws -> Sweep {
        let document = try Document(bytes: Array(text.utf8), path: "sweep.yaml")
        return try Sweep(decoding: document.root, source: document.source, path: "sweep.yaml")
    }

    func runs(_ text: String, overrides: [String] = []) throws -> [SweepRun] {
        try sweep(text).expand(overrides: overrides.map { try Override(parsing: $0) })
    }

    /// The whole message of the sweep's problems, or nil when it expands.
    func problems(_ text: String) -> String? {
        do {
            _ = try runs(text)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func aGridExpandsToEveryCombinationWithTheLastKeyFastest() throws {
        let expanded = try runs(Self.base + """
            grid:
              model.init.weights: [xavier, he]
              model.init.distribution: [normal, uniform]
              seed: [1, 2, 3]
            """)
        #expect(expanded.count == 12)
        #expect(expanded.prefix(4).map(\.settings) == [
            ["model.init.weights=xavier", "model.init.distribution=normal", "seed=1"],
            ["model.init.weights=xavier", "model.init.distribution=normal", "seed=2"],
            ["model.init.weights=xavier", "model.init.distribution=normal", "seed=3"],
            ["model.init.weights=xavier", "model.init.distribution=uniform", "seed=1"],
        ])
        #expect(expanded.last?.settings == ["model.init.weights=he", "model.init.distribution=uniform", "seed=3"])
        #expect(expanded[11].experiment.model.initializer.scheme == .he)
        #expect(expanded[11].experiment.model.initializer.distribution == .uniform)
        #expect(expanded[11].experiment.seed == 3)
        // The runs keep the base's name and differ by run-id, which does not change between expansions.
        #expect(expanded.allSatisfy { $0.experiment.name == "tiny" && $0.origin == "sweep.yaml" })
        #expect(Set(expanded.map(\.runID)).count == 12)
        #expect(try runs(Self.base + "grid: {model.init.weights: [xavier, he], model.init.distribution: [normal, uniform], seed: [1, 2, 3]}")
            .map(\.runID) == expanded.map(\.runID))
    }

    @Test func variantsAreTheOuterLoopAndMultiplyTheGrid() throws {
        let expanded = try runs(Self.base + """
            set: {train.epochs: 5}
            variants:
              - {train.optimizer: adam}
              - {train.optimizer: {sgd: {momentum: 0.9}}, train.learning_rate: 0.03}
            grid:
              seed: [1, 2]
            """)
        #expect(expanded.map(\.settings) == [
            ["train.optimizer=adam", "seed=1"], ["train.optimizer=adam", "seed=2"],
            ["train.optimizer={sgd: {momentum: 0.9}}", "train.learning_rate=0.03", "seed=1"],
            ["train.optimizer={sgd: {momentum: 0.9}}", "train.learning_rate=0.03", "seed=2"],
        ])
        #expect(expanded.allSatisfy { $0.experiment.train.epochs == 5 })
        #expect(expanded[2].experiment.train.learningRate == .constant(0.03))
        #expect(try sweep(Self.base + "variants: [{seed: 1}, {seed: 2}]\ngrid: {train.epochs: [1, 2, 3]}").runCount == 6)
    }

    /// The runs are counted before they are expanded: a few lines can ask for 10⁹ of them.
    @Test func aGridOfMoreThanAHundredThousandRunsIsRefusedWithItsCountAtTheGrid() throws {
        func values(_ count: Int) -> String { "[" + (1...count).map(String.init).joined(separator: ", ") + "]" }
        #expect(problems(Self.base + "grid:\n  seed: \(values(400))\n  train.epochs: \(values(251))\n") == """
            sweep.yaml:11:1: the sweep expands to 100,400 runs (400 × 251 grid values), more than the 100,000 a sweep may have; split it into smaller sweeps
            grid:
            ^
            """)
        #expect(try sweep(Self.base + "grid:\n  seed: \(values(400))\n  train.epochs: \(values(250))\n").runCount == 100_000)
        let huge = "grid:\n" + (1...10).map { "  model.layers.\($0).x: \(values(100))\n" }.joined()
        #expect(problems(Self.base + "variants: [{seed: 1}, {seed: 2}]\n" + huge)?.hasPrefix("""
            sweep.yaml:12:1: the sweep expands to more than 9,223,372,036,854,775,807 runs \
            (2 variants × 100 × 100 × 100 × 100 × 100 × 100 × 100 × 100 × 100 × 100 grid values)
            """) == true)
    }

    @Test func aNameTemplateNamesEachRunAndTheCommandLineWinsOverTheGrid() throws {
        let expanded = try runs(Self.base + """
            name: "{name}-{model.init.weights}"
            grid:
              model.init.weights: [xavier, he]
            """, overrides: ["train.epochs=9"])
        #expect(expanded.map(\.experiment.name) == ["tiny-xavier", "tiny-he"])
        #expect(expanded.map(\.runID).allSatisfy { $0.hasPrefix("tiny-xavier-") || $0.hasPrefix("tiny-he-") })
        #expect(expanded.allSatisfy { $0.experiment.train.epochs == 9 })
        let overridden = try runs(Self.base + "grid: {train.epochs: [1, 2]}", overrides: ["train.epochs=4"])
        #expect(overridden.map(\.experiment.train.epochs) == [4, 4])
        #expect(overridden[0].runID == overridden[1].runID)
    }

    @Test func aBadGridKeyIsReportedAtTheKeyWithASuggestion() {
        #expect(problems(Self.base + """
            grid:
              model.init.weigths: [xavier, he]
              seed: [1, -2]
            """) == """
            sweep.yaml:12:3: unknown key 'model.init.weigths' (did you mean 'model.init.weights'?)
              model.init.weigths: [xavier, he]
              ^
            sweep.yaml:13:13: seed must be at least 0, found -2
              seed: [1, -2]
                        ^
            """)
    }

    @Test func everyBadValueIsReportedOnceAtTheValue() {
        #expect(problems(Self.base + """
            grid:
              model.init.weights: [xavier, hee]
              train.epochs: [1, "2"]
              data.augment.flip: [yes]
            variants:
              - {train.optimizer: adamw}
            """) == """
            sweep.yaml:16:23: unknown optimizer 'adamw' (did you mean 'adam'?)
              - {train.optimizer: adamw}
                                  ^
            sweep.yaml:12:32: unknown initializer 'hee' (did you mean 'he'?)
              model.init.weights: [xavier, hee]
                                           ^
            sweep.yaml:13:21: expected an integer, found the quoted string '2' (quotes make a string; write 2 without them)
              train.epochs: [1, "2"]
                                ^
            sweep.yaml:14:23: expected true or false, found 'yes'
              data.augment.flip: [yes]
                                  ^
            """)
    }

    @Test func structuralMistakesInTheSweepFileSayWhatToWrite() {
        #expect(problems(Self.base + "grid: {seed: 3}") == """
            sweep.yaml:11:14: grid values of 'seed' must be a list, e.g. [3, …]; to set one value for every run use 'set:'
            grid: {seed: 3}
                         ^
            """)
        #expect(problems(Self.base + "grid: {seed: []}") == """
            sweep.yaml:11:14: grid key 'seed' has no values, so the sweep would have no runs
            grid: {seed: []}
                         ^
            """)
        #expect(problems(Self.base + "gird: {seed: [1]}") == """
            sweep.yaml:11:1: unknown key 'gird' (did you mean 'grid'?)
            gird: {seed: [1]}
            ^
            """)
        #expect(problems(Self.base + "grid: {model.layers.40.conv: [1]}") == """
            sweep.yaml:11:8: 'model.layers' is a list, so '40' must be an index; its indices are 0…3
            grid: {model.layers.40.conv: [1]}
                   ^
            """)
        #expect(problems(Self.base + "name: \"{name}-{model.init.weigths}\"\ngrid: {model.init.weights: [he]}") == """
            sweep.yaml:11:7: '{model.init.weigths}' in the name is not a key of this sweep (did you mean '{model.init.weights}'?)
            name: "{name}-{model.init.weigths}"
                  ^
            """)
        #expect(problems("grid: {seed: [1]}") == """
            sweep.yaml:1:1: missing required key 'base' (e.g. base: ../cnn4.yaml)
            grid: {seed: [1]}
            ^
            """)
    }

    @Test func runsWithoutASeedAreRefusedBecauseTheirComparisonCouldNotBeRepeated() {
        let seedless = Self.base.replacingOccurrences(of: "  seed: 1\n", with: "")
        #expect(problems(seedless + "grid: {train.epochs: [1, 2]}") == """
            sweep.yaml: the runs of 'tiny' have no seed, so each would draw one at random and the sweep's comparison \
            could not be repeated; add 'seed: N' to the base or a grid over seed (e.g. seed: [1, 2, 3])
            """)
    }

    @Test func aValueThatBreaksTheNetworkIsReportedAtTheValue() {
        #expect(problems(Self.base + "grid: {model.layers.0.conv.kernel: [5, 200]}") == """
            sweep.yaml:11:40: model.layers.0: conv kernel 200×200 is larger than its input 1×96×96 (padding 0)
            grid: {model.layers.0.conv.kernel: [5, 200]}
                                                   ^
            """)
    }

    @Test func aGridThatReplacesALayerIsCheckedAtTheValue() {
        #expect(problems(Self.base + "grid: {model.layers.3: [{dense: 30}, relu]}") == """
            sweep.yaml:11:38: model.layers.3: the network ends with 8464 values, but there are 30 targets (15 keypoints × x, y); end it with '- dense: 30'
            grid: {model.layers.3: [{dense: 30}, relu]}
                                                 ^
            """)
    }

    @Test func filesFoldersAndSweepsMakeOnePlanInOrder() throws {
        let fixtures = packageRoot().appendingPathComponent("Tests/ExperimentsTests/Fixtures").path
        let folder = fixtures + "/sweeps"
        let plan = try SweepPlan.load(paths: [folder + "/seeds.yaml", folder + "/tiny.yaml"])
        #expect(plan.runs.map(\.experiment.seed) == [1, 2, 7])
        // tiny.yaml has seed 7 itself, the same configuration as the sweep's third run: it runs once.
        #expect(plan.duplicates.count == 1)
        #expect(plan.duplicates.first?.keptIndex == 2)
        #expect(plan.duplicates.first?.run.origin == folder + "/tiny.yaml")

        #expect(throws: SweepProblems.self) { try SweepPlan.load(paths: [folder]) }
        do {
            _ = try SweepPlan.load(paths: [folder, folder + "/nothing-here.yaml"])
        } catch {
            #expect(error.description == """
                \(folder)/nothing-here.yaml: no such file or folder
                \(folder)/missing-base.yaml:1:7: base experiment '../nowhere/tiny.yaml' (\(fixtures)/nowhere/tiny.yaml): no such file
                base: ../nowhere/tiny.yaml
                      ^
                """)
        }
    }

    /// A sweep's runs are single networks: a cascade, as a base, a file or under --grid, is
    /// refused with what to do instead (it had read "unknown key 'cascade'").
    @Test func aCascadeIsRefusedWithWhatToDoInstead() throws {
        let instead = "is a cascade, and a sweep's runs are single networks: run the cascade once per setting with "
            + "kplab run --set (e.g. --set cascade.patch=32), or sweep its level 1's experiment"
        #expect(problems("base:\n  name: c\n  cascade: {level1: a.yaml}\ngrid: {seed: [1]}") == """
            sweep.yaml:2:3: this base \(instead)
              name: c
              ^
            """)
        let cascade = packageRoot().appendingPathComponent("experiments/cascade.yaml").path
        #expect(problems("base: \(cascade)\ngrid: {seed: [1]}")?.hasPrefix("sweep.yaml:1:7: base '\(cascade)' \(instead)\n") == true)
        for grid in [[], [try GridAxis(parsing: "seed=1,2")]] {
            do {
                _ = try SweepPlan.load(paths: [cascade], grid: grid)
                Issue.record("expected an error")
            } catch {
                #expect(error.description == "\(cascade): this file \(instead)")
            }
        }
    }

    @Test func basePathsAreRelativeToTheSweepFile() {
        #expect(resolve("../cnn4.yaml", relativeTo: "experiments/sweeps/x.yaml") == "experiments/cnn4.yaml")
        #expect(resolve("cnn4.yaml", relativeTo: "x.yaml") == "cnn4.yaml")
        #expect(resolve("/abs/cnn4.yaml", relativeTo: "a/x.yaml") == "/abs/cnn4.yaml")
        #expect(resolve("../../b.yaml", relativeTo: "a/x.yaml") == "../b.yaml")
    }
}
