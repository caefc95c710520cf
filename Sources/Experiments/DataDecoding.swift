import Faces
import YAML

extension Decoding {
    static let dataKeys = ["train", "synthetic", "validation", "rows", "missing", "augment"]

    func data(_ node: Node, _ path: [String]) throws(Diagnostic) -> DataSpec {
        let fields = try Fields(node, path, allowed: Self.dataKeys, expected: "a mapping of data settings", decoding: self)
        var spec = DataSpec()
        if let train = fields["train"] {
            if let synthetic = fields.keyNode("synthetic"), fields["synthetic"] != nil {
                throw error("data.train and data.synthetic exclude each other; remove one "
                            + "(on the command line: --set data.synthetic=null)", at: synthetic, path: fields.path("synthetic"))
            }
            spec.source = .file(path: try string(train, fields.path("train")))
        } else if let synthetic = fields["synthetic"] {
            spec.source = .synthetic(try syntheticFaces(synthetic, fields.path("synthetic")))
        }
        if let validation = fields["validation"] {
            spec.validation = try self.validation(validation, fields.path("validation"))
        }
        if let rows = fields["rows"] {
            spec.rows = try choice(rows, fields.path("rows"), what: "row selection")
        }
        if let missing = fields["missing"] {
            spec.missing = try choice(missing, fields.path("missing"), what: "missing-value policy")
        }
        if let augment = fields["augment"] {
            let augmentFields = try Fields(augment, fields.path("augment"), allowed: ["flip"],
                                           expected: "a mapping like {flip: true}", decoding: self)
            if let flip = augmentFields["flip"] {
                spec.augment.flip = try boolean(flip, augmentFields.path("flip"))
            }
        }
        return spec
    }

    private func syntheticFaces(_ node: Node, _ path: [String]) throws(Diagnostic) -> SyntheticFaces {
        let fields = try Fields(node, path, allowed: ["count", "seed", "missing_labels"],
                                expected: "a mapping like {count: 2000, seed: 1}", decoding: self)
        var faces = Defaults.syntheticFaces
        if let count = fields["count"] {
            faces.count = try integer(count, fields.path("count"), atLeast: 2)
        }
        if let seed = fields["seed"] {
            faces.seed = try self.seed(seed, fields.path("seed"))
        }
        if let missing = fields["missing_labels"] {
            faces.missingLabels = try boolean(missing, fields.path("missing_labels"))
        }
        return faces
    }

    private func validation(_ node: Node, _ path: [String]) throws(Diagnostic) -> ValidationSplit {
        let fields = try Fields(node, path, allowed: ["holdout", "fraction", "shuffle"],
                                expected: "{holdout: N} or {fraction: f, shuffle: true}", decoding: self)
        switch (fields["holdout"], fields["fraction"]) {
        case (let holdout?, nil):
            if let shuffle = fields.keyNode("shuffle") {
                throw error("shuffle goes with fraction; holdout always takes the last rows in file order",
                            at: shuffle, path: fields.path("shuffle"))
            }
            return .holdout(try integer(holdout, fields.path("holdout"), atLeast: 1))
        case (nil, let fraction?):
            let value = try number(fraction, fields.path("fraction"), rule: "greater than 0 and less than 1") { $0 > 0 && $0 < 1 }
            let shuffle = try fields["shuffle"].map { node throws(Diagnostic) in try boolean(node, fields.path("shuffle")) }
            return .fraction(value, shuffle: shuffle ?? Defaults.validationShuffle)
        case (_?, _?):
            throw error("give either holdout (the last N rows) or fraction, not both",
                        at: fields.keyNode("fraction") ?? node, path: fields.path("fraction"))
        case (nil, nil):
            throw error("validation needs holdout or fraction, e.g. {holdout: 400} or {fraction: 0.2, shuffle: true}",
                        at: node, path: path)
        }
    }
}
