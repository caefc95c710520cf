import Faces
import YAML

extension DataSpec {
    /// `data`: where the faces come from (`train` or `synthetic`, not both) and how they are
    /// split, filtered and augmented.
    static let keys = KeyTable<DataSpec>(expected: "a mapping of data settings", [
        Key("train", sample: "faces.csv",
            decode: { data, value, path, decoding throws(Diagnostic) in
                data.source = .file(path: decoding.absolutePath(try decoding.string(value, path), at: path))
            },
            encode: { data in
                guard case .file(let path) = data.source else { return nil }
                return string(path)
            }),
        Key("synthetic", table: SyntheticFaces.keys,
            decode: { data, value, path, decoding throws(Diagnostic) in
                data.source = .synthetic(try SyntheticFaces.keys.decode(value, path, from: Defaults.syntheticFaces,
                                                                        decoding: decoding))
            },
            encode: { data in
                guard case .synthetic(let faces) = data.source else { return nil }
                return SyntheticFaces.keys.encode(faces)
            }),
        Key("validation", table: ValidationSplit.keys,
            decode: { data, value, path, decoding throws(Diagnostic) in
                data.validation = try decoding.validation(value, path)
            },
            encode: { data in ValidationSplit.keys.encode(data.validation) }),
        .choice("rows", \.rows, what: "row selection", sample: "complete"),
        .choice("missing", \.missing, what: "missing-value policy", sample: "drop"),
        Key("augment", table: Augment.keys,
            decode: { data, value, path, decoding throws(Diagnostic) in
                data.augment = try Augment.keys.decode(value, path, from: Augment(), decoding: decoding)
            },
            encode: { data in Augment.keys.encode(data.augment) }),
    ])
}

extension DataSpec.Augment {
    /// `data.augment`. The transforms are left out of the canonical form when not set, so
    /// that adding them changed no existing run's identity.
    static let keys = KeyTable<DataSpec.Augment>(expected: "a mapping like {flip: true, shift: 4}", [
        .boolean("flip", \.flip, sample: "true"),
        .transform("shift", \.transforms.shift, what: "shift in pixels", largest: 48, sample: "4"),
        .transform("rotate", \.transforms.rotate, what: "rotation in degrees", largest: 180, sample: "15"),
        // 1 ± amount must stay a positive factor.
        .transform("scale", \.transforms.scale, what: "relative scale", largest: 0.9, sample: "0.1"),
        .transform("brightness", \.transforms.brightness, what: "brightness change", largest: 1, sample: "0.1"),
        .transform("contrast", \.transforms.contrast, what: "relative contrast change", largest: 0.9, sample: "0.2"),
    ])
}

extension Key where Spec == DataSpec.Augment {
    /// A random transform: `shift: 4` (always, ±4) or `shift: {amount: 4, probability: 0.5}`.
    static func transform(_ name: String, _ field: WritableKeyPath<DataSpec.Augment, TransformRange?> & Sendable,
                          what: String, largest: Double, sample: String) -> Key {
        let rule = "at least 0 and at most \(largest == largest.rounded() ? "\(Int(largest))" : "\(largest)")"
        return Key(name, sample: sample,
                   decode: { spec, value, path, decoding throws(Diagnostic) in
                       // The amount, alone or in the mapping, is checked against this transform's range.
                       func amount(_ node: Node, _ path: [String]) throws(Diagnostic) -> Float {
                           Float(try decoding.number(node, path, name: what, rule: rule) { (0 ... largest).contains($0) })
                       }
                       guard value.mapping != nil else {
                           spec[keyPath: field] = TransformRange(amount: try amount(value, path))
                           return
                       }
                       let fields = try TransformRange.keys.fields(value, path, decoding: decoding)
                       var range = TransformRange.Fields()
                       try TransformRange.keys.decode(fields, into: &range, decoding: decoding)
                       guard let amountNode = fields["amount"] else {
                           throw decoding.error("missing required key 'amount' in '\(path.joined(separator: "."))' "
                                                + "(e.g. \(name): {amount: \(sample), probability: 0.5})", at: value, path: path)
                       }
                       spec[keyPath: field] = TransformRange(amount: try amount(amountNode, fields.path("amount")),
                                                             probability: Float(range.probability))
                   },
                   encode: { spec in
                       spec[keyPath: field].map { TransformRange.keys.encode(TransformRange.Fields($0)) }
                   })
    }
}

extension TransformRange {
    /// What `{amount: …, probability: …}` decodes into before it is checked.
    struct Fields: Sendable {
        var amount: Double?
        var probability: Double = 1

        init() {}
        init(_ range: TransformRange) {
            amount = Double(range.amount)
            probability = Double(range.probability)
        }
    }

    /// `data.augment.shift` and its siblings as a mapping.
    static let keys = KeyTable<Fields>(expected: "a mapping like {amount: 4, probability: 0.5}", [
        Key("amount", sample: "2",
            decode: { range, value, path, decoding throws(Diagnostic) in
                range.amount = try decoding.number(value, path)
            },
            encode: { range in range.amount.map { plain("\(Float($0))") } }),
        Key("probability", sample: "0.5",
            decode: { range, value, path, decoding throws(Diagnostic) in
                range.probability = try decoding.number(value, path, name: "probability", rule: "between 0 and 1") {
                    (0 ... 1).contains($0)
                }
            },
            encode: { range in plain("\(Float(range.probability))") }),
    ])
}

extension SyntheticFaces {
    /// `data.synthetic`; every key has a default (`Defaults.syntheticFaces`).
    static let keys = KeyTable<SyntheticFaces>(expected: "a mapping like {count: 2000, seed: 1}", [
        .integer("count", \.count, atLeast: 2, sample: "500"),
        Key("seed", sample: "2",
            decode: { faces, value, path, decoding throws(Diagnostic) in
                faces.seed = try decoding.seed(value, path)
            },
            encode: { faces in plain("\(faces.seed)") }),
        .boolean("missing_labels", \.missingLabels, sample: "true"),
    ])
}

extension Decoding {
    /// The rule between the keys first: `train` and `synthetic` exclude each other.
    func data(_ node: Node, _ path: [String]) throws(Diagnostic) -> DataSpec {
        let fields = try DataSpec.keys.fields(node, path, decoding: self)
        if fields["train"] != nil, let synthetic = fields.keyNode("synthetic"), fields["synthetic"] != nil {
            throw error("data.train and data.synthetic exclude each other; remove one "
                        + "(on the command line: --set data.synthetic=null)", at: synthetic, path: fields.path("synthetic"))
        }
        var data = DataSpec()
        try DataSpec.keys.decode(fields, into: &data, decoding: self)
        try checkRowsLeft(by: data, isSplitWritten: fields["validation"] != nil, in: node, path)
        return data
    }
}
