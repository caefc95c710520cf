import Engine
import Faces

/// The network: a global initializer and a list of layers from the 1×96×96 image to the 30
/// keypoint coordinates. The list is a chain unless a layer names what it reads (`input`,
/// or a merge's `inputs`): then it is a graph (`ModelGraph`).
public struct ModelSpec: Hashable, Sendable {
    /// One layer as written in the file: its kind with its settings, its name, and what it reads.
    public struct Layer: Hashable, Sendable {
        var type: AnyLayerType
        /// The name other layers read it by and its parameters are named after; nil for the
        /// automatic one (its kind and a count, `conv2`: see `ModelGraph`).
        public var name: String?
        /// The names of the values it reads; empty for the layer above it (the network's
        /// input, `input`, for the first). A merge names two or more.
        public var inputs: [String]

        init(_ type: some LayerType, name: String? = nil, inputs: [String] = []) {
            self.type = AnyLayerType(type)
            self.name = name
            self.inputs = inputs
        }

        /// The layer's kind as the file names it: `conv`, `add`, …
        public var kindName: String { Swift.type(of: type.base).kind.name }
        /// `conv 32@3×3`, as `check` shows it.
        public var summaryLabel: String { type.base.summaryLabel }
        /// The rate of a dropout layer; nil for every other kind.
        public var dropoutRate: Float? { (type.base as? DropoutLayer)?.rate }
    }

    /// Each layer's name, given or automatic (`conv2`), in the order of `layers`: the names
    /// `check`, diagnostics and weights use. Nil when the layers do not form a valid graph.
    public var layerNames: [String]? { try? ModelGraph(layers).names }

    /// The initializer every conv and dense layer uses unless it overrides part of it.
    public var initializer: InitializerSpec
    public var layers: [Layer]
    /// What the network reads: a whole face (`inputShape`) unless a cascade's level-2 net
    /// reads a patch of one. Not written in files: the cascade sets it from `patch`.
    public var input = Self.inputShape
    /// How many values the network must end with: 30 (15 keypoints × x, y) unless a cascade's
    /// level-2 net predicts only its group's keypoints. Not written in files either.
    public var outputs = Keypoint.coordinateCount

    init(initializer: InitializerSpec = Defaults.initializer, layers: [Layer]) {
        self.initializer = initializer
        self.layers = layers
    }

    /// A whole face: one grayscale 96×96 image.
    public static let inputShape = Shape(channels: 1, height: 96, width: 96)
}

/// A per-layer change to the global initializer; `nil` fields keep the global value, so
/// `init: {bias: 1}` changes only the bias.
public struct InitializerOverride: Hashable, Sendable {
    public var scheme: InitializerSpec.Scheme?
    public var distribution: InitializerSpec.Distribution?
    public var bias: Float?

    public init(scheme: InitializerSpec.Scheme? = nil, distribution: InitializerSpec.Distribution? = nil,
                bias: Float? = nil) {
        self.scheme = scheme
        self.distribution = distribution
        self.bias = bias
    }

    public var isEmpty: Bool { scheme == nil && distribution == nil && bias == nil }

    /// `global` with this override's fields replacing its own.
    public func applied(to global: InitializerSpec) -> InitializerSpec {
        InitializerSpec(scheme: scheme ?? global.scheme,
                        distribution: distribution ?? global.distribution,
                        bias: bias ?? global.bias)
    }
}
