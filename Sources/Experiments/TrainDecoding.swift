import Engine
import Faces
import YAML

extension Decoding {
    static let trainKeys = ["epochs", "batch_size", "shuffle", "last_batch", "optimizer", "learning_rate", "l2",
                            "early_stopping", "max_wall_time", "diagnostics"]

    func train(_ node: Node, _ path: [String]) throws(Diagnostic) -> TrainSpec {
        let fields = try Fields(node, path, allowed: Self.trainKeys, expected: "a mapping of training settings",
                                decoding: self)
        let epochs = try integer(fields.required("epochs", example: "epochs: 100", decoding: self),
                                 fields.path("epochs"), atLeast: 1)
        var spec = TrainSpec(epochs: epochs)
        if let optimizer = fields["optimizer"] {
            spec.optimizer = try self.optimizer(optimizer, fields.path("optimizer"))
        }
        if let rate = fields["learning_rate"] {
            spec.learningRate = try schedule(rate, fields.path("learning_rate"), what: "learning rate",
                                             allowed: ["linear", "step", "cosine"], start: ("greater than 0", { $0 > 0 }),
                                             end: ("at least 0", { $0 >= 0 }))
        } else {
            spec.learningRate = .constant(Defaults.learningRate(for: spec.optimizer))
        }
        if let batch = fields["batch_size"] {
            spec.batchSize = try integer(batch, fields.path("batch_size"), atLeast: 1)
        }
        if let shuffle = fields["shuffle"] {
            spec.shuffle = try boolean(shuffle, fields.path("shuffle"))
        }
        if let last = fields["last_batch"] {
            spec.lastBatch = try choice(last, fields.path("last_batch"), what: "last_batch policy")
        }
        if let l2 = fields["l2"] {
            spec.l2 = try number(l2, fields.path("l2"), rule: "at least 0") { $0 >= 0 }
        }
        if let stopping = fields["early_stopping"] {
            spec.earlyStopping = try earlyStopping(stopping, fields.path("early_stopping"))
        }
        if let time = fields["max_wall_time"] {
            spec.maxWallTime = try seconds(time, fields.path("max_wall_time"))
        }
        if let diagnostics = fields["diagnostics"] {
            spec.diagnostics = try boolean(diagnostics, fields.path("diagnostics"))
        }
        return spec
    }

    /// `sgd`, `adam`, `{sgd: {momentum: 0.9, form: nesterov}}`, `{sgd: {momentum: 0.9, nesterov: true}}`,
    /// `{adam: {beta1: 0.9, beta2: 0.999, epsilon: 1e-8}}`.
    func optimizer(_ node: Node, _ path: [String]) throws(Diagnostic) -> OptimizerSpec {
        let synonyms = ["momentum": "sgd", "nesterov": "sgd"]
        let name: String, settings: Node?
        if node.scalar != nil {
            name = try choice(node, path, what: "optimizer", among: OptimizerSpec.names, synonyms: synonyms)
            settings = nil
        } else if let pairs = node.mapping, pairs.count == 1 {
            name = try choice(pairs[0].key, path, what: "optimizer", among: OptimizerSpec.names, synonyms: synonyms)
            settings = pairs[0].value
        } else {
            throw error("expected an optimizer: sgd, adam, {sgd: {momentum: 0.9, form: nesterov}} or {adam: {…}}; "
                        + "found \(node.kindDescription)", at: node, path: path)
        }
        let settingsPath = path + [name]
        if name == "adam" {
            let fields = try Fields(settings ?? Node(.scalar(Node.Scalar(text: "")), mark: node.mark), settingsPath,
                                    allowed: ["beta1", "beta2", "epsilon"],
                                    expected: "a mapping like {beta1: 0.9, beta2: 0.999, epsilon: 1e-8}", decoding: self)
            func beta(_ key: String, _ fallback: Double) throws(Diagnostic) -> Double {
                try fields[key].map { node throws(Diagnostic) in
                    try number(node, fields.path(key), rule: "at least 0 and less than 1") { $0 >= 0 && $0 < 1 }
                } ?? fallback
            }
            let epsilon = try fields["epsilon"].map { node throws(Diagnostic) in
                try number(node, fields.path("epsilon"), rule: "greater than 0") { $0 > 0 }
            } ?? Defaults.adamEpsilon
            return .adam(beta1: try beta("beta1", Defaults.adamBeta1), beta2: try beta("beta2", Defaults.adamBeta2),
                         epsilon: epsilon)
        }
        let fields = try Fields(settings ?? Node(.scalar(Node.Scalar(text: "")), mark: node.mark), settingsPath,
                                allowed: ["momentum", "form", "nesterov"],
                                expected: "a mapping like {momentum: 0.9, form: classic}", decoding: self)
        var form = try fields["form"].map { node throws(Diagnostic) -> OptimizerSpec.Momentum.Form in
            try choice(node, fields.path("form"), what: "momentum form", synonyms: ["lagged": "ema-lagged"])
        }
        if let nesterovNode = fields["nesterov"], try boolean(nesterovNode, fields.path("nesterov")) {
            if let form, form != .nesterov {
                throw error("nesterov: true contradicts form: \(form.rawValue); keep one of them",
                            at: nesterovNode, path: fields.path("nesterov"))
            }
            form = .nesterov
        }
        guard let momentum = fields["momentum"] else {
            if let key = fields.keyNode("form") ?? fields.keyNode("nesterov"), form != nil {
                throw error("a momentum form needs a momentum, e.g. {sgd: {momentum: 0.9, form: \(form!.rawValue)}}",
                            at: key, path: settingsPath)
            }
            return .sgd(momentum: nil)
        }
        let coefficient = try schedule(momentum, fields.path("momentum"), what: "momentum", allowed: ["linear"],
                                       start: ("at least 0 and less than 1", { $0 >= 0 && $0 < 1 }),
                                       end: ("at least 0 and less than 1", { $0 >= 0 && $0 < 1 }))
        return .sgd(momentum: OptimizerSpec.Momentum(coefficient, form: form ?? Defaults.momentumForm))
    }

    /// A constant, or one of the `allowed` schedules. `start` checks constants and `from`
    /// values, `end` checks `to` values (a learning rate may decay to 0 but not start there).
    func schedule(_ node: Node, _ path: [String], what: String, allowed: [String],
                  start: (rule: String, check: (Double) -> Bool),
                  end: (rule: String, check: (Double) -> Bool)) throws(Diagnostic) -> Schedule {
        if node.scalar != nil {
            return .constant(try number(node, path, name: what, rule: start.rule, start.check))
        }
        let shapes = allowed.map { "{\($0): {…}}" }
        guard let pairs = node.mapping, pairs.count == 1 else {
            throw error("expected a number or a schedule (\(listing(shapes))), found \(node.kindDescription)",
                        at: node, path: path)
        }
        let kind = try choice(pairs[0].key, path, what: "\(what) schedule", among: allowed)
        let schedulePath = path + [kind]
        let keys = ["linear": ["from", "to"], "step": ["from", "every", "factor"], "cosine": ["from", "to"]][kind]!
        let example = ["linear": "{linear: {from: 0.03, to: 0.0001}}", "step": "{step: {from: 0.01, every: 10, factor: 0.5}}",
                       "cosine": "{cosine: {from: 0.01, to: 0}}"][kind]!
        let fields = try Fields(pairs[0].value, schedulePath, allowed: keys, expected: "a mapping like \(example)",
                                decoding: self)
        let from = try number(fields.required("from", example: example, decoding: self), fields.path("from"),
                              name: "\(what) 'from'", rule: start.rule, start.check)
        switch kind {
        case "step":
            let every = try integer(fields.required("every", example: example, decoding: self), fields.path("every"),
                                    atLeast: 1)
            let factor = try number(fields.required("factor", example: example, decoding: self), fields.path("factor"),
                                    rule: "greater than 0") { $0 > 0 }
            return .step(from: from, every: every, factor: factor)
        case "cosine":
            let to = try fields["to"].map { node throws(Diagnostic) in
                try number(node, fields.path("to"), name: "\(what) 'to'", rule: end.rule, end.check)
            } ?? 0
            return .cosine(from: from, to: to)
        default:
            let to = try number(fields.required("to", example: example, decoding: self), fields.path("to"),
                                name: "\(what) 'to'", rule: end.rule, end.check)
            return .linear(from: from, to: to)
        }
    }

    /// `{patience: 10, min_delta: 0.0001}` or just the patience, `early_stopping: 10`.
    private func earlyStopping(_ node: Node, _ path: [String]) throws(Diagnostic) -> TrainSpec.EarlyStopping {
        if node.scalar != nil {
            return TrainSpec.EarlyStopping(patience: try integer(node, path, atLeast: 1, name: "patience"))
        }
        let fields = try Fields(node, path, allowed: ["patience", "min_delta"],
                                expected: "a mapping like {patience: 10, min_delta: 0}", decoding: self)
        let patience = try integer(fields.required("patience", example: "early_stopping: {patience: 10}", decoding: self),
                                   fields.path("patience"), atLeast: 1)
        let minDelta = try fields["min_delta"].map { node throws(Diagnostic) in
            try number(node, fields.path("min_delta"), rule: "at least 0") { $0 >= 0 }
        } ?? Defaults.earlyStoppingMinDelta
        return TrainSpec.EarlyStopping(patience: patience, minDelta: minDelta)
    }

    /// Seconds as a number (`5400`) or with a unit (`90s`, `30m`, `1.5h`).
    private func seconds(_ node: Node, _ path: [String]) throws(Diagnostic) -> Double {
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
