extension ModelSpec {
    /// Weights and checkpoints written before layers had names called a layer's tensors
    /// `layer<N>.<kind>.…` (N its position in `model.layers`, from 1): `layer5.dense.weight`,
    /// `layer5.dense.weight.velocity`. Today they are named after the layer (`dense2.weight`),
    /// so that inserting a layer renames nothing after it. This renames the old names of
    /// `values` to today's and leaves every other name as it is, so old run folders still
    /// evaluate, predict, show and resume.
    public func renamingLegacyTensors<Value>(_ values: [String: Value]) -> [String: Value] {
        guard let graph = try? ModelGraph(layers) else { return values }
        var prefixes: [String: String] = [:]
        for (index, layer) in layers.enumerated() {
            prefixes["layer\(index + 1).\(layer.kindName)."] = graph.names[index] + "."
        }
        return Dictionary(values.map { name, value in
            let parts = name.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, let renamed = prefixes["\(parts[0]).\(parts[1])."] else { return (name, value) }
            return (renamed + parts[2], value)
        }, uniquingKeysWith: { first, _ in first })
    }
}
