import Engine
@testable import Experiments
import Testing

/// Named layers, inputs and merges: how they decode, what `check` shows, how the canonical form
/// writes them, and the errors at the key that is wrong.
@Suite struct GraphDecodingTests {
    /// stem → relu → conv → add(conv, stem) → conv 1×1 → concat(add, it) → pool ┐
    ///                                                 └→ conv 1×1 → pool ─ concat → flatten → dense → add(dense, dense).
    static let residual = """
        model:
          layers:
            - conv: {filters: 4, kernel: 3, padding: 1, name: stem}
            - relu
            - conv: {filters: 4, kernel: 3, padding: 1}
            - add: [conv1, stem]
            - conv: {filters: 2, kernel: 1, name: narrow}
            - concat: {inputs: [add1, narrow], name: joined}
            - maxpool: 4
            - conv: {filters: 2, kernel: 1, input: joined}
            - maxpool: {size: 4, name: small}
            - concat: [maxpool1, small]
            - flatten
            - dense: 30
            - add: [dense1, dense1]
        train: {epochs: 1}
        """

    @Test func namesAndInputsBecomeTheGraph() throws {
        let model = try Experiment.decode(text: Self.residual, path: "x.yaml").model
        let graph = try ModelGraph(model.layers)
        #expect(graph.names == ["stem", "relu1", "conv1", "add1", "narrow", "joined", "maxpool1", "conv2", "small",
                                "concat1", "flatten1", "dense1", "add2"])
        #expect(graph.inputs == [[0], [1], [2], [3, 1], [4], [4, 5], [6], [6], [8], [7, 9], [10], [11], [12, 12]])
        #expect(!graph.isChain)
    }

    @Test func checkShowsWhatEachLayerReads() throws {
        let summary = try ModelSummary(model: Experiment.decode(text: Self.residual, path: "x.yaml").model)
        let lines = summary.description.split(separator: "\n").map(String.init)
        #expect(lines[0].hasPrefix("#   name      layer             reads            output"))
        #expect(lines.contains { $0.hasPrefix("3   add1      add               conv1, stem      4×96×96") })
        #expect(lines.contains { $0.hasPrefix("5   joined    concat            add1, narrow     6×96×96") })
        #expect(lines.contains { $0.hasPrefix("7   conv2     conv 2@1×1        joined           2×96×96") })
        #expect(summary.rows[9].output == Shape(channels: 8, height: 24, width: 24))
    }

    @Test func theCanonicalFormKeepsNamesAndInputsAndRoundTrips() throws {
        let experiment = try Experiment.decode(text: Self.residual, path: "x.yaml")
        let text = experiment.canonicalText
        #expect(text.contains("- conv: {filters: 4, kernel: 3, stride: 1, padding: 1, name: stem}")
                || text.contains("name: stem"))
        #expect(text.contains("input: joined"))
        #expect(try Experiment.decode(text: text, path: "config.yaml") == experiment)
        // A chain without names writes exactly what it always did: run identities do not move.
        let chain = try Experiment.decode(text: "model: {layers: [flatten, {dense: 30}]}\ntrain: {epochs: 1}", path: "x.yaml")
        #expect(!chain.canonicalText.contains("name: flatten") && !chain.canonicalText.contains("input:"))
    }

    @Test func theArchitectureColumnShowsTheGraph() throws {
        let experiment = try Experiment.decode(text: Self.residual, path: "x.yaml")
        let layers = experiment.canonicalNode.mapping!.first { $0.key.scalar?.text == "model" }!.value
            .mapping!.first { $0.key.scalar?.text == "layers" }!.value.sequence!
        #expect(Architecture.text(layers: layers)
                == "conv4k3p1=stem-relu-conv4k3p1-add(stem)=add1-conv2k1-concat(add1)=joined-pool4=maxpool1"
                    + "-conv2k1(from joined)-pool4-concat(maxpool1)-dense30-add(dense1,dense1)")
    }

    static let errors: [(lines: String, sets: [String], message: String)] = [
        ("model: {layers: [{conv: {filters: 2, kernel: 3, name: a}}, {add: [a, b]}, flatten, {dense: 30}]}", [],
         "1:70: model.layers.1.add.inputs.1: no layer above is named 'b' (did you mean 'a'?)"),
        ("model: {layers: [{conv: {filters: 2, kernel: 3, input: c}}, {relu: {name: c}}, flatten, {dense: 30}]}", [],
         "1:56: model.layers.0.conv.input: 'c' is layer 1, below it: a layer reads only layers above it, so that the graph has no cycle"),
        ("model: {layers: [{relu: {name: r, input: r}}, flatten, {dense: 30}]}", [],
         "1:42: model.layers.0.relu.input: 'r' is itself: a layer reads only layers above it, so that the graph has no cycle"),
        ("model: {layers: [{conv: {filters: 2, kernel: 3, name: a}}, {conv: {filters: 3, kernel: 3}}, {add: [a, conv1]}, flatten, {dense: 30}]}", [],
         "1:93: model.layers.2: add needs inputs of one shape, got 2×94×94, 3×92×92"),
        ("model: {layers: [{maxpool: {size: 2, name: p}}, {concat: [p, input]}, flatten, {dense: 30}]}", [],
         "1:49: model.layers.1: concat stacks channels of one height and width, got 1×48×48, 1×96×96"),
        ("model: {layers: [{relu: {name: a}}, {relu: {name: a}}, flatten, {dense: 30}]}", [],
         "1:51: model.layers.1.relu.name: the name 'a' is already layer 0's; names must differ"),
        ("model: {layers: [{relu: {name: input}}, flatten, {dense: 30}]}", [],
         "1:32: 'input' names the network's input; choose another name"),
        ("model: {layers: [{relu: {name: 2x}}, flatten, {dense: 30}]}", [],
         "1:32: '2x' is not a layer name: a letter, then letters, digits, '_' or '-', at most 64 in all"),
        ("model: {layers: [relu, {flatten: {input: input}}, {dense: 30}]}", [],
         "1:18: model.layers.0: nothing reads the output of 'relu1'; only the last layer may be left unread (it is the network's output): name it in a later layer's 'input' or merge"),
        ("model: {layers: [{add: [input]}, flatten, {dense: 30}]}", [],
         "1:24: a merge reads a list of two or more layer names, e.g. 'add: [stem, branch]', found a list of 1"),
        ("model: {layers: [{add: {inputs: [input, input], input: input}}, flatten, {dense: 30}]}", [],
         "1:49: add reads the layers its 'inputs' lists, e.g. '- add: [stem, branch]'"),
        ("", ["model.layers.1.dense.input=nowhere"],
         "--set model.layers.1.dense.input=nowhere: 'model.layers.1.dense' is '30', not a mapping, so it has no key 'model.layers.1.dense.input'; set 'model.layers.1.dense' itself"),
        ("", ["model.layers.1={dense: {units: 30, input: nowhere}}"],
         "--set model.layers.1={dense: {units: 30, input: nowhere}}: model.layers.1.dense.input: no layer above is named 'nowhere'"),
    ]

    @Test(arguments: errors)
    func errorsPointAtTheKeyThatIsWrong(lines: String, sets: [String], message: String) {
        #expect(firstLineOfError(lines, sets) == message)
    }

    /// Inserting a layer renames no parameter of the layers that have names, and old archives'
    /// position-based names (`layer5.dense.weight`) map onto today's.
    @Test func parametersAreNamedByLayerAndOldNamesStillLoad() throws {
        let model = try Experiment.decode(text: Self.residual, path: "x.yaml").model
        var rng = RandomGenerator(seed: 1)
        let network = try model.makeNetwork(maxBatch: 1, threads: 1, rng: &rng)
        #expect(network.parameters.map(\.name) == ["stem.weight", "stem.bias", "conv1.weight", "conv1.bias", "narrow.weight",
                                                   "narrow.bias", "conv2.weight", "conv2.bias", "dense1.weight", "dense1.bias"])
        let renamed = model.renamingLegacyTensors(["layer1.conv.weight": 1, "layer12.dense.bias": 2, "layer12.dense.bias.velocity": 3,
                                                   "layer2.conv.weight": 4, "optimizer_steps": 5])
        #expect(renamed == ["stem.weight": 1, "dense1.bias": 2, "dense1.bias.velocity": 3, "layer2.conv.weight": 4, "optimizer_steps": 5])
    }
}
