import Engine
import YAML

extension Kind where Spec == ModelSpec.Layer {
    /// `- relu`.
    static var relu: Kind { settingless(.relu) }

    /// `- flatten`.
    static var flatten: Kind { settingless(.flatten) }

    /// A layer without settings: written as its bare name (`relu: {}` and `relu:` read the same).
    private static func settingless(_ layerKind: LayerKind) -> Kind {
        Kind(layerKind.name, keys: KeyTable<ModelSpec.Layer>([]),
             decode: { _, _, _ in ModelSpec.Layer(layerKind) },
             encode: { layer in layer.kind == layerKind ? mapping([]) : nil })
    }
}
