import Engine
import Testing
import YAML
@testable import Experiments

@Suite struct SummaryTests {
    /// The `nouri` net: shapes, parameters and FLOPs worked out by hand.
    @Test func theNouriNetAddsUp() throws {
        let folder = packageRoot().appendingPathComponent("experiments")
        let experiment = try Experiment.load(contentsOfFile: folder.appendingPathComponent("nouri.yaml").path)
        let summary = try ModelSummary(model: experiment.model)
        #expect(summary.rows.map(\.output) == [
            Shape(channels: 32, height: 94, width: 94), Shape(channels: 32, height: 94, width: 94),
            Shape(channels: 32, height: 47, width: 47),
            Shape(channels: 64, height: 46, width: 46), Shape(channels: 64, height: 46, width: 46),
            Shape(channels: 64, height: 23, width: 23),
            Shape(channels: 128, height: 22, width: 22), Shape(channels: 128, height: 22, width: 22),
            Shape(channels: 128, height: 11, width: 11),
            Shape(channels: 15488, height: 1, width: 1),
            Shape(channels: 500, height: 1, width: 1), Shape(channels: 500, height: 1, width: 1),
            Shape(channels: 500, height: 1, width: 1), Shape(channels: 500, height: 1, width: 1),
            Shape(channels: 30, height: 1, width: 1),
        ])
        // conv: filters·(in·k² + 1); dense: units·(in + 1)
        let parameters = 32 * (1 * 9 + 1) + 64 * (32 * 4 + 1) + 128 * (64 * 4 + 1)
            + 500 * (15488 + 1) + 500 * (500 + 1) + 30 * (500 + 1)
        #expect(summary.parameterCount == parameters)
        #expect(summary.parameterCount == 8_051_502)
        // The first conv: 2 FLOPs per multiply-add, 32·94·94 outputs of 1·3·3 products.
        #expect(summary.rows[0].flops == 2 * 32 * 94 * 94 * 9)
        #expect(summary.rows[10].initializer == InitializerSpec(scheme: .xavier, distribution: .uniform, bias: 0))
        #expect(summary.rows[1].initializer == nil)
    }

    /// `fixed` rounds and pads like printf's %.Nf, for any number of places including none.
    @Test func fixedShowsExactlyTheDecimalsAskedFor() {
        #expect(fixed(50, decimals: 0) == "50")
        #expect(fixed(97.94, decimals: 1) == "97.9")
        #expect(fixed(0.05, decimals: 3) == "0.050")
        #expect(fixed(-0.0004, decimals: 3) == "0.000")
        #expect(fixed(-2.5, decimals: 2) == "-2.50")
    }

    @Test func theTableShowsEveryLayerAndTheTotals() throws {
        let text = """
            model:
              init: {weights: he, distribution: normal}
              layers: [flatten, {dense: {units: 30, init: {bias: 1}}}]
            train: {epochs: 1}
            """
        let summary = try ModelSummary(model: Experiment.decode(text: text, path: "x.yaml").model)
        #expect(summary.description == """
            #  name      layer     output    parameters  MFLOPs  initializer
                         input     1×96×96
            0  flatten1  flatten   9216×1×1           0   0.000
            1  dense1    dense 30  30×1×1       276,510   0.553  he-normal, bias 1
                         total                  276,510   0.553
            276,510 parameters (1.1 MiB as fp32), 0.553 MFLOPs forward per image
            """)
    }
}

@Suite struct CanonicalFormTests {
    static let examples = ["demo", "mlp", "cnn4", "cnn5", "nouri", "nouri-adam", "resnet"]

    func example(_ name: String) throws -> Experiment {
        try Experiment.load(contentsOfFile: packageRoot().appendingPathComponent("experiments/\(name).yaml").path)
    }

    @Test(arguments: examples)
    func theCanonicalFormDecodesBackToTheSameExperiment(name: String) throws {
        let experiment = try example(name)
        let again = try Experiment.decode(text: experiment.canonicalText, path: "config.yaml")
        #expect(again == experiment)
        #expect(again.canonicalText == experiment.canonicalText)
        #expect(again.configHash == experiment.configHash)
    }

    @Test func everyFieldSurvivesTheRoundTrip() throws {
        let text = """
            name: "007"
            seed: 3
            data: {train: "data/ 1.csv", validation: {fraction: 0.1, shuffle: false}, rows: complete, missing: drop}
            model:
              layers:
                - conv: {filters: 3, kernel: 3, stride: 2, padding: 1, init: {weights: he, distribution: normal, bias: -0.5}}
                - maxpool: {size: 3, stride: 2}
                - flatten
                - dropout: 0.1
                - dense: 30
            train:
              epochs: 2
              optimizer: {sgd: {momentum: {linear: {from: 0.9, to: 0.999}}, form: ema-lagged}}
              learning_rate: {step: {from: 0.1, every: 3, factor: 0.3}}
              early_stopping: {patience: 4, min_delta: 1e-5}
              max_wall_time: 2h
              diagnostics: true
            """
        let experiment = try Experiment.decode(text: text, path: "x.yaml")
        #expect(try Experiment.decode(text: experiment.canonicalText, path: "config.yaml") == experiment)
    }

    @Test func theHashIgnoresCommentsShortFormsAndDefaultsWrittenOut() throws {
        let short = """
            name: same
            model:
              layers: [flatten, {dense: 30}]
            train: {epochs: 4}
            """
        let long = """
            # the same experiment, spelled out
            train:
              batch_size: 128
              epochs: 4
            model:
              init: {weights: xavier, distribution: uniform, bias: 0}
              layers:
                - flatten
                - dense: {units: 30}
            name: same
            """
        let a = try Experiment.decode(text: short, path: "a.yaml"), b = try Experiment.decode(text: long, path: "b.yaml")
        #expect(a.configHash == b.configHash)
        #expect(a.configHash.count == 64)
        #expect(a.runID == "same-" + a.configHash.prefix(8))
        let changed = try Experiment.decode(text: short, path: "a.yaml", overrides: [Override(parsing: "train.epochs=5")])
        #expect(changed.configHash != a.configHash)
    }

    /// The hash is part of every run's folder name: it must not change between builds or
    /// machines. If this fails, the canonical form changed and old results no longer match.
    @Test func theHashIsStable() throws {
        let experiment = try Experiment.decode(text: "model: {layers: [flatten, {dense: 30}]}\ntrain: {epochs: 1}",
                                               path: "stable.yaml")
        #expect(experiment.canonicalText == """
            name: stable
            seed: null
            data:
              synthetic:
                count: 2000
                seed: 1
                missing_labels: false
              validation:
                holdout: 400
              rows: all
              missing: mask
              augment:
                flip: false
            model:
              init:
                weights: xavier
                distribution: uniform
                bias: 0.0
              layers:
              - flatten
              - dense:
                  units: 30
            train:
              epochs: 1
              batch_size: 128
              shuffle: true
              last_batch: keep
              optimizer: sgd
              learning_rate: 0.01
              l2: 0.0
              early_stopping: null
              max_wall_time: null
              diagnostics: false

            """)
        #expect(experiment.configHash == "866d0670704a84b64d98b838cf20ceec86e8010db04b4201cfca8df180f6148d")
    }
}
