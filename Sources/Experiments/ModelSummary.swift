import Engine
import Faces

/// What `model.summary()` shows in Keras: each layer with its output shape, parameter count
/// and forward cost, the totals, and the initializer each parameterised layer resolves to —
/// all computed from shapes alone, before any memory is allocated.
public struct ModelSummary: Sendable, CustomStringConvertible {
    public struct Row: Sendable, Equatable {
        /// The layer's index in `model.layers` (what `--set model.layers.N…` addresses).
        public var index: Int
        public var kind: LayerKind
        /// Per image, C×H×W.
        public var output: Shape
        /// Weights + biases.
        public var parameters: Int
        /// Forward floating-point operations per image (multiply-add = 2).
        public var flops: Int
        /// The resolved initializer, for conv and dense layers.
        public var initializer: InitializerSpec?
    }

    public var input: Shape
    public var rows: [Row]
    public private(set) var parameterCount: Int
    public private(set) var forwardFLOPs: Int

    /// Infers every layer's shape from `ModelSpec.inputShape` and checks that the network ends
    /// in exactly 30 values (15 keypoints × x, y). A failure names the layer by index; so does
    /// a layer whose sizes, or the network's totals up to it, do not fit a 64-bit integer.
    public init(model: ModelSpec) throws(ModelProblem) {
        let input = ModelSpec.inputShape
        let descriptions = model.layerDescriptions
        var rows: [Row] = []
        var previous = input, parameterCount = 0, forwardFLOPs = 0
        for (index, description) in descriptions.enumerated() {
            let sizes: LayerSizes
            do {
                sizes = try LayerSizes(description.kind, input: previous)
            } catch {
                throw ModelProblem(layerIndex: index, message: error.message)
            }
            guard let parameters = sum(parameterCount, sizes.parameters), let flops = sum(forwardFLOPs, sizes.flops) else {
                throw ModelProblem(layerIndex: index, message: "the network is too large: its parameters or FLOPs up to "
                                       + "\(description.kind.summaryLabel) do not fit a 64-bit integer")
            }
            (parameterCount, forwardFLOPs) = (parameters, flops)
            rows.append(Row(index: index, kind: description.kind, output: sizes.output, parameters: sizes.parameters,
                            flops: sizes.flops, initializer: description.initializer))
            previous = sizes.output
        }
        let outputs = previous.count
        guard outputs == Keypoint.coordinateCount else {
            throw ModelProblem(layerIndex: descriptions.count - 1,
                             message: "the network ends with \(outputs) values, but there are \(Keypoint.coordinateCount) "
                                 + "targets (15 keypoints × x, y); end it with '- dense: \(Keypoint.coordinateCount)'")
        }
        self.input = input
        self.rows = rows
        self.parameterCount = parameterCount
        self.forwardFLOPs = forwardFLOPs
    }

    /// The table, e.g.
    ///
    ///     #  layer             output      parameters    MFLOPs  initializer
    ///        input             1×96×96
    ///     0  conv 32@3×3       32×94×94           320     5.089  xavier-uniform, bias 0
    ///     …
    ///        total                          1,234,567    99.123
    public var description: String {
        var table: [[String]] = [["#", "layer", "output", "parameters", "MFLOPs", "initializer"],
                                 ["", "input", "\(input)", "", "", ""]]
        for row in rows {
            table.append(["\(row.index)", row.kind.summaryLabel, "\(row.output)",
                          grouped(row.parameters), megaFLOPs(row.flops),
                          row.initializer.map(\.summaryLabel) ?? ""])
        }
        table.append(["", "total", "", grouped(parameterCount), megaFLOPs(forwardFLOPs), ""])
        let rightAligned: Set<Int> = [3, 4]
        let widths = (0..<6).map { column in table.map { $0[column].count }.max() ?? 0 }
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

/// Why a decoded model cannot be built: the layer (index into `model.layers`) and the reason.
public struct ModelProblem: Error, Sendable, Equatable {
    public var layerIndex: Int
    public var message: String

    public init(layerIndex: Int, message: String) {
        self.layerIndex = layerIndex
        self.message = message
    }
}

extension LayerKind {
    /// A short label for tables: `conv 32@3×3`, `conv 32@3×3/2 pad 1`, `maxpool 2×2`, `dense 500`.
    public var summaryLabel: String {
        switch self {
        case .conv(let filters, let kernel, let stride, let padding):
            return "conv \(filters)@\(kernel)×\(kernel)" + (stride == 1 ? "" : "/\(stride)")
                + (padding == 0 ? "" : " pad \(padding)")
        case .maxPool(let size, let stride):
            return "maxpool \(size)×\(size)" + (stride == size ? "" : "/\(stride)")
        case .dense(let units): return "dense \(units)"
        case .dropout(let rate): return "dropout \(rate)"
        case .relu, .flatten: return name
        }
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
    let padded = String(repeating: "0", count: decimals - fractionText.count) + fractionText
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
