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
            [String(epoch), roundTripText(trainLoss), roundTripText(validationLoss), roundTripText(validationRMSEPixels),
             roundTripText(outputSpread), "\(learningRate)", roundTripText(seconds)].joined(separator: ",")
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

    /// The finished rows of a metrics file, by column name: a file from before `output_spread`
    /// existed reads with that column NaN, and a column this version does not know is ignored.
    /// A file still being written reads as far as its last complete line: a partial last line
    /// (an append under way) is left out, and so is a header not yet complete.
    ///
    /// - Throws: `UserError` when the file cannot be read, when its header lacks a column this
    ///   version needs, or when a complete row is malformed (naming the row and column).
    public static func read(path: String) throws -> [Row] {
        try readFields(path: path).enumerated().map { index, fields in
            func value<T>(_ column: String, _ parse: (String) -> T?) throws -> T {
                guard let text = fields[column], let value = parse(text) else {
                    throw UserError("\(path): row \(index + 1), column \(column): expected a number, found '\(fields[column] ?? "")'")
                }
                return value
            }
            return Row(epoch: try value("epoch") { Int($0) }, trainLoss: try value("train_loss") { Double($0) },
                       validationLoss: try value("val_loss") { Double($0) },
                       validationRMSEPixels: try value("val_rmse_px") { Double($0) },
                       outputSpread: fields["output_spread"] == nil ? .nan : try value("output_spread") { Double($0) },
                       learningRate: try value("learning_rate") { Float($0) }, seconds: try value("seconds") { Double($0) })
        }
    }

    /// The finished rows' fields by column name, as written: text equality is bit equality,
    /// because the log writes the shortest text that reads back to each value. Every column of
    /// the header is kept, known or not; the rules of `read(path:)` apply.
    public static func readFields(path: String) throws -> [[String: String]] {
        guard let text = String(contentsOfFileAtPath: path) else { throw UserError("cannot read \(path)") }
        // Only lines that end in a line feed are finished: the writer appends whole lines.
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isLineEnd).dropLast()
        guard let header = lines.first else { return [] }
        let names = header.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let missing = columns.filter { $0 != "output_spread" && !names.contains($0) }
        guard missing.isEmpty, Set(names).count == names.count else {
            throw UserError("\(path): not a kplab metrics file (its header \(header) lacks \(missing.joined(separator: ", ")) "
                            + "or repeats a column)")
        }
        return try lines.dropFirst().enumerated().map { index, line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == names.count else {
                throw UserError("\(path): row \(index + 1) has \(fields.count) fields, the header \(names.count): \(line)")
            }
            return Dictionary(uniqueKeysWithValues: zip(names, fields))
        }
    }

    /// Whether `epochs` (a file's `epoch` column) are 1, 2, …, n in order, as the log writes them.
    public static func isConsecutiveFromOne(_ epochs: some Collection<Int>) -> Bool {
        epochs.enumerated().allSatisfy { $0.offset + 1 == $0.element }
    }

    /// `1–10`, `1–10, 27`, `none`: a file's epochs, in runs, for messages.
    public static func describe(_ epochs: [Int]) -> String {
        guard let first = epochs.first else { return "none" }
        var runs: [(Int, Int)] = [(first, first)]
        for epoch in epochs.dropFirst() {
            if epoch == runs[runs.count - 1].1 + 1 { runs[runs.count - 1].1 = epoch } else { runs.append((epoch, epoch)) }
        }
        return runs.map { $0 == $1 ? "\($0)" : "\($0)–\($1)" }.joined(separator: ", ")
    }
}

/// Shortest text that reads back to the same Double; "nan"/"inf" as pandas reads them.
public func roundTripText(_ value: Double) -> String {
    if value.isNaN { return "nan" }
    if value.isInfinite { return value > 0 ? "inf" : "-inf" }
    return "\(value)"
}
