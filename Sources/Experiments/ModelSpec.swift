import Engine

/// The network: a global initializer and a list of layers, from the 1×96×96 image to the
/// 30 keypoint coordinates.
public struct ModelSpec: Hashable, Sendable {
    /// One layer as written in the file: what it is, and which parts of the global
    /// initializer it overrides (only meaningful for conv and dense).
    public struct Layer: Hashable, Sendable {
        public var kind: LayerKind
        public var initializer: InitializerOverride

        public init(_ kind: LayerKind, initializer: InitializerOverride = InitializerOverride()) {
            self.kind = kind
            self.initializer = initializer
        }
    }

    /// The initializer every conv and dense layer uses unless it overrides part of it.
    public var initializer: InitializerSpec
    public var layers: [Layer]

    public init(initializer: InitializerSpec = Defaults.initializer, layers: [Layer]) {
        self.initializer = initializer
        self.layers = layers
    }

    /// Every input is one grayscale 96×96 face.
    public static let inputShape = Shape(channels: 1, height: 96, width: 96)

    /// The engine's view of the network: each layer with its fully resolved initializer
    /// (parameterised layers only). This is the one place where the spec turns into engine
    /// descriptions.
    public var layerDescriptions: [LayerDescription] {
        layers.map { layer in
            LayerDescription(layer.kind,
                             initializer: layer.kind.hasParameters ? layer.initializer.applied(to: initializer) : nil)
        }
    }
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
