import YAML

extension Experiment {
    /// The fully resolved experiment as a node tree: every key written out, defaults
    /// included, in the key tables' order (`Experiment.keys` and the tables below it), with one
    /// spelling per value (`dense: {units: 500}`, `optimizer: sgd` or the optimizer's mapping,
    /// numbers in Swift's shortest round-trip form). It decodes back to an equal `Experiment`,
    /// so it is what a run records as `config.yaml`.
    public var canonicalNode: Node {
        Self.keys.encode(self)
    }

    /// `canonicalNode` as block-style YAML.
    public var canonicalText: String { canonicalNode.yamlText() }

    /// SHA-256 of `canonicalText`, 64 lowercase hex digits: the same configuration always
    /// gives the same hash, whatever its file's comments, key order or short forms.
    public var configHash: String { identity.configHash }

    /// `<name>-<first 8 hex digits of configHash>`, the run's folder under `results/<name>/`.
    /// Choose the seed first: a random seed is part of the configuration.
    public var runID: String { identity.runID }
}

// Generated nodes have no place in a file, so they all carry the mark 1:1.
private let canonicalMark = Mark(line: 1, column: 1)

/// A key written with no value (`seed: null`: chosen when the run starts).
let null = Node(.scalar(Node.Scalar(text: "null")), mark: canonicalMark)

/// A number, boolean or name, written plain so that it reads back as one.
func plain(_ text: String) -> Node {
    Node(.scalar(Node.Scalar(text: text, isPlain: true)), mark: canonicalMark)
}

/// Free text (a name, a path): the emitter quotes it if plain would read as something else.
func string(_ text: String) -> Node {
    Node(.scalar(Node.Scalar(text: text, isPlain: false)), mark: canonicalMark)
}

func mapping(_ pairs: [(String, Node)]) -> Node {
    Node(.mapping(pairs.map { Node.Pair(key: plain($0.0), value: $0.1) }), mark: canonicalMark)
}

func sequence(_ items: [Node]) -> Node {
    Node(.sequence(items), mark: canonicalMark)
}
