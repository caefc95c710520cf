import Engine
import Foundation
import Testing
import YAML
@testable import Experiments

@Suite struct OverrideTests {
    static let file = """
        name: base
        model:
          layers:
            - conv: {filters: 32, kernel: 3}
            - relu
            - maxpool: 2
            - flatten
            - dense: 30
        train:
          epochs: 10
        """

    func decode(_ sets: String...) throws(Diagnostic) -> Experiment {
        var overrides: [Override] = []
        for text in sets { overrides.append(try Override(parsing: text)) }
        return try Experiment.decode(text: Self.file, path: "base.yaml", overrides: overrides)
    }

    func message(_ sets: String...) -> String? {
        do {
            var overrides: [Override] = []
            for text in sets { overrides.append(try Override(parsing: text)) }
            _ = try Experiment.decode(text: Self.file, path: "base.yaml", overrides: overrides)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func overridesAreTypedLikeTheFile() throws {
        let experiment = try decode("train.epochs=3", "model.init.weights=he", "model.layers.0.conv.filters=16",
                                    "train.learning_rate={linear: {from: 0.03, to: 0.0001}}", "seed=5",
                                    "data.augment.flip=true", "name=renamed")
        #expect(experiment.train.epochs == 3)
        #expect(experiment.model.initializer.scheme == .he)
        #expect(experiment.model.layers[0] == ModelSpec.Layer(ConvLayer(filters: 16, kernel: 3)))
        #expect(experiment.train.learningRate == .linear(from: 0.03, to: 0.0001))
        #expect(experiment.seed == 5)
        #expect(experiment.data.augment.flip)
        #expect(experiment.name == "renamed")
    }

    @Test func laterOverridesWinAndEmptyMeansTheDefault() throws {
        #expect(try decode("train.epochs=3", "train.epochs=4").train.epochs == 4)
        #expect(try decode("train.batch_size=7", "train.batch_size=").train.batchSize == 128)
    }

    @Test func aWholeLayerCanBeReplaced() throws {
        let experiment = try decode("model.layers.2={maxpool: {size: 3, stride: 2}}")
        #expect(experiment.model.layers[2] == ModelSpec.Layer(MaxPoolLayer(size: 3, stride: 2)))
    }

    @Test func badOverridesReadLikeBadFiles() {
        #expect(message("train.epoch=3") == "--set train.epoch=3: unknown key 'train.epoch' (did you mean 'train.epochs'?)")
        #expect(message("train.epochs=abc") == "--set train.epochs=abc: expected an integer, found 'abc'")
        #expect(message("train.epochs=-1") == "--set train.epochs=-1: epochs must be at least 1, found -1")
        #expect(message("model.init.weights=kaiming") == "--set model.init.weights=kaiming: unknown initializer 'kaiming' (did you mean 'he'?)")
        #expect(message("model.layers.9.conv.filters=4")
                == "--set model.layers.9.conv.filters=4: 'model.layers' is a list, so '9' must be an index; its indices are 0…4")
        #expect(message("model.layers.0.conv.kernel=200")
                == "--set model.layers.0.conv.kernel=200: model.layers.0: conv kernel 200×200 is larger than its input 1×96×96 (padding 0)")
        #expect(message("train.epochs.max=3")
                == "--set train.epochs.max=3: 'train.epochs' is '10', not a mapping, so it has no key 'train.epochs.max'; set 'train.epochs' itself")
        #expect(message("train.epochs") == "--set train.epochs: expected dotted.key=value, e.g. --set train.epochs=3")
        #expect(message("train..epochs=3") == "--set train..epochs=3: 'train..epochs' is not a dotted key like 'train.epochs'")
        #expect(message("train.epochs=[1") != nil)
    }

    @Test func aKeyAnOverrideAddsOnItsWayIsBlamedOnTheOverride() {
        // `validation` is not a top-level key (it lives under data): the override added it, so
        // the error names the override, not the file's first line.
        #expect(message("validation.holdout=5") == "--set validation.holdout=5: unknown key 'validation'")
        #expect(message("train.foo.bar=1") == "--set train.foo.bar=1: unknown key 'train.foo'")
        // A key the file has is still the file's, even when an override passes through it.
        let text = Self.file.replacingOccurrences(of: "epochs: 10", with: "epochs: 10\n  extra: {a: 1}")
        do {
            _ = try Experiment.decode(text: text, path: "base.yaml", overrides: [try Override(parsing: "train.extra.b=3")])
            Issue.record("expected an error")
        } catch {
            #expect(error.description.hasPrefix("base.yaml:11:3: unknown key 'extra' in 'train'"))
        }
    }

    @Test func anErrorInTheFileStillPointsAtTheFile() {
        // The override is fine; the file's own layer list is not touched by it.
        let text = Self.file.replacingOccurrences(of: "epochs: 10", with: "epochs: 10\n  shuffle: maybe")
        do {
            _ = try Experiment.decode(text: text, path: "base.yaml", overrides: [try Override(parsing: "train.epochs=3")])
            Issue.record("expected an error")
        } catch {
            #expect(error.description == """
                base.yaml:11:12: expected true or false, found 'maybe'
                  shuffle: maybe
                           ^
                """)
        }
    }

    @Test func splicingAddsMissingMappingsAndKeepsTheRest() throws {
        let root = try Document(bytes: Array("a: {b: 1}\nc: [x, y]\n".utf8), path: "t.yaml").root
        let value = Node(.scalar(Node.Scalar(text: "2")), mark: Mark(line: 1, column: 1))
        let spliced = try root.replacing(["d", "e", "f"], with: value).replacing(["c", "1"], with: value)
        #expect(spliced.yamlText() == "a:\n  b: 1\nc:\n- x\n- 2\nd:\n  e:\n    f: 2\n")
    }
}
