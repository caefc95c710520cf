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
    /// `data.augment`.
    static let keys = KeyTable<DataSpec.Augment>(expected: "a mapping like {flip: true}", [
        .boolean("flip", \.flip, sample: "true"),
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
