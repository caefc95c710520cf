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
        let document: Document
        do {
            document = try parse()
        } catch let diagnostic as Diagnostic {
            throw diagnostic
        } catch {
            throw Diagnostic(path: path, mark: nil, message: "\(error)", sourceLine: nil)
        }
        return try Experiment(decoding: document.root.applying(overrides), source: document.source,
                              defaultName: fileStem(path), overrides: overrides, memoryLimit: memoryLimit)
    }
}
