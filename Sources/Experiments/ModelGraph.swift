import Engine

/// A model's layers as a graph: each layer's name (given, or its kind and a count: `conv1`,
/// `conv2`, `relu1`…, skipping names the file gives) and the values it reads, numbered as the
/// Engine numbers them (0: the network's input, i + 1: layer i's output).
///
/// A layer reads the layer above it unless it names another (`input`, a merge's `inputs`); it
/// may only name a layer above it, so the graph never has a cycle, and every layer's output
/// but the last one's must be read by some layer (the last is the network's output).
struct ModelGraph: Equatable {
    /// What a layer reads by to take the network's own input.
    static let inputName = "input"

    var names: [String]
    var inputs: [[Int]]

    init(_ layers: [ModelSpec.Layer]) throws(ModelProblem) {
        var names: [String] = []
        var given: [String: Int] = [:]
        for (index, layer) in layers.enumerated() {
            guard let name = layer.name else { continue }
            if let first = given[name] {
                throw ModelProblem(layerIndex: index, keyPath: [layer.kindName, "name"],
                                   message: "the name '\(name)' is already layer \(first)'s; names must differ")
            }
            given[name] = index
        }
        var counts: [String: Int] = [:]
        for layer in layers {
            if let name = layer.name { names.append(name); continue }
            var name: String
            repeat {
                counts[layer.kindName, default: 0] += 1
                name = "\(layer.kindName)\(counts[layer.kindName]!)"
            } while given[name] != nil
            names.append(name)
        }
        let position = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        var inputs: [[Int]] = []
        for (index, layer) in layers.enumerated() {
            guard !layer.inputs.isEmpty else {
                inputs.append([index])
                continue
            }
            let isMerge = type(of: layer.type.base).isMerge
            var values: [Int] = []
            for (slot, name) in layer.inputs.enumerated() {
                let keyPath = isMerge ? [layer.kindName, "inputs", String(slot)] : [layer.kindName, "input"]
                if name == Self.inputName {
                    values.append(0)
                    continue
                }
                guard let source = position[name] else {
                    let hint = suggestion(for: name, among: [Self.inputName] + names.prefix(index)).map { " (did you mean '\($0)'?)" } ?? ""
                    throw ModelProblem(layerIndex: index, keyPath: keyPath, message: "no layer above is named '\(name)'\(hint)")
                }
                guard source < index else {
                    let which = source == index ? "itself" : "layer \(source), below it"
                    throw ModelProblem(layerIndex: index, keyPath: keyPath,
                                       message: "'\(name)' is \(which): a layer reads only layers above it, so that the graph has no cycle")
                }
                values.append(source + 1)
            }
            inputs.append(values)
        }
        var read = Set(inputs.joined())
        read.insert(layers.count)  // the network's output
        if let unread = (1..<layers.count).first(where: { !read.contains($0) }) {
            throw ModelProblem(layerIndex: unread - 1, keyPath: [],
                               message: "nothing reads the output of '\(names[unread - 1])'; only the last layer may be "
                                   + "left unread (it is the network's output): name it in a later layer's 'input' or merge")
        }
        self.names = names
        self.inputs = inputs
    }

    /// How a layer shows what it reads in `check`: `input`, or the names of the layers.
    func inputNames(of index: Int) -> [String] {
        inputs[index].map { $0 == 0 ? Self.inputName : names[$0 - 1] }
    }

    /// Whether every layer reads just the one above it.
    var isChain: Bool { inputs.enumerated().allSatisfy { $1 == [$0] } }
}
