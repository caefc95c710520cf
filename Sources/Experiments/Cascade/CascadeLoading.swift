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
        return try CascadeExperiment(decoding: document.root.applying(overrides), source: document.source,
                                     defaultName: fileStem(path), overrides: overrides)
    }

    /// Decodes a cascade from a document's root node, with errors placed as for any experiment.
    public init(decoding root: Node, source: SourceText, defaultName: String, overrides: [Override] = []) throws(Diagnostic) {
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
        self = cascade
    }

    /// The fully resolved cascade as block YAML: what its run records as `config.yaml`.
    public var canonicalText: String { Self.keys.encode(self).yamlText() }
}
