import Engine
@testable import Experiments
import Foundation
import Testing
import YAML

@Suite struct DecodingTests {
    static let minimal = """
        model:
          layers: [flatten, {dense: 30}]
        train:
          epochs: 5
        """

    @Test func aMinimalFileTakesEveryDefault() throws {
        let experiment = try Experiment.decode(text: Self.minimal, path: "experiments/tiny.yaml")
        #expect(experiment.name == "tiny")
        #expect(experiment.seed == nil)
        #expect(experiment.data == DataSpec(source: .synthetic(.init(count: 2000, seed: 1, missingLabels: false)),
                                            validation: .holdout(400), rows: .all, missing: .mask,
                                            augment: .init(flip: false)))
        #expect(experiment.model.initializer == InitializerSpec(scheme: .xavier, distribution: .uniform, bias: 0))
        #expect(experiment.model.layers == [.init(FlattenLayer()), .init(DenseLayer(units: 30))])
        let train = experiment.train
        #expect(train.epochs == 5)
        #expect(train.batchSize == 128)
        #expect(train.shuffle == true)
        #expect(train.lastBatch == .keep)
        #expect(train.optimizer == .sgd(momentum: nil))
        #expect(train.learningRate == .constant(0.01))
        #expect(train.l2 == 0)
        #expect(train.earlyStopping == nil)
        #expect(train.maxWallTime == nil)
        #expect(train.diagnostics == false)
    }

    @Test func adamDefaultsToASmallerLearningRate() throws {
        let experiment = try Experiment.decode(text: Self.minimal + "\n  optimizer: adam", path: "a.yaml")
        #expect(experiment.train.optimizer == .adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8))
        #expect(experiment.train.learningRate == .constant(0.001))
    }

    @Test func everyFieldDecodes() throws {
        let text = """
            name: everything
            seed: 18446744073709551615
            data:
              train: data/training.csv
              validation: {fraction: 0.25, shuffle: false}
              rows: complete
              missing: drop
              augment: {flip: true}
            model:
              init: {weights: he, distribution: normal, bias: 0.1}
              layers:
                - conv: {filters: 32, kernel: 3, stride: 1, padding: 1, init: {weights: xavier}}
                - relu
                - maxpool: 2
                - maxpool: {size: 3, stride: 2}
                - flatten
                - dense: {units: 500, init: {bias: 1}}
                - relu
                - dropout: 0.5
                - dropout: {rate: 0.25}
                - dense: 30
            train:
              epochs: 100
              batch_size: 100
              shuffle: false
              last_batch: end-before-last-row
              optimizer: {sgd: {momentum: {linear: {from: 0.9, to: 0.999}}, nesterov: true}}
              learning_rate: {linear: {from: 0.03, to: 0.0001}}
              l2: 0.0005
              early_stopping: {patience: 10, min_delta: 0.001}
              max_wall_time: 30m
              diagnostics: true
            """
        let experiment = try Experiment.decode(text: text, path: "x.yaml")
        let expected = Experiment(
            name: "everything", seed: UInt64.max,
            // In memory, the text's folder is the working directory.
            data: DataSpec(source: .file(path: FileManager.default.currentDirectoryPath + "/data/training.csv"), validation: .fraction(0.25, shuffle: false),
                           rows: .complete, missing: .drop, augment: .init(flip: true)),
            model: ModelSpec(
                initializer: InitializerSpec(scheme: .he, distribution: .normal, bias: 0.1),
                layers: [.init(ConvLayer(filters: 32, kernel: 3, stride: 1, padding: .pixels(1), initializer: .init(scheme: .xavier))),
                         .init(ReLULayer()), .init(MaxPoolLayer(size: 2, stride: 2)), .init(MaxPoolLayer(size: 3, stride: 2)),
                         .init(FlattenLayer()), .init(DenseLayer(units: 500, initializer: .init(bias: 1))), .init(ReLULayer()),
                         .init(DropoutLayer(rate: 0.5)), .init(DropoutLayer(rate: 0.25)), .init(DenseLayer(units: 30))]),
            train: TrainSpec(epochs: 100, batchSize: 100, shuffle: false, lastBatch: .reportZip,
                             optimizer: .sgd(momentum: .init(.linear(from: 0.9, to: 0.999), form: .nesterov)),
                             learningRate: .linear(from: 0.03, to: 0.0001), l2: 0.0005,
                             earlyStopping: .init(patience: 10, minDelta: 0.001), maxWallTime: 1800, diagnostics: true))
        #expect(experiment == expected)
    }

    @Test func perLayerInitializersResolveOverTheGlobalOne() throws {
        let text = """
            model:
              init: {weights: he, distribution: normal, bias: 0}
              layers:
                - conv: {filters: 4, kernel: 3, init: {distribution: uniform}}
                - flatten
                - dense: {units: 30, init: {weights: xavier, bias: 1}}
            train: {epochs: 1}
            """
        let model = try Experiment.decode(text: text, path: "x.yaml").model
        #expect(model.layers.map(model.initializer(of:)) == [
            InitializerSpec(scheme: .he, distribution: .uniform, bias: 0), nil,
            InitializerSpec(scheme: .xavier, distribution: .normal, bias: 1),
        ])
        #expect(model.layers.map(\.summaryLabel) == ["conv 4@3×3", "flatten", "dense 30"])
    }

    @Test(arguments: [
        ("{sgd: {momentum: 0.9}}", OptimizerSpec.sgd(momentum: .init(.constant(0.9), form: .classic))),
        ("{sgd: {momentum: 0.9, form: ema}}", .sgd(momentum: .init(.constant(0.9), form: .ema))),
        ("{sgd: {momentum: 0.9, form: ema-lagged}}", .sgd(momentum: .init(.constant(0.9), form: .emaLagged))),
        ("{sgd: {momentum: 0.9, form: nesterov}}", .sgd(momentum: .init(.constant(0.9), form: .nesterov))),
        ("{sgd: {momentum: 0.9, nesterov: true}}", .sgd(momentum: .init(.constant(0.9), form: .nesterov))),
        ("{sgd: {momentum: 0.9, nesterov: false}}", .sgd(momentum: .init(.constant(0.9), form: .classic))),
        ("sgd", .sgd(momentum: nil)),
        ("{sgd: {}}", .sgd(momentum: nil)),
        ("{adam: {beta1: 0.8, beta2: 0.99, epsilon: 1e-6}}", .adam(beta1: 0.8, beta2: 0.99, epsilon: 1e-6)),
    ])
    func optimizerForms(text: String, expected: OptimizerSpec) throws {
        let experiment = try Experiment.decode(text: Self.minimal + "\n  optimizer: \(text)", path: "x.yaml")
        #expect(experiment.train.optimizer == expected)
    }

    @Test(arguments: [
        ("0.05", Schedule.constant(0.05)),
        ("1", .constant(1)),
        ("{linear: {from: 0.03, to: 0.0001}}", .linear(from: 0.03, to: 0.0001)),
        ("{step: {from: 0.1, every: 10, factor: 0.5}}", .step(from: 0.1, every: 10, factor: 0.5)),
        ("{cosine: {from: 0.1}}", .cosine(from: 0.1, to: 0)),
        ("{cosine: {from: 0.1, to: 0.001}}", .cosine(from: 0.1, to: 0.001)),
    ])
    func learningRateForms(text: String, expected: Schedule) throws {
        let experiment = try Experiment.decode(text: Self.minimal + "\n  learning_rate: \(text)", path: "x.yaml")
        #expect(experiment.train.learningRate == expected)
    }

    @Test(arguments: [("90", 90.0), ("90s", 90), ("30m", 1800), ("1.5h", 5400)])
    func wallTimeUnits(text: String, seconds: Double) throws {
        let experiment = try Experiment.decode(text: Self.minimal + "\n  max_wall_time: \(text)", path: "x.yaml")
        #expect(experiment.train.maxWallTime == seconds)
    }

    @Test func earlyStoppingShortFormIsThePatience() throws {
        let experiment = try Experiment.decode(text: Self.minimal + "\n  early_stopping: 7", path: "x.yaml")
        #expect(experiment.train.earlyStopping == .init(patience: 7, minDelta: 0))
    }

    @Test func syntheticFacesAndShuffledFraction() throws {
        let text = """
            data:
              synthetic: {count: 300, seed: 9, missing_labels: true}
              validation: {fraction: 0.2}
            """ + "\n" + Self.minimal
        let data = try Experiment.decode(text: text, path: "x.yaml").data
        #expect(data.source == .synthetic(.init(count: 300, seed: 9, missingLabels: true)))
        #expect(data.validation == .fraction(0.2, shuffle: true))
    }

    @Test func quotedNamesStayStrings() throws {
        let experiment = try Experiment.decode(text: "name: \"2024\"\nseed: 7\n" + Self.minimal, path: "x.yaml")
        #expect(experiment.name == "2024")
        #expect(experiment.seed == 7)
    }

    @Test func theExampleExperimentsAllPass() throws {
        let folder = packageRoot().appendingPathComponent("experiments")
        let names = ["demo", "mlp", "cnn4", "cnn5", "nouri", "nouri-adam", "realfaces-net"]
        for name in names {
            let experiment = try Experiment.load(contentsOfFile: folder.appendingPathComponent("\(name).yaml").path)
            #expect(experiment.name == name)
        }
        let adam = try Experiment.load(contentsOfFile: folder.appendingPathComponent("nouri-adam.yaml").path)
        #expect(adam.train.optimizer == .adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8))
        #expect(adam.train.learningRate == .constant(0.001))
        #expect(adam.train.batchSize == 128)
        #expect(adam.model.initializer == InitializerSpec(scheme: .xavier, distribution: .uniform, bias: 0))
        // The real-faces recipe's level 1 finds the faces beside the project and validates with flips.
        let net = try Experiment.load(contentsOfFile: folder.appendingPathComponent("realfaces-net.yaml").path)
        #expect(net.data.source == .file(path: packageRoot().deletingLastPathComponent()
            .appendingPathComponent("shared/data/realfaces/training.csv").standardizedFileURL.path))
        #expect(net.train.tta == .flip && net.data.augment.flip && net.train.maxWallTime == 1500)
        // The recipe is a cascade over it: level 1 and level 2 within 30 minutes together.
        let recipe = try CascadeExperiment.load(contentsOfFile: folder.appendingPathComponent("realfaces.yaml").path)
        #expect(recipe.cascade.level1.path == folder.appendingPathComponent("realfaces-net.yaml").path)
        #expect(recipe.cascade.level1.isExperimentFile && recipe.cascade.groups.count == 15)
        #expect(net.train.maxWallTime! + recipe.train.maxWallTime! <= 1800)
        for name in ["cascade", "reported/cascade"] {
            let cascade = try CascadeExperiment.load(contentsOfFile: folder.appendingPathComponent("\(name).yaml").path)
            #expect(cascade.cascade.level1.isExperimentFile)
        }
    }

    @Test func aCascadesDataSetIsItsLevel1sAndOnlyForALevel1TrainedFirst() throws {
        let folder = packageRoot().appendingPathComponent("experiments")
        let recipe = try CascadeExperiment.load(contentsOfFile: folder.appendingPathComponent("realfaces.yaml").path,
                                                overrides: [try Override(parsing: "data.train=faces.csv"),
                                                            try Override(parsing: "train.epochs=3")])
        #expect(recipe.cascade.level1.dataOverrides == ["data.train=faces.csv"] && recipe.train.epochs == 3)
        #expect {
            try CascadeExperiment.load(contentsOfFile: folder.appendingPathComponent("realfaces.yaml").path,
                                       overrides: [try Override(parsing: "cascade.level1=results/x/x-1234abcd"),
                                                   try Override(parsing: "data.train=faces.csv")])
        } throws: { error in
            "\(error)".hasPrefix("--set data.train=faces.csv: a cascade's faces are its level 1's, and cascade.level1 is a finished run")
        }
    }

    @Test func suggestionsCatchTyposButNotStrangers() {
        #expect(suggestion(for: "epoch", among: TrainSpec.keys.names) == "epochs")
        #expect(suggestion(for: "batch-size", among: TrainSpec.keys.names) == "batch_size")
        #expect(suggestion(for: "lerning_rate", among: TrainSpec.keys.names) == "learning_rate")
        #expect(suggestion(for: "glorot", among: ["xavier", "he"], synonyms: initializerSynonyms) == "xavier")
        #expect(suggestion(for: "banana", among: TrainSpec.keys.names) == nil)
        #expect(editDistance("sdg", "sgd") == 1)
    }
}
