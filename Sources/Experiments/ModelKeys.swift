import Engine
import YAML

extension ModelSpec {
    /// `model`: the initializer every conv and dense layer starts from, and the layers.
    static let keys = KeyTable<ModelSpec>(expected: "a mapping with init and layers", [
        Key("init", table: InitializerOverride.keys,
            decode: { model, value, path, decoding throws(Diagnostic) in
                let override = try InitializerOverride.keys.decode(value, path, from: InitializerOverride(),
                                                                   decoding: decoding)
                model.initializer = override.applied(to: Defaults.initializer)
            },
            encode: { model in
                let initializer = model.initializer
                return InitializerOverride.keys.encode(InitializerOverride(scheme: initializer.scheme,
                                                                           distribution: initializer.distribution,
                                                                           bias: initializer.bias))
            }),
        // The layer kinds' own keys are sampled over the identity test's network.
        Key("layers", required: "layers: [flatten, {dense: 30}]", sample: "[flatten, {dense: 30}]",
            decode: { model, value, path, decoding throws(Diagnostic) in
                model.layers = try decoding.layers(value, path)
            },
            encode: { model in
                sequence(model.layers.map(\.canonicalNode))
            }),
    ])
}

extension InitializerOverride {
    /// `model.init` and a conv or dense layer's `init`: any subset of the three.
    static let keys = KeyTable<InitializerOverride>(expected: "a mapping like {weights: he, distribution: normal, bias: 0}", [
        Key("weights", sample: "he",
            decode: { override, value, path, decoding throws(Diagnostic) in
                override.scheme = try decoding.choice(value, path, what: "initializer", synonyms: initializerSynonyms)
            },
            encode: { override in override.scheme.map { plain($0.rawValue) } }),
        Key("distribution", sample: "normal",
            decode: { override, value, path, decoding throws(Diagnostic) in
                override.distribution = try decoding.choice(value, path, what: "distribution", synonyms: initializerSynonyms)
            },
            encode: { override in override.distribution.map { plain($0.rawValue) } }),
        Key("bias", sample: "0.5",
            decode: { override, value, path, decoding throws(Diagnostic) in
                override.bias = Float(try decoding.number(value, path))
            },
            encode: { override in override.bias.map { plain("\($0)") } }),
    ])
}

/// The settings of a layer with weights (conv, dense), which may override parts of the
/// model's initializer.
protocol OverridesInitializer {
    var initializer: InitializerOverride { get set }
}

extension Key where Spec: OverridesInitializer {
    /// A layer's `init`, left out of the canonical form when it overrides nothing.
    static var initializer: Key {
        Key("init", table: InitializerOverride.keys,
            decode: { settings, value, path, decoding throws(Diagnostic) in
                settings.initializer = try InitializerOverride.keys.decode(value, path, from: InitializerOverride(),
                                                                           decoding: decoding)
            },
            encode: { settings in
                settings.initializer.isEmpty ? nil : InitializerOverride.keys.encode(settings.initializer)
            })
    }
}
