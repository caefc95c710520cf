import YAML

/// A model's layer list in one short word per layer, joined by `-`, for a table column or a
/// legend: `conv32k3-relu-pool2-conv64k2-relu-pool2-dense500-relu-dense30`.
///
/// - `conv: {filters: 32, kernel: 3, stride: 1, padding: 0}` → `conv32k3` (`s2`, `p1` appended
///   only when stride ≠ 1 or padding ≠ 0)
/// - `maxpool: {size: 2, stride: 2}` → `pool2` (`s1` appended when the stride is not the size)
/// - `dense: {units: 500}` → `dense500`; `dropout: 0.5` → `drop0.5`; `relu` → `relu`
/// - `flatten` is left out when a dense layer follows it: a dense layer after a convolution
///   needs it, so writing it adds length without telling runs apart.
/// - A per-layer initializer override is kept in parentheses: `dense500(bias=1)`.
/// - Any other layer: its kind followed by its scalar settings, so no difference is hidden.
struct Architecture {
    let tokens: [String]

    init(layers: [Node]) {
        var tokens: [String] = []
        for (index, layer) in layers.enumerated() {
            let next = index + 1 < layers.count ? Architecture.kind(of: layers[index + 1]) : nil
            if Architecture.kind(of: layer) == "flatten", next == "dense" { continue }
            tokens.append(Architecture.token(for: layer))
        }
        self.tokens = tokens
    }

    var text: String { tokens.isEmpty ? "none" : tokens.joined(separator: "-") }

    private static func kind(of layer: Node) -> String? {
        layer.scalar?.text ?? layer.mapping?.first?.key.scalar?.text
    }

    private static func token(for layer: Node) -> String {
        if let scalar = layer.scalar { return scalar.text }
        guard let pair = layer.mapping?.first, let kind = pair.key.scalar?.text else { return "?" }
        if let scalar = pair.value.scalar {
            return shortName(kind) + scalar.text
        }
        let settings = pair.value.mapping ?? []
        func setting(_ name: String) -> String? {
            settings.first(where: { $0.key.scalar?.text == name })?.value.scalar?.text
        }
        var token: String
        var used: Set<String> = ["init"]
        switch kind {
        case "conv":
            token = "conv" + (setting("filters") ?? "") + "k" + (setting("kernel") ?? "?")
            if let stride = setting("stride"), stride != "1" { token += "s" + stride }
            if let padding = setting("padding"), padding != "0" { token += "p" + padding }
            used.formUnion(["filters", "kernel", "stride", "padding"])
        case "maxpool":
            let size = setting("size") ?? "?"
            token = "pool" + size
            if let stride = setting("stride"), stride != size { token += "s" + stride }
            used.formUnion(["size", "stride"])
        case "dense":
            token = "dense" + (setting("units") ?? "?")
            used.insert("units")
        default:
            token = shortName(kind)
        }
        // Settings this function does not know are appended rather than dropped.
        let others = settings.compactMap { pair -> String? in
            guard let key = pair.key.scalar?.text, !used.contains(key), let value = pair.value.scalar else { return nil }
            return "\(key)=\(value.text)"
        }
        if !others.isEmpty { token += "[" + others.joined(separator: ",") + "]" }
        if let overrides = pair.value.value(atPath: ["init"])?.mapping, !overrides.isEmpty {
            token += "(" + overrides.map { "\($0.key.scalar?.text ?? "?")=\($0.value.scalar?.text ?? "?")" }
                .joined(separator: ",") + ")"
        }
        return token
    }

    private static func shortName(_ kind: String) -> String {
        switch kind {
        case "maxpool": return "pool"
        case "dropout": return "drop"
        default: return kind
        }
    }
}
