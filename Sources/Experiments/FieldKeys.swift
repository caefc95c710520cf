import YAML

/// Keys that hold one field of the spec as a plain value — most keys. Each decodes with the
/// `Decoding` reader its name says and writes the field back plain.
extension Key {
    /// An integer of at least `minimum` (`epochs: 100`).
    static func integer(_ name: String, _ field: WritableKeyPath<Spec, Int> & Sendable, atLeast minimum: Int,
                        required: String? = nil, sample: String) -> Key {
        Key(name, required: required, sample: sample,
            decode: { spec, value, path, decoding throws(Diagnostic) in
                spec[keyPath: field] = try decoding.integer(value, path, atLeast: minimum)
            },
            encode: { spec in plain("\(spec[keyPath: field])") })
    }

    /// `true` or `false`.
    static func boolean(_ name: String, _ field: WritableKeyPath<Spec, Bool> & Sendable, sample: String) -> Key {
        Key(name, sample: sample,
            decode: { spec, value, path, decoding throws(Diagnostic) in
                spec[keyPath: field] = try decoding.boolean(value, path)
            },
            encode: { spec in plain("\(spec[keyPath: field])") })
    }

    /// A number that `allows` accepts; `rule` says which in words ("at least 0"), and `called`
    /// what messages call the number when not by the key's name ("learning rate 'from'").
    static func number(_ name: String, _ field: WritableKeyPath<Spec, Double> & Sendable, called: String? = nil,
                       rule: String, required: String? = nil, sample: String,
                       allows: @escaping @Sendable (Double) -> Bool) -> Key {
        Key(name, required: required, sample: sample,
            decode: { spec, value, path, decoding throws(Diagnostic) in
                spec[keyPath: field] = try decoding.number(value, path, name: called, rule: rule, allows)
            },
            encode: { spec in plain("\(spec[keyPath: field])") })
    }

    /// One of the names of `Value`'s cases; `what` names the set in "unknown row selection 'x'".
    static func choice<Value: RawRepresentable & CaseIterable>(_ name: String, _ field: WritableKeyPath<Spec, Value> & Sendable,
                                                               what: String, sample: String) -> Key
    where Value.RawValue == String {
        Key(name, sample: sample,
            decode: { spec, value, path, decoding throws(Diagnostic) in
                spec[keyPath: field] = try decoding.choice(value, path, what: what)
            },
            encode: { spec in plain(spec[keyPath: field].rawValue) })
    }

    /// `name:`, which names the results folder (an experiment's or a cascade's).
    static func experimentName(_ field: WritableKeyPath<Spec, String> & Sendable) -> Key {
        Key("name", sample: "renamed",
            decode: { spec, value, path, decoding throws(Diagnostic) in
                spec[keyPath: field] = try decoding.experimentName(value, path)
            },
            encode: { spec in string(spec[keyPath: field]) })
    }

    /// `train:`, required, with its table (`TrainSpec.keys`).
    static func trainSettings(_ field: WritableKeyPath<Spec, TrainSpec> & Sendable, example: String) -> Key {
        Key("train", required: example, table: TrainSpec.keys,
            decode: { spec, value, path, decoding throws(Diagnostic) in
                spec[keyPath: field] = try decoding.train(value, path)
            },
            encode: { spec in TrainSpec.keys.encode(spec[keyPath: field]) })
    }

    /// `seed:`, written `null` when it is drawn as the run starts.
    static func seed(_ field: WritableKeyPath<Spec, UInt64?> & Sendable) -> Key {
        Key("seed", sample: "7",
            decode: { spec, value, path, decoding throws(Diagnostic) in
                spec[keyPath: field] = try decoding.seed(value, path)
            },
            encode: { spec in spec[keyPath: field].map { plain("\($0)") } ?? null })
    }
}
