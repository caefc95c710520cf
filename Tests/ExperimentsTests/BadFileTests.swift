import Testing
import YAML
@testable import Experiments

/// Every bad file under Fixtures/ with the whole message a person sees: `path:line:column:
/// message`, the offending line, and the caret.
@Suite struct BadFileTests {
    static let expected: [(file: String, message: String)] = [
        ("bad-name", """
            Fixtures/bad-name.yaml:1:7: name 'my run' names a results folder, so it may hold only letters, digits, '.', '_' and '-' (and not start with '.')
            name: my run
                  ^
            """),
        ("batch-size-fraction", """
            Fixtures/batch-size-fraction.yaml:10:15: expected an integer, found '12.5'
              batch_size: 12.5
                          ^
            """),
        ("boolean-yes", """
            Fixtures/boolean-yes.yaml:10:12: expected true or false, found 'yes'
              shuffle: yes
                       ^
            """),
        ("conv-without-kernel", """
            Fixtures/conv-without-kernel.yaml:3:13: missing required key 'kernel' in 'model.layers.0.conv' (e.g. conv: {filters: 32, kernel: 3})
                - conv: {filters: 8}
                        ^
            """),
        ("dense-before-flatten", """
            Fixtures/dense-before-flatten.yaml:5:7: model.layers.2: dense needs a flat input but gets 8×94×94; add '- flatten' before it
                - dense: 30
                  ^
            """),
        ("dropout-one", """
            Fixtures/dropout-one.yaml:5:16: dropout rate must be at least 0 and less than 1, found 1.0
                - dropout: 1.0
                           ^
            """),
        ("empty", """
            Fixtures/empty.yaml:1:1: the file is empty; an experiment needs at least model.layers and train.epochs
            # nothing but a comment
            ^
            """),
        ("epochs-not-integer", """
            Fixtures/epochs-not-integer.yaml:9:11: expected an integer, found 'abc'
              epochs: abc
                      ^
            """),
        ("fraction-out-of-range", """
            Fixtures/fraction-out-of-range.yaml:2:26: fraction must be greater than 0 and less than 1, found 1.5
              validation: {fraction: 1.5}
                                     ^
            """),
        ("holdout-and-fraction", """
            Fixtures/holdout-and-fraction.yaml:2:30: give either holdout (the last N rows) or fraction, not both
              validation: {holdout: 400, fraction: 0.2}
                                         ^
            """),
        ("initializer-synonym", """
            Fixtures/initializer-synonym.yaml:4:19: unknown distribution 'gaussian' (did you mean 'normal'?)
                distribution: gaussian
                              ^
            """),
        ("kernel-too-large", """
            Fixtures/kernel-too-large.yaml:7:7: model.layers.4: conv kernel 5×5 is larger than its input 8×4×4 (padding 0)
                - conv: {filters: 8, kernel: 5}
                  ^
            """),
        ("layer-with-two-keys", """
            Fixtures/layer-with-two-keys.yaml:4:7: a layer is one key naming its type, found 'dense', 'init'; put its settings inside it, e.g. '- dense: {units: 500, init: {bias: 1}}'
                - dense: 500
                  ^
            """),
        ("layers-not-list", """
            Fixtures/layers-not-list.yaml:3:5: expected a list of layers, found a mapping
                conv: {filters: 8, kernel: 3}
                ^
            """),
        ("missing-epochs", """
            Fixtures/missing-epochs.yaml:9:3: missing required key 'epochs' in 'train' (e.g. epochs: 100)
              batch_size: 64
              ^
            """),
        ("missing-model", """
            Fixtures/missing-model.yaml:1:1: missing required key 'model' (e.g. model: {layers: [flatten, {dense: 30}]})
            name: nomodel
            ^
            """),
        ("momentum-one", """
            Fixtures/momentum-one.yaml:10:31: momentum must be at least 0 and less than 1, found 1.0
              optimizer: {sgd: {momentum: 1.0}}
                                          ^
            """),
        ("negative-epochs", """
            Fixtures/negative-epochs.yaml:9:11: epochs must be at least 1, found -3
              epochs: -3
                      ^
            """),
        ("output-not-30", """
            Fixtures/output-not-30.yaml:6:7: model.layers.3: the network ends with 15 values, but there are 30 targets (15 keypoints × x, y); end it with '- dense: 30'
                - dense: 15
                  ^
            """),
        ("quoted-number", """
            Fixtures/quoted-number.yaml:9:11: expected an integer, found the quoted string '10' (quotes make a string; write 10 without them)
              epochs: "10"
                      ^
            """),
        ("syntax-error", """
            Fixtures/syntax-error.yaml:3:1: did not find expected ',' or ']' (while parsing a flow sequence at line 2, column 11)
            train:
            ^
            """),
        ("train-and-synthetic", """
            Fixtures/train-and-synthetic.yaml:3:3: data.train and data.synthetic exclude each other; remove one (on the command line: --set data.synthetic=null)
              synthetic: {count: 100}
              ^
            """),
        ("unknown-initializer", """
            Fixtures/unknown-initializer.yaml:2:19: unknown initializer 'xaviar' (did you mean 'xavier'?)
              init: {weights: xaviar}
                              ^
            """),
        ("unknown-layer", """
            Fixtures/unknown-layer.yaml:3:7: unknown layer 'convv' (did you mean 'conv'?)
                - convv: {filters: 8, kernel: 3}
                  ^
            """),
        ("unknown-momentum-form", """
            Fixtures/unknown-momentum-form.yaml:11:32: unknown momentum form 'nestrov' (did you mean 'nesterov'?)
                sgd: {momentum: 0.9, form: nestrov}
                                           ^
            """),
        ("unknown-optimizer", """
            Fixtures/unknown-optimizer.yaml:10:14: unknown optimizer 'sdg' (did you mean 'sgd'?)
              optimizer: sdg
                         ^
            """),
        ("unknown-schedule", """
            Fixtures/unknown-schedule.yaml:10:19: unknown learning rate schedule 'exponential' (expected linear, step or cosine)
              learning_rate: {exponential: {from: 0.1, to: 0.01}}
                              ^
            """),
        ("unknown-top-key", """
            Fixtures/unknown-top-key.yaml:9:1: unknown key 'trian' (did you mean 'train'?)
            trian:
            ^
            """),
        ("unknown-train-key", """
            Fixtures/unknown-train-key.yaml:10:3: unknown key 'epoch' in 'train' (did you mean 'epochs'?)
              epoch: 3
              ^
            """),
        ("zero-filters", """
            Fixtures/zero-filters.yaml:3:23: filters must be at least 1, found 0
                - conv: {filters: 0, kernel: 3}
                                  ^
            """),
    ]

    @Test("each bad fixture fails with its whole message", arguments: expected)
    func badFile(file: String, message: String) throws {
        let path = "Fixtures/\(file).yaml"
        let text = try fixtureText(path)
        #expect(throws: Diagnostic.self) { try Experiment.decode(text: text, path: path) }
        do {
            _ = try Experiment.decode(text: text, path: path)
        } catch {
            #expect(error.description == message)
        }
    }

    @Test func thereAreAtLeastFifteenDistinctBadFiles() {
        #expect(Set(Self.expected.map(\.message)).count >= 15)
    }
}
