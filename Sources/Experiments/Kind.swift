import YAML

/// One kind of a value that is written as the kind's name with its settings under it:
/// `{adam: {beta1: 0.9}}`, `{linear: {from: 0.03, to: 0.0001}}`, `- conv: {filters: 32, kernel: 3}`.
/// It holds the name, the settings' keys, and how the settings decode into `Spec` and are
/// written back. The layer kinds (`ModelSpec.Layer.kinds`) are the seed of a layer registry.
struct Kind<Spec>: Sendable {
    /// Reads the settings under the name: a mapping, null (every setting takes its default)
    /// or, through `shortForm`, a plain value.
    typealias DecodeSettings = @Sendable (_ settings: Node, _ path: [String], _ decoding: Decoding) throws(Diagnostic) -> Spec

    let name: String
    /// Other names people use for it (`fc` for dense), offered as did-you-mean.
    let synonyms: [String]
    let keyNames: [String]
    let requiredKeyNames: [String]
    /// A whole layer for "dense needs settings, e.g. '- dense: 500'".
    let example: String?
    /// How a plain value stands for the settings (`- dense: 500` for `{units: 500}`); nil
    /// when the settings must be a mapping.
    let shortForm: DecodeSettings?
    /// Whether the canonical form writes the one setting as the short form (`- dropout: 0.5`),
    /// as every `config.yaml` so far has.
    let writesShortForm: Bool
    let decode: DecodeSettings
    /// The settings mapping of a spec of this kind; nil for a spec of another kind.
    let encode: @Sendable (Spec) -> Node?
    /// The settings' samples below `name`, each after `sampleContext` sets this kind.
    let samples: [Sample]

    /// `keys` are the settings' table; `sampleContext` is a whole value of this kind that the
    /// samples are set over (`{adam: {}}`), or nil where the experiment already holds one
    /// (a layer of the identity test's network).
    init<Settings>(_ name: String, synonyms: [String] = [], example: String? = nil, keys: KeyTable<Settings>,
                   sampleContext: String? = nil, shortForm: DecodeSettings? = nil, writesShortForm: Bool = false,
                   decode: @escaping DecodeSettings, encode: @escaping @Sendable (Spec) -> Node?) {
        self.name = name
        self.synonyms = synonyms
        self.keyNames = keys.names
        self.requiredKeyNames = keys.requiredNames
        self.example = example
        self.shortForm = shortForm
        self.writesShortForm = writesShortForm
        self.decode = decode
        self.encode = encode
        samples = keys.samples.map { sample in
            sample.below(name).after(sampleContext.map { [(keyPath: [], value: $0)] } ?? [])
        }
    }
}

extension Kind {
    /// `kinds`' other names, each to the name it stands for.
    static func synonyms(among kinds: [Kind]) -> [String: String] {
        Dictionary(uniqueKeysWithValues: kinds.flatMap { kind in kind.synonyms.map { ($0, kind.name) } })
    }

    /// `spec` written as its kind: `{name: settings}`, the bare name when there are no
    /// settings to write (`- relu`, `optimizer: sgd`), or `{name: value}` for a short form.
    static func canonicalNode(of spec: Spec, among kinds: [Kind]) -> Node {
        for kind in kinds {
            guard let settings = kind.encode(spec), let pairs = settings.mapping else { continue }
            if pairs.isEmpty { return plain(kind.name) }
            if kind.writesShortForm, pairs.count == 1 { return mapping([(kind.name, pairs[0].value)]) }
            return mapping([(kind.name, settings)])
        }
        preconditionFailure("no kind writes \(spec)")
    }
}
