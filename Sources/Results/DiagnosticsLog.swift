/// `diagnostics.csv`: with diagnostics on, one row per parameterised layer per finished
/// epoch, flushed and fsynced with the epoch like `metrics.csv`, and cut back to the
/// checkpoint's epochs when a run resumes.
///
/// Columns (documented for users in the README):
/// - `epoch`, `layer` (its name in the model: given in the file, or automatic as `check` shows it, `conv2`)
/// - `activation_mean`, `activation_std`: over every value of the layer's own output (before
///   any ReLU) on the probe batch — the first min(64, n) validation faces, inference mode.
/// - `dead_fraction`: of the units of the ReLU that follows the layer (one channel·position of
///   a conv, one neuron of a dense), the fraction that are 0 for every probe face; empty when
///   no ReLU follows (the output layer).
/// - `bias_share`: rms(b) / (rms(b) + rms(W·x)) over the probe outputs, W·x = output − bias;
///   near 1: the bias does all the work and the input hardly matters.
/// - for `weight` and `bias` each: `_norm` ‖w‖₂ after the epoch; `_gradient_norm` ‖∂loss/∂w‖₂
///   of the epoch's last batch (the data loss, without the L2 term); `_update_norm` ‖Δw‖₂ of
///   the epoch's last optimizer step (L2 and momentum included); `_update_ratio`
///   ‖Δw‖ / ‖w‖ (typically about 1e-3; much smaller: the layer does not move).
///   The last three are `nan` for an epoch that a resumed run finished without training a batch.
public final class DiagnosticsLog {
    public static let columns = [
        "epoch", "layer", "activation_mean", "activation_std", "dead_fraction", "bias_share",
        "weight_norm", "weight_gradient_norm", "weight_update_norm", "weight_update_ratio",
        "bias_norm", "bias_gradient_norm", "bias_update_norm", "bias_update_ratio",
    ]

    /// One tensor's magnitudes (NaN where the layer has no such tensor).
    public struct Norms: Equatable, Sendable {
        public var norm: Double
        public var gradientNorm: Double
        public var updateNorm: Double

        public init(norm: Double, gradientNorm: Double, updateNorm: Double) {
            self.norm = norm
            self.gradientNorm = gradientNorm
            self.updateNorm = updateNorm
        }

        public var updateRatio: Double { updateNorm / norm }

        public static let missing = Norms(norm: .nan, gradientNorm: .nan, updateNorm: .nan)
    }

    public struct Row: Equatable, Sendable {
        public var epoch: Int
        public var layer: String
        public var activationMean: Double
        public var activationStandardDeviation: Double
        /// Nil when no ReLU follows the layer.
        public var deadFraction: Double?
        public var biasShare: Double
        public var weight: Norms
        public var bias: Norms

        public init(epoch: Int, layer: String, activationMean: Double, activationStandardDeviation: Double,
                    deadFraction: Double?, biasShare: Double, weight: Norms, bias: Norms) {
            self.epoch = epoch
            self.layer = layer
            self.activationMean = activationMean
            self.activationStandardDeviation = activationStandardDeviation
            self.deadFraction = deadFraction
            self.biasShare = biasShare
            self.weight = weight
            self.bias = bias
        }

        var csvLine: String {
            let tensors = [weight, bias].flatMap { [$0.norm, $0.gradientNorm, $0.updateNorm, $0.updateRatio].map(roundTripText) }
            return ([String(epoch), layer, roundTripText(activationMean), roundTripText(activationStandardDeviation),
                     deadFraction.map(roundTripText) ?? "", roundTripText(biasShare)] + tensors).joined(separator: ",")
        }

        // Equality as the file sees it: NaN equals NaN (a missing gradient reads back as such).
        public static func == (a: Row, b: Row) -> Bool { a.csvLine == b.csvLine }
    }

    private let file: EpochCSVFile
    public var path: String { file.path }

    /// Opens `path` for appending rows. A new (or empty) file gets the header; an existing one
    /// is first cut back to the rows of epochs 1…`keepingEpochs`.
    public init(path: String, keepingEpochs: Int = 0) throws {
        file = try EpochCSVFile(path: path, header: Self.columns.joined(separator: ","), keepingEpochs: keepingEpochs)
    }

    /// Appends one epoch's rows and makes them durable.
    public func append(_ rows: [Row]) throws {
        try file.append(rows.map(\.csvLine))
    }

    /// Parses a diagnostics file written by this class.
    public static func read(path: String) throws -> [Row] {
        let lines = EpochCSVFile.readLines(path: path)
        guard let header = lines.first, header == columns.joined(separator: ",") else {
            throw UserError("\(path): not a kplab diagnostics file (unexpected header)")
        }
        return try lines.dropFirst().enumerated().map { index, line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let numbers = fields.dropFirst(2).map { Double($0) }
            guard fields.count == columns.count, let epoch = Int(fields[0]),
                  numbers.enumerated().allSatisfy({ $1 != nil || ($0 == 2 && fields[4].isEmpty) }) else {
                throw UserError("\(path): row \(index + 1) is malformed: \(line)")
            }
            let value = numbers.map { $0 ?? .nan }
            return Row(epoch: epoch, layer: fields[1], activationMean: value[0], activationStandardDeviation: value[1],
                       deadFraction: numbers[2], biasShare: value[3],
                       weight: Norms(norm: value[4], gradientNorm: value[5], updateNorm: value[6]),
                       bias: Norms(norm: value[8], gradientNorm: value[9], updateNorm: value[10]))
        }
    }
}

extension RunFolder {
    /// `diagnostics.csv` (`DiagnosticsLog`), written when diagnostics are on.
    public var diagnostics: String { file("diagnostics.csv") }
}
