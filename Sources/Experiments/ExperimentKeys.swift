import YAML

extension Experiment {
    /// The top level of an experiment file. `name` defaults to the file's name (checked in
    /// `init(decoding:…)`), `model` and `train` must be given.
    static let keys = KeyTable<Experiment>([
        .experimentName(\.name),
        .seed(\.seed),
        Key("data", table: DataSpec.keys,
            decode: { experiment, value, path, decoding throws(Diagnostic) in
                experiment.data = try decoding.data(value, path)
            },
            encode: { experiment in DataSpec.keys.encode(experiment.data) }),
        Key("model", required: "model: {layers: [flatten, {dense: 30}]}", table: ModelSpec.keys,
            decode: { experiment, value, path, decoding throws(Diagnostic) in
                experiment.model = try decoding.model(value, path)
            },
            encode: { experiment in ModelSpec.keys.encode(experiment.model) }),
        .trainSettings(\.train, example: "train: {epochs: 100}"),
    ])
}
