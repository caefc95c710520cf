import YAML

extension CascadeExperiment {
    /// Reads, overrides and decodes a cascade file; a relative `level1` is relative to the
    /// file's folder (to the working directory when a `--set` gives it).
    public static func load(contentsOfFile path: String, overrides: [Override] = []) throws(Diagnostic) -> CascadeExperiment {
        try decode(path: path, overrides: overrides) { try Document(contentsOfFile: path) }
    }

    /// The same for text in memory (tests, a recorded `config.yaml`); `path` names it in messages.
    public static func decode(text: String, path: String, overrides: [Override] = []) throws(Diagnostic) -> CascadeExperiment {
        try decode(path: path, overrides: overrides) { try Document(bytes: Array(text.utf8), path: path) }
    }

    private static func decode(path: String, overrides: [Override], parse: () throws -> Document) throws(Diagnostic)
        -> CascadeExperiment {
        let document = try parsed(path: path, parse)
        return try CascadeExperiment(decoding: document.root, source: document.source, defaultName: fileStem(path),
                                     overrides: overrides)
    }

    /// Decodes a cascade from a document's root node (`overrides` not yet applied), with errors
    /// placed as for any experiment. A `--set data.…` goes to level 1, when it is an
    /// experiment file trained first: the cascade's faces are level 1's.
    public init(decoding unapplied: Node, source: SourceText, defaultName: String, overrides: [Override] = []) throws(Diagnostic) {
        let dataOverrides = overrides.filter { $0.keyPath.first == "data" }
        let overrides = overrides.filter { $0.keyPath.first != "data" }
        let root = try unapplied.applying(overrides)
        let decoding = Decoding(source: source, overrides: overrides)
        guard !root.isNull else {
            throw decoding.error("the file is empty; a cascade needs at least cascade.level1, cascade.model and train.epochs",
                                 at: root, path: [])
        }
        let fields = try Self.keys.fields(root, [], decoding: decoding)
        if fields["name"] == nil, let problem = nameProblem(defaultName) {
            throw decoding.error("'\(defaultName)' (the file's name) cannot name a results folder: \(problem); "
                                 + "add a 'name:' that can", at: root, path: [])
        }
        // The placeholders are replaced: cascade and train are required.
        var cascade = CascadeExperiment(name: defaultName, cascade: CascadeSpec(level1: .init(path: "", isExperimentFile: false),
                                                                                model: ModelSpec(layers: [])),
                                        train: TrainSpec(epochs: 1))
        try Self.keys.decode(fields, into: &cascade, decoding: decoding)
        if cascade.train.tta != .none, let train = fields["train"], let node = decoding.node(under: train, "tta") {
            // A level-2 net sees one group's patch: a mirror image would show it another group's.
            throw decoding.error("train.tta: a cascade's level-2 nets cannot average with mirror images "
                                 + "(a mirrored patch of one keypoint shows its mirror twin); remove it — "
                                 + "level 1 keeps its own", at: node, path: ["train", "tta"])
        }
        if let first = dataOverrides.first, !cascade.cascade.level1.isExperimentFile {
            throw first.diagnostic("a cascade's faces are its level 1's, and cascade.level1 is a finished run "
                                   + "(\(cascade.cascade.level1.path)) whose faces are fixed; set data on an experiment "
                                   + "file that is trained first (cascade.level1: file.yaml)")
        }
        cascade.cascade.level1.dataOverrides = dataOverrides.map(\.text)
        self = cascade
    }

    /// The fully resolved cascade as block YAML: what its run records as `config.yaml`.
    public var canonicalText: String { Self.keys.encode(self).yamlText() }
}
