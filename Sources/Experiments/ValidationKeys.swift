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

extension Decoding {
    /// Synthetic faces are counted before they are drawn, so a split that leaves no training
    /// row (or no validation row) is an error here, at the split, in `check` as in `run`.
    /// A holdout of at least the count always does; a fraction is checked when every face
    /// takes part (no labels left out, or rows with missing labels kept). A data file's rows
    /// are counted when it is read.
    ///
    /// - Parameter isSplitWritten: whether `data.validation` is given; when it is not, the
    ///   default holdout is at fault only through the count, which is where the error points.
    func checkRowsLeft(by data: DataSpec, isSplitWritten: Bool, in node: Node, _ path: [String]) throws(Diagnostic) {
        guard case .synthetic(let faces) = data.source else { return }
        let everyFaceTakesPart = !faces.missingLabels || (data.rows == .all && data.missing == .mask)
        let faceCount = "the \(faces.count) synthetic faces"
        switch data.validation {
        case .holdout(let rows) where rows >= faces.count:
            guard isSplitWritten else {
                let countPath = ["synthetic", "count"]
                throw error("the default holdout of \(rows) leaves no training rows of \(faceCount); generate more "
                            + "than \(rows) faces or set data.validation", at: node.located(along: countPath), path: path + countPath)
            }
            let keyPath = ["validation", "holdout"]
            throw error("holdout \(rows) leaves no training rows of \(faceCount); hold out fewer than \(faces.count)",
                        at: node.located(along: keyPath), path: path + keyPath)
        case .fraction(let fraction, _) where everyFaceTakesPart:
            let rows = Int((fraction * Double(faces.count)).rounded())
            guard rows == 0 || rows == faces.count else { return }
            let keyPath = ["validation", "fraction"]
            throw error("fraction \(fraction) of \(faceCount) holds out \(rows) rows (rounded), "
                        + "leaving no \(rows == 0 ? "validation" : "training") rows",
                        at: node.located(along: keyPath), path: path + keyPath)
        default:
            return
        }
    }
}
