/// `metrics.csv`: one row per finished epoch, flushed and fsynced as the epoch ends so that a
/// crash, a kill or a power cut never loses a finished epoch.
///
/// Columns (documented for users in the README):
/// - `epoch`: 1-based epoch number.
/// - `train_loss`: mean over the epoch's batches of the masked MSE on normalised targets
///   ((y − 48) / 48), as the optimizer saw it (dropout active, L2 term excluded).
/// - `val_loss`: masked MSE over the whole validation set in inference mode (no dropout).
/// - `val_rmse_px`: `sqrt(val_loss) · 48`, the validation RMSE in pixels over present values.
/// - `output_spread`: mean over the 30 coordinates of std(prediction) / std(target) across the
///   validation faces where the coordinate is present (`OutputSpread`); near 0: the net
///   predicts the same face for every input (see `CollapseDetector`).
/// - `learning_rate`: the learning rate used during the epoch.
/// - `seconds`: wall time of the epoch (training and validation); the only column that
///   differs between bit-identical reruns.
///
/// Files written before `output_spread` existed still read (the column reads as NaN).
///
/// Numbers are written in the shortest form that reads back to the same binary value, so two
/// runs' files can be compared bit for bit as text.
public final class MetricsLog {
    public static let columns = ["epoch", "train_loss", "val_loss", "val_rmse_px", "output_spread", "learning_rate", "seconds"]

    public struct Row: Equatable, Sendable {
        public var epoch: Int
        public var trainLoss: Double
        public var validationLoss: Double
        public var validationRMSEPixels: Double
        /// NaN when unknown (a diverged epoch, or a file from before the column existed).
        public var outputSpread: Double
        public var learningRate: Float
        public var seconds: Double

        public init(epoch: Int, trainLoss: Double, validationLoss: Double, validationRMSEPixels: Double,
                    outputSpread: Double = .nan, learningRate: Float, seconds: Double) {
            self.epoch = epoch
            self.trainLoss = trainLoss
            self.validationLoss = validationLoss
            self.validationRMSEPixels = validationRMSEPixels
            self.outputSpread = outputSpread
            self.learningRate = learningRate
            self.seconds = seconds
        }

        /// Equality as the file sees it: NaN equals NaN (an unknown spread reads back as such).
        public static func == (a: Row, b: Row) -> Bool { a.csvLine == b.csvLine }

        var csvLine: String {
            [String(epoch), format(trainLoss), format(validationLoss), format(validationRMSEPixels),
             format(outputSpread), "\(learningRate)", format(seconds)].joined(separator: ",")
        }
    }

    private let file: EpochCSVFile
    public var path: String { file.path }

    /// Opens `path` for appending rows. A new (or empty) file gets the header; an existing one
    /// is first cut back to `keepingEpochs` rows, so a resumed run continues exactly after the
    /// last epoch its checkpoint holds.
    public init(path: String, keepingEpochs: Int = 0) throws {
        file = try EpochCSVFile(path: path, header: Self.columns.joined(separator: ","), keepingEpochs: keepingEpochs)
    }

    public func append(_ row: Row) throws {
        try file.append([row.csvLine])
    }

    /// Parses the rows of a metrics file written by this class, by column name: a file from
    /// before `output_spread` existed reads with that column NaN.
    public static func read(path: String) throws -> [Row] {
        let lines = EpochCSVFile.readLines(path: path)
        let names = lines.first?.split(separator: ",").map(String.init) ?? []
        let required = columns.filter { $0 != "output_spread" }
        guard Set(names).isSuperset(of: required), Set(names).isSubset(of: columns), Set(names).count == names.count else {
            throw RunnerError("\(path): not a kplab metrics file (unexpected header)")
        }
        let position = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        return try lines.dropFirst().enumerated().map { index, line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            func number(_ column: String) -> Double? {
                guard let at = position[column] else { return .nan }
                return Double(fields[at])
            }
            guard fields.count == names.count, let epoch = Int(fields[position["epoch"]!]), let trainLoss = number("train_loss"),
                  let validationLoss = number("val_loss"), let rmse = number("val_rmse_px"),
                  let spread = number("output_spread"), let learningRate = Float(fields[position["learning_rate"]!]),
                  let seconds = number("seconds") else {
                throw RunnerError("\(path): row \(index + 1) is malformed: \(line)")
            }
            return Row(epoch: epoch, trainLoss: trainLoss, validationLoss: validationLoss, validationRMSEPixels: rmse,
                       outputSpread: spread, learningRate: learningRate, seconds: seconds)
        }
    }
}

/// Shortest text that reads back to the same Double; "nan"/"inf" as pandas reads them.
func format(_ value: Double) -> String {
    if value.isNaN { return "nan" }
    if value.isInfinite { return value > 0 ? "inf" : "-inf" }
    return "\(value)"
}
