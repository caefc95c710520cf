import Engine
import YAML

extension Kind where Spec == ModelSpec.Layer {
    /// `- dense: {units: 500, init: {bias: 1}}`, or `- dense: 500` for the units alone.
    static var dense: Kind {
        Kind("dense", synonyms: ["linear", "fc"], example: "dense: 500", keys: DenseSettings.keys,
             shortForm: { units, path, decoding throws(Diagnostic) in
                 DenseSettings(units: try decoding.integer(units, path, atLeast: 1, name: "dense units")).layer
             },
             decode: { settings, path, decoding throws(Diagnostic) in
                 try DenseSettings.keys.decode(settings, path, from: DenseSettings(), decoding: decoding).layer
             },
             encode: { layer in DenseSettings(layer).map(DenseSettings.keys.encode) })
    }
}

/// A dense layer's settings as the file gives them; `units` is required, so its zero never
/// reaches a layer.
struct DenseSettings: OverridesInitializer {
    var units = 0
    var initializer = InitializerOverride()

    static let keys = KeyTable<DenseSettings>([
        .integer("units", \.units, atLeast: 1, required: "dense: {units: 500}", sample: "40"),
        .initializer,
    ])
}

extension DenseSettings {
    /// The settings of a dense layer; nil for another kind.
    init?(_ layer: ModelSpec.Layer) {
        guard case .dense(let units) = layer.kind else { return nil }
        self.init(units: units, initializer: layer.initializer)
    }

    var layer: ModelSpec.Layer { ModelSpec.Layer(.dense(units: units), initializer: initializer) }
}
