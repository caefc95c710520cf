import Engine
import Faces

/// What `model.summary()` shows in Keras: each layer with its name, what it reads, its output
/// shape, parameter count and forward cost, the totals, and the initializer each parameterised
/// layer resolves to — all computed from shapes alone, before any memory is allocated.
public struct ModelSummary: Sendable, CustomStringConvertible {
    public struct Row: Sendable, Equatable {
        /// The layer's index in `model.layers` (what `--set model.layers.N…` addresses).
        public var index: Int
        /// Its name: given, or automatic (`conv2`).
        public var name: String
        /// `conv 32@3×3`.
        public var label: String
        /// The names of what it reads (`input` for the network's input).
        public var inputs: [String]
        /// Per image, C×H×W.
        public var output: Shape
        /// Weights + biases.
        public var parameters: Int
        /// Forward floating-point operations per image (multiply-add = 2).
        public var flops: Int
        /// The resolved initializer, for layers with weights it draws.
        public var initializer: InitializerSpec?
    }

    public var input: Shape
    public var rows: [Row]
    public private(set) var parameterCount: Int
    public private(set) var forwardFLOPs: Int
    let graph: ModelGraph
    /// Whether every layer reads just the one above it (the table then leaves out what each reads).
    public var isChain: Bool { graph.isChain }

    /// Resolves the graph, infers every layer's shape from `model.input` and checks that the
    /// network ends in exactly `model.outputs` values (30 for a whole face: 15 keypoints × x, y). A failure names the layer by
    /// index; so does a layer whose sizes, or the network's totals up to it, do not fit a 64-bit integer.
    public init(model: ModelSpec) throws(ModelProblem) {
        let input = model.input
        let graph = try ModelGraph(model.layers)
        var shapes = [input]
        var rows: [Row] = []
        var parameterCount = 0, forwardFLOPs = 0
        for (index, layer) in model.layers.enumerated() {
            let sizes: LayerSizes
            do {
                sizes = try layer.type.base.sizes(inputs: graph.inputs[index].map { shapes[$0] })
            } catch {
                throw ModelProblem(layerIndex: index, message: error.message)
            }
            guard let parameters = sum(parameterCount, sizes.parameters), let flops = sum(forwardFLOPs, sizes.flops) else {
                throw ModelProblem(layerIndex: index, message: "the network is too large: its parameters or FLOPs up to "
                                       + "\(layer.summaryLabel) do not fit a 64-bit integer")
            }
            (parameterCount, forwardFLOPs) = (parameters, flops)
            rows.append(Row(index: index, name: graph.names[index], label: layer.summaryLabel,
                            inputs: graph.inputNames(of: index), output: sizes.output, parameters: sizes.parameters,
                            flops: sizes.flops, initializer: model.initializer(of: layer)))
            shapes.append(sizes.output)
        }
        let outputs = shapes.last!.count
        guard outputs == model.outputs else {
            let targets = model.outputs == Keypoint.coordinateCount ? "15 keypoints × x, y" : "\(model.outputs / 2) keypoints × x, y"
            throw ModelProblem(layerIndex: model.layers.count - 1,
                               message: "the network ends with \(outputs) values, but there are \(model.outputs) "
                                   + "targets (\(targets)); end it with '- dense: \(model.outputs)'")
        }
        self.input = input
        self.rows = rows
        self.parameterCount = parameterCount
        self.forwardFLOPs = forwardFLOPs
        self.graph = graph
    }

    /// The table, e.g.
    ///
    ///     #  name      layer        output    parameters  MFLOPs  initializer
    ///                  input        1×96×96
    ///     0  conv1     conv 32@3×3  32×94×94         320   5.089  xavier-uniform, bias 0
    ///     …
    ///                  total                   1,234,567  99.123
    ///
    /// with a column `reads` after the layer when some layer reads another than the one above it.
    public var description: String {
        var header = ["#", "name", "layer", "output", "parameters", "MFLOPs", "initializer"]
        if !isChain { header.insert("reads", at: 3) }
        func line(_ cells: [String], reads: String) -> [String] {
            var cells = cells
            if !isChain { cells.insert(reads, at: 3) }
            return cells
        }
        var table: [[String]] = [header, line(["", "", "input", "\(input)", "", "", ""], reads: "")]
        for row in rows {
            table.append(line(["\(row.index)", row.name, row.label, "\(row.output)",
                               grouped(row.parameters), megaFLOPs(row.flops), row.initializer.map(\.summaryLabel) ?? ""],
                              reads: row.inputs.joined(separator: ", ")))
        }
        table.append(line(["", "", "total", "", grouped(parameterCount), megaFLOPs(forwardFLOPs), ""], reads: ""))
        let rightAligned: Set<Int> = isChain ? [4, 5] : [5, 6]
        let widths = header.indices.map { column in table.map { $0[column].count }.max() ?? 0 }
        var lines = table.map { cells in
            cells.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return rightAligned.contains(column) ? padding + cell : cell + padding
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }
        let megabytes = Double(parameterCount) * Double(MemoryLayout<Float>.size) / 1_048_576
        lines.append("\(grouped(parameterCount)) parameters (\(fixed(megabytes, decimals: 1)) MiB as fp32), "
                     + "\(megaFLOPs(forwardFLOPs)) MFLOPs forward per image")
        return lines.joined(separator: "\n")
    }
}

/// Why a decoded model cannot be built: the layer (index into `model.layers`), the key inside
/// it that is wrong when one is (`["conv", "input"]`), and the reason.
public struct ModelProblem: Error, Sendable, Equatable {
    public var layerIndex: Int
    public var keyPath: [String]
    public var message: String

    public init(layerIndex: Int, keyPath: [String] = [], message: String) {
        self.layerIndex = layerIndex
        self.keyPath = keyPath
        self.message = message
    }
}

extension ModelSpec {
    /// The initializer a layer's weights are drawn by: the model's with the layer's override;
    /// nil for a layer without weights drawn by it.
    func initializer(of layer: Layer) -> InitializerSpec? {
        layer.type.base.initializerOverride.map { $0.applied(to: initializer) }
    }
}

extension InitializerSpec {
    /// `xavier-uniform, bias 0`.
    public var summaryLabel: String {
        "\(scheme.rawValue)-\(distribution.rawValue), bias \(compact(Double(bias)))"
    }
}

/// `1234567` → `1,234,567`.
func grouped(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var out = ""
    for (offset, character) in digits.enumerated() {
        if offset > 0 && (digits.count - offset) % 3 == 0 { out.append(",") }
        out.append(character)
    }
    return (value < 0 ? "-" : "") + out
}

func megaFLOPs(_ flops: Int) -> String { fixed(Double(flops) / 1e6, decimals: 3) }

/// `value` rounded to `decimals` places, always showing them (no Foundation formatting needed);
/// `nan`, `inf` and `-inf` as pandas writes them.
public func fixed(_ value: Double, decimals: Int) -> String {
    guard value.isFinite else { return value.isNaN ? "nan" : value > 0 ? "inf" : "-inf" }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = Int((value.magnitude * scale).rounded())
    let whole = scaled / Int(scale), fraction = scaled % Int(scale)
    let fractionText = String(fraction)
    let padded = String(repeating: "0", count: max(0, decimals - fractionText.count)) + fractionText
    return (value < 0 && scaled != 0 ? "-" : "") + "\(whole)" + (decimals > 0 ? "." + padded : "")
}

/// `0.0` → `0`, `1.0` → `1`, `0.5` → `0.5`.
func compact(_ value: Double) -> String {
    value == value.rounded() && value.magnitude < 1e15 ? String(Int(value)) : "\(value)"
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
