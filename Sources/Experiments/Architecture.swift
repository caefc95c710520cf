import YAML

/// A model's layers in one short word per layer, joined by `-`, for a table column or a
/// legend: `conv32k3-relu-pool2-conv64k2-relu-pool2-dense500-relu-dense30`. Each word is the
/// kind's own `architectureToken`, then:
/// - a per-layer initializer override in parentheses: `dense500(bias=1)`;
/// - `=name` on a layer that a layer other than the next one reads (`conv32k3=stem`);
/// - on a layer that reads another than the one above it, what it reads: `conv8k1(from stem)`;
///   on a merge, what it reads besides the layer above: `add(stem)` (else all: `add(a,b)`);
/// - `flatten` is left out when a dense layer follows it: a dense layer after a convolution
///   needs it, so writing it adds length without telling runs apart.
/// A layer this version cannot read (a config from another version) shows its kind's key.
public enum Architecture {
    /// The text for the `model.layers` list of a `config.yaml`.
    public static func text(layers items: [Node]) -> String {
        guard !items.isEmpty else { return "none" }
        let decoding = Decoding(source: SourceText(path: "config.yaml", text: ""), overrides: [])
        let layers = items.enumerated().map { index, item in try? decoding.layer(item, ["model", "layers", String(index)]) }
        let decoded = layers.compactMap { $0 }
        let graph = decoded.count == layers.count ? try? ModelGraph(decoded) : nil
        var tokens: [String] = []
        for (index, layer) in layers.enumerated() {
            guard let layer else {
                tokens.append(items[index].mapping?.first?.key.scalar?.text ?? items[index].scalar?.text ?? "?")
                continue
            }
            let next = index + 1 < layers.count ? layers[index + 1] : nil
            if layer.kindName == "flatten", next?.kindName == "dense", graph.map({ $0.inputs[index + 1] == [index + 1] }) ?? true {
                continue
            }
            var token = layer.type.base.architectureToken
            // The override as the config writes it (`bias=1`), in its order.
            if let overrides = items[index].mapping?.first?.value.mapping?.first(where: { $0.key.scalar?.text == "init" })?.value.mapping,
               !overrides.isEmpty {
                token += "(" + overrides.map { "\($0.key.scalar?.text ?? "?")=\($0.value.scalar?.text ?? "?")" }.joined(separator: ",") + ")"
            }
            if let graph {
                token += graphNote(index, graph: graph, isMerge: type(of: layer.type.base).isMerge)
            }
            tokens.append(token)
        }
        return tokens.joined(separator: "-")
    }

    /// `=name` when read from afar, and what the layer reads when not just the one above.
    private static func graphNote(_ index: Int, graph: ModelGraph, isMerge: Bool) -> String {
        var note = ""
        let value = index + 1
        let readFromAfar = graph.inputs.enumerated().contains { reader, inputs in reader != index + 1 && inputs.contains(value) }
        if readFromAfar { note += "=" + graph.names[index] }
        let names = graph.inputNames(of: index)
        if isMerge {
            let others = zip(graph.inputs[index], names).filter { $0.0 != index }.map(\.1)
            let shown = others.isEmpty || !graph.inputs[index].contains(index) ? names : others
            note = "(" + shown.joined(separator: ",") + ")" + note
        } else if graph.inputs[index] != [index] {
            note = "(from \(names[0]))" + note
        }
        return note
    }
}
