import YAML

extension Experiment {
    /// Reads, overrides, decodes and checks one experiment file. The name defaults to the
    /// file's name without its directory and `.yaml`/`.yml` extension; a relative `data.train`
    /// is relative to the file's folder (to the working directory when a `--set` gives it).
    public static func load(contentsOfFile path: String, overrides: [Override] = []) throws(Diagnostic) -> Experiment {
        try decode(path: path, overrides: overrides) { try Document(contentsOfFile: path) }
    }

    /// The same as `load(contentsOfFile:overrides:)` for text already in memory (tests,
    /// a recorded `config.yaml`); `path` names it in messages, and a relative `data.train`
    /// is relative to its folder. `memoryLimit` is the most memory the run may need.
    public static func decode(text: String, path: String, overrides: [Override] = [],
                              memoryLimit: Int = PhysicalMemory.bytes) throws(Diagnostic) -> Experiment {
        try decode(path: path, overrides: overrides, memoryLimit: memoryLimit) {
            try Document(bytes: Array(text.utf8), path: path)
        }
    }

    private static func decode(path: String, overrides: [Override], memoryLimit: Int = PhysicalMemory.bytes,
                               parse: () throws -> Document) throws(Diagnostic) -> Experiment {
        let document = try parsed(path: path, parse)
        if document.root.mapping?.contains(where: { $0.key.scalar?.text == "cascade" }) == true {
            throw Diagnostic(path: path, mark: document.root.mark,
                             message: "this is a cascade (it has 'cascade:'), not a single network's experiment", sourceLine: nil)
        }
        return try Experiment(decoding: document.root.applying(overrides), source: document.source,
                              defaultName: fileStem(path), overrides: overrides, memoryLimit: memoryLimit)
    }
}

/// A parsed document, every failure a `Diagnostic` naming `path`.
func parsed(path: String, _ parse: () throws -> Document) throws(Diagnostic) -> Document {
    do {
        return try parse()
    } catch let diagnostic as Diagnostic {
        throw diagnostic
    } catch {
        throw Diagnostic(path: path, mark: nil, message: "\(error)", sourceLine: nil)
    }
}

/// What an experiment file describes: one network, or a cascade of them. `kplab run` and
/// `kplab check` take either.
public enum ExperimentFile: Sendable {
    case single(Experiment)
    case cascade(CascadeExperiment)

    /// Reads, overrides and decodes the file as `Experiment.load` or `CascadeExperiment.load`
    /// would, choosing by its top level: a file with `cascade:` is a cascade.
    public static func load(contentsOfFile path: String, overrides: [Override] = []) throws(Diagnostic) -> ExperimentFile {
        let document = try parsed(path: path) { try Document(contentsOfFile: path) }
        if isCascade(document.root) {
            return .cascade(try CascadeExperiment(decoding: document.root, source: document.source,
                                                  defaultName: fileStem(path), overrides: overrides))
        }
        return .single(try Experiment(decoding: document.root.applying(overrides), source: document.source,
                                      defaultName: fileStem(path), overrides: overrides))
    }

    /// Whether a file's top level describes a cascade (it has `cascade:`).
    public static func isCascade(_ root: Node) -> Bool {
        root.mapping?.contains { $0.key.scalar?.text == "cascade" } ?? false
    }

    public var name: String {
        switch self {
        case .single(let experiment): return experiment.name
        case .cascade(let cascade): return cascade.name
        }
    }

    public var train: TrainSpec {
        switch self {
        case .single(let experiment): return experiment.train
        case .cascade(let cascade): return cascade.train
        }
    }

    /// The run's identity (see `Experiment.identity` and `CascadeExperiment.identity` for what
    /// must be settled first: a run's own `config.yaml` has it all).
    public var identity: RunIdentity {
        switch self {
        case .single(let experiment): return experiment.identity
        case .cascade(let cascade): return cascade.identity
        }
    }
}
