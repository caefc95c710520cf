import Engine
import YAML

/// One kind of layer, described once: how it is written in an experiment file (`kind`: its
/// name, synonyms, keys with their defaults, decoding and canonical encoding), its shapes,
/// parameters and FLOPs before anything is allocated, how tables and `compare` name it, what
/// it is to the Engine's execution plan, and how it is built. A new kind is one type that
/// conforms (the compiler lists what it still lacks) added to `ModelSpec.Layer.types`.
protocol LayerType: Hashable, Sendable {
    /// The file's side: `- conv: {filters: 32, kernel: 3}`. Its decoding gives a
    /// `ModelSpec.Layer` whose `type` is this type.
    static var kind: Kind<ModelSpec.Layer> { get }
    /// Merges (`add`, `concat`) read the values their `inputs` name; every other kind reads one.
    static var isMerge: Bool { get }

    /// The part of the model's initializer this layer overrides (`init: {bias: 1}`); nil for
    /// a kind without weights drawn by it.
    var initializerOverride: InitializerOverride? { get }

    /// The output shape, parameter count and forward FLOPs per image for these input shapes
    /// (one per input), in overflow-checked arithmetic: a file's numbers may be huge.
    func sizes(inputs: [Shape]) throws(ShapeProblem) -> LayerSizes

    /// A short label for `check`'s table: `conv 32@3×3`, `maxpool 2×2`, `dense 500`.
    var summaryLabel: String { get }
    /// One word for `compare`'s architecture column: `conv32k3`, `pool2`, `dense500`.
    var architectureToken: String { get }

    /// What the layer is to the Engine's execution plan (`FusionRole`) on these input shapes,
    /// and whether it works in place; the built layer says the same (tests hold them together).
    func planRole(inputs: [Shape]) -> FusionRole
    var worksInPlace: Bool { get }

    /// The Engine's layer for these input shapes, its parameters named `name.weight`, … and not
    /// yet initialised. `maxBatch` sizes its per-batch scratch.
    func makeOperation(inputs: [Shape], name: String, maxBatch: Int) throws(ShapeProblem) -> NetworkNode.Operation
}

extension LayerType {
    static var isMerge: Bool { false }
    var initializerOverride: InitializerOverride? { nil }
    func planRole(inputs: [Shape]) -> FusionRole { .other }
    var worksInPlace: Bool { false }

    /// Whether `other` is the same kind with the same settings.
    func isEqual(to other: any LayerType) -> Bool { (other as? Self) == self }
}

/// A layer's output shape, parameter count (weights + biases) and forward floating-point
/// operations per image (a multiply-add counts 2; comparisons and element-wise ops 1 per value).
struct LayerSizes: Equatable {
    var output: Shape
    var parameters: Int
    var flops: Int

    /// Sizes from counts that may have overflowed (nil): "… is too large" when any did.
    init(output: Shape, parameters: Int?, flops: Int?, label: String) throws(ShapeProblem) {
        guard product(output.channels, output.height, output.width) != nil, let parameters, let flops else {
            throw ShapeProblem("\(label) is too large: its sizes do not fit a 64-bit integer")
        }
        self.output = output
        self.parameters = parameters
        self.flops = flops
    }

    /// An element-wise layer: the input's shape, no parameters, `flopsPerValue` per value.
    init(elementWise input: Shape, flopsPerValue: Int = 1) {
        output = input
        parameters = 0
        flops = input.count * flopsPerValue
    }
}

extension ModelSpec.Layer {
    /// Every kind of layer an experiment file can name, in the order "expected …" lists them.
    static let types: [any LayerType.Type] = [
        ConvLayer.self, MaxPoolLayer.self, DenseLayer.self, ReLULayer.self, DropoutLayer.self, FlattenLayer.self,
        AddLayer.self, ConcatLayer.self, BatchNormLayer.self, LeakyReLULayer.self, AveragePoolLayer.self,
        GlobalAveragePoolLayer.self,
    ]

    static let kinds: [Kind<ModelSpec.Layer>] = types.map { $0.kind }
}

/// A layer's type with `Hashable` for `ModelSpec`: equal when the kinds and settings are.
struct AnyLayerType: Hashable, Sendable {
    let base: any LayerType

    init(_ base: any LayerType) { self.base = base }

    static func == (left: AnyLayerType, right: AnyLayerType) -> Bool { left.base.isEqual(to: right.base) }

    func hash(into hasher: inout Hasher) {
        hasher.combine(ObjectIdentifier(type(of: base)))
        base.hash(into: &hasher)
    }
}

extension Kind where Spec == ModelSpec.Layer {
    /// A layer kind whose settings are the layer type itself, read and written by `keys` over
    /// `start` (whose required fields the table fills). `shortForm` reads a plain value that
    /// stands for the settings (`- dense: 500`).
    static func layer<Type: LayerType>(
        _ start: Type, _ name: String, synonyms: [String] = [], example: String? = nil, keys: KeyTable<Type>,
        shortForm: (@Sendable (_ value: Node, _ path: [String], _ decoding: Decoding) throws(Diagnostic) -> Type)? = nil,
        writesShortForm: Bool = false
    ) -> Kind {
        // Built apart from the call: written inline as `shortForm.map { … }` the closure is not
        // seen as Sendable (and marking it so crashed Swift 6.3's compiler).
        var layerShortForm: DecodeSettings?
        if let shortForm {
            layerShortForm = { @Sendable value, path, decoding throws(Diagnostic) in
                ModelSpec.Layer(try shortForm(value, path, decoding))
            }
        }
        return Kind(name, synonyms: synonyms, example: example, keys: keys, shortForm: layerShortForm,
                    writesShortForm: writesShortForm,
                    decode: { settings, path, decoding throws(Diagnostic) in
                        ModelSpec.Layer(try keys.decode(settings, path, from: start, decoding: decoding))
                    },
                    encode: { layer in (layer.type.base as? Type).map(keys.encode) })
    }
}
