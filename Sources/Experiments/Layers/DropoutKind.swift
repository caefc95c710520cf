import Engine
import YAML

extension Kind where Spec == ModelSpec.Layer {
    /// `- dropout: 0.5`, or `- dropout: {rate: 0.5}`.
    static var dropout: Kind {
        Kind("dropout", example: "dropout: 0.5", keys: dropoutKeys,
             shortForm: { rate, path, decoding throws(Diagnostic) in
                 ModelSpec.Layer(.dropout(rate: try decoding.dropoutRate(rate, path)))
             },
             writesShortForm: true,
             decode: { settings, path, decoding throws(Diagnostic) in
                 ModelSpec.Layer(.dropout(rate: try dropoutKeys.decode(settings, path, from: 0, decoding: decoding)))
             },
             encode: { layer in
                 guard case .dropout(let rate) = layer.kind else { return nil }
                 return dropoutKeys.encode(rate)
             })
    }
}

/// A dropout layer's one setting, its rate; required, so the 0 it starts from never reaches a layer.
private let dropoutKeys = KeyTable<Float>([
    Key("rate", required: "dropout: {rate: 0.5}", sample: "0.5",
        decode: { rate, value, path, decoding throws(Diagnostic) in
            rate = try decoding.dropoutRate(value, path)
        },
        encode: { rate in plain("\(rate)") }),
])

extension Decoding {
    /// Named "dropout rate" in messages whichever form gave it.
    fileprivate func dropoutRate(_ node: Node, _ path: [String]) throws(Diagnostic) -> Float {
        Float(try number(node, path, name: "dropout rate", rule: "at least 0 and less than 1") { $0 >= 0 && $0 < 1 })
    }
}
