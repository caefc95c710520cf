@testable import Experiments
import Testing
import YAML

/// Every key the decoder reads must change the run identity, and the canonical text must
/// decode back to the same experiment. The changes come from the key tables' samples, so a
/// key added to a table is covered without touching this file.
@Suite struct RunIdentityTests {
    /// One layer of every kind, each written as a mapping so that `--set` reaches its settings.
    /// Every sample keeps the network valid: the merges read the input (three times with their
    /// sample) and are stacked by a second concat; then 96 → conv 3 → 94 → batchnorm → leaky
    /// relu → relu → avgpool 2 → 47 → maxpool 2 → 23 → global avgpool → 8 → flatten → dense 16 →
    /// dropout → dense 30.
    static let base = """
        name: base
        model:
          layers:
            - add: {inputs: [input, input]}
            - concat: {inputs: [input, input]}
            - concat: {inputs: [add1, concat1], name: both}
            - conv: {filters: 8, kernel: 3}
            - batchnorm: {momentum: 0.1}
            - leaky_relu: {slope: 0.01}
            - relu
            - avgpool: {size: 2}
            - maxpool: {size: 2}
            - global_avgpool
            - flatten
            - dense: {units: 16}
            - dropout: {rate: 0.25}
            - dense: 30
        train:
          epochs: 2
        """

    static func decode(_ sets: [String]) throws -> Experiment {
        try Experiment.decode(text: base, path: "base.yaml", overrides: sets.map { try Override(parsing: $0) })
    }

    /// The top-level table's samples, then each layer kind's at the first layer of that kind.
    static let samples: [Sample] = {
        let layers = (try? decode([]))?.model.layers ?? []
        // The keys every layer takes besides its kind's: a name (parameters are named after it).
        var samples = Experiment.keys.samples + [Sample(["model", "layers", "3", "conv", "name"], "stem")]
        for kind in ModelSpec.Layer.kinds {
            guard let index = layers.firstIndex(where: { kind.encode($0) != nil }) else { continue }
            samples += kind.samples.map { $0.below(String(index)).below("layers").below("model") }
        }
        return samples
    }()

    @Test(arguments: samples.map(\.overrides))
    func eachSampleChangesTheIdentityAndRoundTrips(sets: [String]) throws {
        let before = try Self.decode(sets.dropLast())
        let after = try Self.decode(sets)
        #expect(after.identity.configHash != before.identity.configHash)
        #expect(try Experiment.decode(text: after.identity.canonicalText, path: "config.yaml") == after)
    }

    @Test func theBaseHasEveryLayerKind() throws {
        let layers = try Self.decode([]).model.layers
        for kind in ModelSpec.Layer.kinds {
            #expect(layers.contains { kind.encode($0) != nil }, "no \(kind.name) layer in the base")
        }
    }

    /// Counted when the tables were written, so that an empty walk cannot pass: 43 key paths
    /// outside the layers and 24 in them.
    @Test func theWalkVisitsEveryKeyPath() {
        let keyPaths = Set(Self.samples.compactMap { $0.settings.last.map { dotted($0.keyPath) } })
        #expect(keyPaths.count >= 67)
        for keyPath in ["seed", "data.validation.shuffle", "train.optimizer.sgd.nesterov",
                        "train.learning_rate.step.factor", "train.optimizer.sgd.momentum.linear.to",
                        "model.layers.3.conv.init.bias", "model.layers.8.maxpool.stride", "model.layers.12.dropout.rate",
                        "model.layers.4.batchnorm.epsilon", "model.layers.7.avgpool.padding", "model.layers.5.leaky_relu.slope",
                        "model.layers.0.add.inputs", "model.layers.3.conv.name"] {
            #expect(keyPaths.contains(keyPath), "\(keyPath) is not sampled")
        }
    }

    @Test func theIdentityAgreesWithTheAccessors() throws {
        let experiment = try Self.decode([])
        let identity = experiment.identity
        #expect(identity.canonicalText == experiment.canonicalText)
        #expect(identity.canonicalText == experiment.canonicalNode.yamlText())
        #expect(identity.configHash == experiment.configHash)
        #expect(identity.configHash.count == 64 && identity.configHash.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(identity.runID == experiment.runID)
        #expect(identity.runID == "base-" + identity.configHash.prefix(8))
    }
}
