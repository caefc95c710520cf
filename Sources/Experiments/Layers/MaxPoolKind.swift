import Engine
import YAML

extension Kind where Spec == ModelSpec.Layer {
    /// `- maxpool: {size: 2, stride: 2}`, or `- maxpool: 2` for the size with the same stride.
    static var maxPool: Kind {
        Kind("maxpool", synonyms: ["pool"], example: "maxpool: 2", keys: MaxPoolSettings.keys,
             shortForm: { size, path, decoding throws(Diagnostic) in
                 MaxPoolSettings(size: try decoding.integer(size, path, atLeast: 1, name: "maxpool size")).layer
             },
             decode: { settings, path, decoding throws(Diagnostic) in
                 try MaxPoolSettings.keys.decode(settings, path, from: MaxPoolSettings(), decoding: decoding).layer
             },
             encode: { layer in MaxPoolSettings(layer).map(MaxPoolSettings.keys.encode) })
    }
}

/// A maxpool layer's settings as the file gives them; `size` is required, so its zero never
/// reaches a layer.
struct MaxPoolSettings {
    var size = 0
    /// nil: the pool size, so that windows do not overlap.
    var stride: Int?

    static let keys = KeyTable<MaxPoolSettings>([
        .integer("size", \.size, atLeast: 1, required: "maxpool: {size: 2, stride: 2}", sample: "3"),
        Key("stride", sample: "1",
            decode: { pool, value, path, decoding throws(Diagnostic) in
                pool.stride = try decoding.integer(value, path, atLeast: 1)
            },
            encode: { pool in plain("\(pool.stride ?? pool.size)") }),
    ])
}

extension MaxPoolSettings {
    /// The settings of a maxpool layer; nil for another kind.
    init?(_ layer: ModelSpec.Layer) {
        guard case .maxPool(let size, let stride) = layer.kind else { return nil }
        self.init(size: size, stride: stride)
    }

    var layer: ModelSpec.Layer { ModelSpec.Layer(.maxPool(size: size, stride: stride ?? size)) }
}
