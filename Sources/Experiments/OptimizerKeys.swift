import Engine
import YAML

extension OptimizerSpec {
    /// `sgd` (also called momentum or nesterov elsewhere) and `adam`.
    static let kinds: [Kind<OptimizerSpec>] = [.sgd, .adam]
}

extension Kind where Spec == OptimizerSpec {
    /// `sgd`, `{sgd: {momentum: 0.9, form: nesterov}}`, `{sgd: {momentum: 0.9, nesterov: true}}`.
    static var sgd: Kind {
        Kind("sgd", synonyms: ["momentum", "nesterov"], keys: SGDSettings.keys, sampleContext: "{sgd: {momentum: 0.9}}",
             decode: { settings, path, decoding throws(Diagnostic) in
                 let fields = try SGDSettings.keys.fields(settings, path, decoding: decoding)
                 var sgd = SGDSettings()
                 try SGDSettings.keys.decode(fields, into: &sgd, decoding: decoding)
                 // The rule between the keys: a form needs a momentum.
                 guard let momentum = sgd.momentum else {
                     if let form = sgd.form, let key = fields.keyNode("form") ?? fields.keyNode("nesterov") {
                         let example = "{sgd: {momentum: 0.9, form: \(form.rawValue)}}"
                         throw decoding.error("a momentum form needs a momentum, e.g. \(example)", at: key, path: path)
                     }
                     return .sgd(momentum: nil)
                 }
                 return .sgd(momentum: OptimizerSpec.Momentum(momentum, form: sgd.form ?? Defaults.momentumForm))
             },
             encode: { optimizer in
                 guard case .sgd(let momentum) = optimizer else { return nil }
                 return SGDSettings.keys.encode(SGDSettings(momentum: momentum?.coefficient, form: momentum?.form))
             })
    }

    /// `adam`, `{adam: {beta1: 0.9, beta2: 0.999, epsilon: 1e-8}}`.
    static var adam: Kind {
        Kind("adam", keys: AdamSettings.keys, sampleContext: "{adam: {}}",
             decode: { settings, path, decoding throws(Diagnostic) in
                 let adam = try AdamSettings.keys.decode(settings, path, from: AdamSettings(), decoding: decoding)
                 return .adam(beta1: adam.beta1, beta2: adam.beta2, epsilon: adam.epsilon)
             },
             encode: { optimizer in
                 guard case .adam(let beta1, let beta2, let epsilon) = optimizer else { return nil }
                 return AdamSettings.keys.encode(AdamSettings(beta1: beta1, beta2: beta2, epsilon: epsilon))
             })
    }
}

/// SGD's settings as the file gives them: no momentum is plain SGD, and a form needs a momentum.
struct SGDSettings {
    var momentum: Schedule?
    var form: OptimizerSpec.Momentum.Form?

    static let keys = KeyTable<SGDSettings>(expected: "a mapping like {momentum: 0.9, form: classic}", [
        Key("momentum", kinds: ScheduledValue.momentum.kinds, samples: ["0.5"],
            decode: { sgd, value, path, decoding throws(Diagnostic) in
                sgd.momentum = try decoding.schedule(value, path, of: .momentum)
            },
            encode: { sgd in sgd.momentum.map { $0.canonicalNode(of: .momentum) } }),
        Key("form", sample: "ema",
            decode: { sgd, value, path, decoding throws(Diagnostic) in
                sgd.form = try decoding.choice(value, path, what: "momentum form", synonyms: ["lagged": "ema-lagged"])
            },
            encode: { sgd in sgd.form.map { plain($0.rawValue) } }),
        // After `form`, which it must agree with; written as `form: nesterov`.
        Key("nesterov", sample: "true",
            decode: { sgd, value, path, decoding throws(Diagnostic) in
                guard try decoding.boolean(value, path) else { return }
                if let form = sgd.form, form != .nesterov {
                    throw decoding.error("nesterov: true contradicts form: \(form.rawValue); keep one of them",
                                         at: value, path: path)
                }
                sgd.form = .nesterov
            },
            encode: { _ in nil }),
    ])
}

/// Adam's settings; each has a default.
struct AdamSettings {
    var beta1 = Defaults.adamBeta1
    var beta2 = Defaults.adamBeta2
    var epsilon = Defaults.adamEpsilon

    static let keys = KeyTable<AdamSettings>(expected: "a mapping like {beta1: 0.9, beta2: 0.999, epsilon: 1e-8}", [
        .number("beta1", \.beta1, rule: "at least 0 and less than 1", sample: "0.8") { $0 >= 0 && $0 < 1 },
        .number("beta2", \.beta2, rule: "at least 0 and less than 1", sample: "0.99") { $0 >= 0 && $0 < 1 },
        .number("epsilon", \.epsilon, rule: "greater than 0", sample: "1e-6") { $0 > 0 },
    ])
}

extension Decoding {
    /// `sgd`, `adam`, `{sgd: {…}}` or `{adam: {…}}`; the bare name takes every default.
    func optimizer(_ node: Node, _ path: [String]) throws(Diagnostic) -> OptimizerSpec {
        let kinds = OptimizerSpec.kinds
        let names = kinds.map(\.name), synonyms = Kind.synonyms(among: kinds)
        let name: String, settings: Node?
        if node.scalar != nil {
            name = try choice(node, path, what: "optimizer", among: names, synonyms: synonyms)
            settings = nil
        } else if let pairs = node.mapping, pairs.count == 1 {
            name = try choice(pairs[0].key, path, what: "optimizer", among: names, synonyms: synonyms)
            settings = pairs[0].value
        } else {
            throw error("expected an optimizer: sgd, adam, {sgd: {momentum: 0.9, form: nesterov}} or {adam: {…}}; "
                        + "found \(node.kindDescription)", at: node, path: path)
        }
        let kind = kinds.first { $0.name == name }!
        return try kind.decode(settings ?? Node(.scalar(Node.Scalar(text: "")), mark: node.mark), path + [name], self)
    }
}
