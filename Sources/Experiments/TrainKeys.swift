import Engine
import Faces
import YAML

extension TrainSpec {
    /// `train`. The learning rate's default depends on the optimizer (`train(_:_:)`).
    static let keys = KeyTable<TrainSpec>(expected: "a mapping of training settings", [
        .integer("epochs", \.epochs, atLeast: 1, required: "epochs: 100", sample: "3"),
        .integer("batch_size", \.batchSize, atLeast: 1, sample: "64"),
        .boolean("shuffle", \.shuffle, sample: "false"),
        .choice("last_batch", \.lastBatch, what: "last_batch policy", sample: "drop"),
        Key("optimizer", kinds: OptimizerSpec.kinds, samples: ["adam"],
            decode: { train, value, path, decoding throws(Diagnostic) in
                train.optimizer = try decoding.optimizer(value, path)
            },
            encode: { train in Kind.canonicalNode(of: train.optimizer, among: OptimizerSpec.kinds) }),
        Key("learning_rate", kinds: ScheduledValue.learningRate.kinds, samples: ["0.05"],
            decode: { train, value, path, decoding throws(Diagnostic) in
                train.learningRate = try decoding.schedule(value, path, of: .learningRate)
            },
            encode: { train in train.learningRate.canonicalNode(of: .learningRate) }),
        .number("l2", \.l2, rule: "at least 0", sample: "0.001") { $0 >= 0 },
        Key("early_stopping", table: EarlyStopping.keys, context: "{patience: 10}", samples: ["10"],
            decode: { train, value, path, decoding throws(Diagnostic) in
                train.earlyStopping = try decoding.earlyStopping(value, path)
            },
            encode: { train in train.earlyStopping.map(EarlyStopping.keys.encode) ?? null }),
        Key("max_wall_time", sample: "2h",
            decode: { train, value, path, decoding throws(Diagnostic) in
                train.maxWallTime = try decoding.seconds(value, path)
            },
            encode: { train in train.maxWallTime.map { plain("\($0)") } ?? null }),
        .boolean("diagnostics", \.diagnostics, sample: "true"),
        // Left out of the canonical form when none, so runs from before the key keep their identity.
        Key("tta", sample: "flip",
            decode: { train, value, path, decoding throws(Diagnostic) in
                train.tta = try decoding.choice(value, path, what: "test-time augmentation")
            },
            encode: { train in train.tta == .none ? nil : plain(train.tta.rawValue) }),
    ])
}

extension TrainSpec.EarlyStopping {
    /// `train.early_stopping` as a mapping; `early_stopping: 10` is the patience alone.
    static let keys = KeyTable<TrainSpec.EarlyStopping>(expected: "a mapping like {patience: 10, min_delta: 0}", [
        .integer("patience", \.patience, atLeast: 1, required: "early_stopping: {patience: 10}", sample: "5"),
        .number("min_delta", \.minDelta, rule: "at least 0", sample: "0.01") { $0 >= 0 },
    ])
}

extension Decoding {
    func train(_ node: Node, _ path: [String]) throws(Diagnostic) -> TrainSpec {
        let fields = try TrainSpec.keys.fields(node, path, decoding: self)
        // The placeholder epochs are replaced: the key is required.
        var train = TrainSpec(epochs: 1)
        try TrainSpec.keys.decode(fields, into: &train, decoding: self)
        if fields["learning_rate"] == nil {
            train.learningRate = .constant(Defaults.learningRate(for: train.optimizer))
        }
        return train
    }

    /// `{patience: 10, min_delta: 0.0001}` or just the patience, `early_stopping: 10`.
    fileprivate func earlyStopping(_ node: Node, _ path: [String]) throws(Diagnostic) -> TrainSpec.EarlyStopping {
        if node.scalar != nil {
            return TrainSpec.EarlyStopping(patience: try integer(node, path, atLeast: 1, name: "patience"))
        }
        // The placeholder patience is replaced: the key is required.
        return try TrainSpec.EarlyStopping.keys.decode(node, path, from: TrainSpec.EarlyStopping(patience: 1),
                                                       decoding: self)
    }

    /// Seconds as a number (`5400`) or with a unit (`90s`, `30m`, `1.5h`).
    fileprivate func seconds(_ node: Node, _ path: [String]) throws(Diagnostic) -> Double {
        let rule = "a positive number of seconds or a duration like 90s, 30m or 2h"
        if let scalar = node.scalar, let unit = scalar.text.last, let scale = ["s": 1.0, "m": 60, "h": 3600][unit],
           let value = parseNumber(String(scalar.text.dropLast())) {
            guard value > 0 else { throw error("max_wall_time must be \(rule), found \(scalar.text)", at: node, path: path) }
            return value * scale
        }
        guard let scalar = node.scalar, scalar.isPlain, let value = parseNumber(scalar.text) else {
            throw error("expected \(rule), found \(found(node, numberExpected: false))", at: node, path: path)
        }
        guard value > 0 else { throw error("max_wall_time must be \(rule), found \(scalar.text)", at: node, path: path) }
        return value
    }
}
