import YAML

/// One key of a mapping in an experiment file, said once: how its value decodes into the
/// spec and how the spec writes it back in the canonical form. Because the decoder and the
/// canonical encoder read the same entry, a key that changes the experiment always changes
/// its run identity (`Experiment.identity`).
struct Key<Spec>: Sendable {
    /// Reads the key's value (never a left-out key; null only for a required one) into the
    /// spec; `path` is the key's own path, for errors.
    typealias Decode = @Sendable (_ spec: inout Spec, _ value: Node, _ path: [String],
                                  _ decoding: Decoding) throws(Diagnostic) -> Void
    /// The key's canonical value, or nil to leave the key out of the canonical form.
    typealias Encode = @Sendable (_ spec: Spec) -> Node?

    let name: String
    /// For a required key, the example in "missing required key 'epochs' in 'train' (e.g.
    /// epochs: 100)"; nil when leaving the key out, or writing null, keeps the default.
    let required: String?
    let decode: Decode
    let encode: Encode
    /// Changes at or below this key that must each change the run identity; the generated
    /// identity test applies them all.
    let samples: [Sample]
}

extension Key {
    /// A key with a plain value. `sample` is another valid value than the default; `after`
    /// holds sibling keys the sample needs first (`shuffle` needs a `fraction`).
    init(_ name: String, required: String? = nil, sample: String, after siblings: [(key: String, value: String)] = [],
         decode: @escaping Decode, encode: @escaping Encode) {
        let context = siblings.map { (keyPath: [$0.key], value: $0.value) }
        self.init(name: name, required: required, decode: decode, encode: encode,
                  samples: [Sample([name], sample, after: context)])
    }

    /// A key whose value is a mapping with a table of its own (`data.augment`), which
    /// `decode` and `encode` go through. Its samples are the table's, each set after `context`
    /// when the table has required keys (`{patience: 10}`), and then `samples`: whole values
    /// such as `early_stopping: 10`.
    init<Nested>(_ name: String, required: String? = nil, table: KeyTable<Nested>, context: String? = nil,
                 samples: [String] = [], decode: @escaping Decode, encode: @escaping Encode) {
        let nested = table.samples.map { sample in
            sample.after(context.map { [(keyPath: [], value: $0)] } ?? []).below(name)
        }
        self.init(name: name, required: required, decode: decode, encode: encode,
                  samples: nested + samples.map { Sample([name], $0) })
    }

    /// A key whose value names a kind (`optimizer: {adam: {beta1: 0.8}}`): its samples are
    /// every kind's, and then `samples`: whole values such as `optimizer: adam`.
    init<Value>(_ name: String, kinds: [Kind<Value>], samples: [String],
                decode: @escaping Decode, encode: @escaping Encode) {
        self.init(name: name, required: nil, decode: decode, encode: encode,
                  samples: kinds.flatMap(\.samples).map { $0.below(name) } + samples.map { Sample([name], $0) })
    }
}
