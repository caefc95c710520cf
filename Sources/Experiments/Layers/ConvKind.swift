import Engine
import YAML

extension Kind where Spec == ModelSpec.Layer {
    /// `- conv: {filters: 32, kernel: 3, stride: 1, padding: 0, init: {weights: he}}`.
    static var conv: Kind {
        Kind("conv", synonyms: ["conv2d"], example: "conv: {filters: 32, kernel: 3}", keys: ConvSettings.keys,
             decode: { settings, path, decoding throws(Diagnostic) in
                 try ConvSettings.keys.decode(settings, path, from: ConvSettings(), decoding: decoding).layer
             },
             encode: { layer in ConvSettings(layer).map(ConvSettings.keys.encode) })
    }
}

/// A conv layer's settings as the file gives them; `filters` and `kernel` are required, so
/// their zeros never reach a layer.
struct ConvSettings: OverridesInitializer {
    var filters = 0
    var kernel = 0
    var stride = Defaults.convStride
    var padding = Defaults.convPadding
    var initializer = InitializerOverride()

    static let keys = KeyTable<ConvSettings>([
        .integer("filters", \.filters, atLeast: 1, required: "conv: {filters: 32, kernel: 3}", sample: "4"),
        .integer("kernel", \.kernel, atLeast: 1, required: "conv: {filters: 32, kernel: 3}", sample: "5"),
        .integer("stride", \.stride, atLeast: 1, sample: "2"),
        .integer("padding", \.padding, atLeast: 0, sample: "1"),
        .initializer,
    ])
}

extension ConvSettings {
    /// The settings of a conv layer; nil for another kind.
    init?(_ layer: ModelSpec.Layer) {
        guard case .conv(let filters, let kernel, let stride, let padding) = layer.kind else { return nil }
        self.init(filters: filters, kernel: kernel, stride: stride, padding: padding, initializer: layer.initializer)
    }

    var layer: ModelSpec.Layer {
        ModelSpec.Layer(.conv(filters: filters, kernel: kernel, stride: stride, padding: padding), initializer: initializer)
    }
}
