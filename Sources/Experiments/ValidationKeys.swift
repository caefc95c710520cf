import Faces
import YAML

extension ValidationSplit {
    /// `data.validation`: either `holdout` (the last N rows) or `fraction` with `shuffle`.
    static let keys = KeyTable<ValidationSplit>(expected: "{holdout: N} or {fraction: f, shuffle: true}", [
        Key("holdout", sample: "100",
            decode: { split, value, path, decoding throws(Diagnostic) in
                split = .holdout(try decoding.integer(value, path, atLeast: 1))
            },
            encode: { split in
                guard case .holdout(let rows) = split else { return nil }
                return plain("\(rows)")
            }),
        Key("fraction", sample: "0.2",
            decode: { split, value, path, decoding throws(Diagnostic) in
                let fraction = try decoding.number(value, path, rule: "greater than 0 and less than 1") { $0 > 0 && $0 < 1 }
                split = .fraction(fraction, shuffle: Defaults.validationShuffle)
            },
            encode: { split in
                guard case .fraction(let fraction, _) = split else { return nil }
                return plain("\(fraction)")
            }),
        // After `fraction`, which it changes.
        Key("shuffle", sample: "false", after: [("fraction", "0.2")],
            decode: { split, value, path, decoding throws(Diagnostic) in
                guard case .fraction(let fraction, _) = split else { return }
                split = .fraction(fraction, shuffle: try decoding.boolean(value, path))
            },
            encode: { split in
                guard case .fraction(_, let shuffle) = split else { return nil }
                return plain("\(shuffle)")
            }),
    ])
}

extension Decoding {
    /// The rules between the keys come first: one of holdout and fraction, and shuffle only
    /// with fraction.
    func validation(_ node: Node, _ path: [String]) throws(Diagnostic) -> ValidationSplit {
        let fields = try ValidationSplit.keys.fields(node, path, decoding: self)
        switch (fields["holdout"], fields["fraction"]) {
        case (_?, nil):
            if let shuffle = fields.keyNode("shuffle") {
                throw error("shuffle goes with fraction; holdout always takes the last rows in file order",
                            at: shuffle, path: fields.path("shuffle"))
            }
        case (nil, _?):
            break
        case (_?, _?):
            throw error("give either holdout (the last N rows) or fraction, not both",
                        at: fields.keyNode("fraction") ?? node, path: fields.path("fraction"))
        case (nil, nil):
            throw error("validation needs holdout or fraction, e.g. {holdout: 400} or {fraction: 0.2, shuffle: true}",
                        at: node, path: path)
        }
        var split = Defaults.validation
        try ValidationSplit.keys.decode(fields, into: &split, decoding: self)
        return split
    }
}
