/// One experiment, fully typed: what to train on, which network, and how to train it.
///
/// Decode it from a file with `Experiment.load(contentsOfFile:overrides:)` (which also infers
/// the network's shapes, so a loaded experiment always describes a buildable network), or from
/// a node tree with `init(decoding:source:defaultName:overrides:)`. Every field has the default
/// listed in `Defaults`; `canonicalNode` writes them all out again.
public struct Experiment: Hashable, Sendable {
    /// Names the results folder `results/<name>/`; letters, digits, `.`, `_` and `-` only.
    /// Defaults to the file's name without its extension.
    public var name: String
    /// The one seed every random draw of the run derives from (initial weights, dropout masks,
    /// batch order, a shuffled validation split). `nil` means "choose one at random when the run
    /// starts, and record it", so that the run can still be repeated.
    public var seed: UInt64?
    public var data: DataSpec
    public var model: ModelSpec
    public var train: TrainSpec

    public init(name: String, seed: UInt64? = nil, data: DataSpec = DataSpec(), model: ModelSpec, train: TrainSpec) {
        self.name = name
        self.seed = seed
        self.data = data
        self.model = model
        self.train = train
    }
}
