import YAML

extension Experiment {
    /// Decodes an experiment from a document's root node and checks that its network can be
    /// built (shapes from 1×96×96 to 30 outputs) and that the run fits in memory. Every error
    /// is a `Diagnostic` pointing at the node in `source` — or at the `--set` in `overrides`
    /// that put the node there.
    ///
    /// - Parameters:
    ///   - root: the document, with `overrides` already spliced in (`Node.applying(_:)`).
    ///   - source: the text of the file `root` comes from; a relative `data.train` in it is
    ///     relative to the folder of `source.path`.
    ///   - defaultName: the name when the file gives none (its file name without extension).
    ///   - memoryLimit: the most memory the run may need (`MemoryEstimate`).
    public init(decoding root: Node, source: SourceText, defaultName: String,
                overrides: [Override] = [], memoryLimit: Int = PhysicalMemory.bytes) throws(Diagnostic) {
        let decoding = Decoding(source: source, overrides: overrides, memoryLimit: memoryLimit)
        guard !root.isNull else {
            throw decoding.error("the file is empty; an experiment needs at least model.layers and train.epochs",
                                 at: root, path: [])
        }
        let fields = try Self.keys.fields(root, [], decoding: decoding)
        if fields["name"] == nil, let problem = nameProblem(defaultName) {
            throw decoding.error("'\(defaultName)' (the file's name) cannot name a results folder: \(problem); "
                                 + "add a 'name:' that can", at: root, path: [])
        }
        // The placeholder model and training are replaced: both keys are required.
        var experiment = Experiment(name: defaultName, model: ModelSpec(layers: []), train: TrainSpec(epochs: 1))
        try Self.keys.decode(fields, into: &experiment, decoding: decoding)
        try decoding.checkMemory(of: experiment, root: root)
        self = experiment
    }
}

/// `experiments/cnn.yaml` → `cnn`.
func fileStem(_ path: String) -> String {
    let file = path.split(separator: "/").last.map(String.init) ?? path
    for suffix in [".yaml", ".yml"] where file.hasSuffix(suffix) && file.count > suffix.count {
        return String(file.dropLast(suffix.count))
    }
    return file
}

/// Names the results folder and, with a hash, each run's folder and file, so at most this
/// long: file names end at 255 bytes, and `<name>-<8 hex>.yaml` must fit.
let maximumNameLength = 200

/// Why `name` cannot name folders on every system, or nil when it can: it must be
/// `[A-Za-z0-9._-]+`, not start with `.`, and be at most `maximumNameLength` long.
func nameProblem(_ name: String) -> String? {
    let allowed = !name.isEmpty && !name.hasPrefix(".")
        && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-") }
    if !allowed { return "it may hold only letters, digits, '.', '_' and '-' (and not start with '.')" }
    if name.count > maximumNameLength { return "it may be at most \(maximumNameLength) characters long, not \(name.count)" }
    return nil
}

extension Decoding {
    func experimentName(_ node: Node, _ path: [String]) throws(Diagnostic) -> String {
        let name = try string(node, path)
        if let problem = nameProblem(name) {
            let shown = name.count > 40 ? name.prefix(40) + "…" : Substring(name)
            throw error("name '\(shown)' names a results folder, so \(problem)", at: node, path: path)
        }
        return name
    }
}
