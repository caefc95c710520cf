import ArgumentParser
import Faces
import Foundation
import Inference
import Results

/// `kplab evaluate RUN… --data FILE`: the run's (or an ensemble's) RMSE in pixels, overall and
/// per keypoint.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Score a trained run on a labeled file: RMSE in pixels overall and for each keypoint.",
        discussion: """
            The run's network (from its config.yaml) with its best or last weights predicts every \
            face of the file in batches, without dropout, normalised exactly as in training \
            (pixels / 256, targets (y - 48) / 48). Missing coordinates are skipped: each RMSE is \
            over the values present, and the count of those values is shown beside it. The \
            overall RMSE is over every present value, as val_rmse_px is during training.

            Several run folders score their ensemble: each face's keypoints are the mean of the \
            runs' predictions. --tta flip averages each run's prediction for a face with its \
            prediction for the mirror image (mapped back); by default each run does as its \
            train.tta says, so that one run scores as its validation did.

            Exit status: 0 scored, 1 when the run or the data cannot be used, 2 invalid arguments.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, csv, json }

    @Argument(help: ArgumentHelp("The run folder, results/<experiment>/<run-id>; several score their ensemble.",
                                 valueName: "run"))
    var runFolders: [String]

    @Option(help: ArgumentHelp("Faces with true keypoints, in Kaggle's training.csv format.", valueName: "file"))
    var data: String

    @Option(help: "Output: table, csv or json.")
    var format: Format = .table

    @OptionGroup var modelOptions: TrainedModelOptions

    func run() throws {
        try reportingFailures {
            guard case .labeled(let faces) = try FaceFile(contentsOf: data) else {
                throw UserError("\(data) has no keypoints (it is in test.csv format, ImageId,Image); "
                                  + "evaluate needs true keypoints, in training.csv format")
            }
            guard faces.count > 0 else { throw UserError("\(data) has no faces to score") }
            let ensemble = try modelOptions.load(runFolders, faceCount: faces.count)
            let evaluation = try ensemble.evaluate(faces)
            let report = Report(ensemble: ensemble, description: ensembleDescription(ensemble),
                                data: data, faces: faces.count, evaluation: evaluation)
            switch format {
            case .table: print(report.table, terminator: "")
            case .csv: print(report.csv, terminator: "")
            case .json: print(try report.json())
            }
        }
    }

    /// What evaluate prints, in each format.
    struct Report: Encodable {
        struct KeypointRow: Encodable {
            var keypoint: String
            /// nil (JSON null) when the file has no value of this keypoint.
            var rmsePixels: Double?
            var values: Int
            enum CodingKeys: String, CodingKey { case keypoint, rmsePixels = "rmse_px", values = "count" }

            func encode(to encoder: Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(keypoint, forKey: .keypoint)
                try container.encode(rmsePixels, forKey: .rmsePixels)  // null, not absent, when nil
                try container.encode(values, forKey: .values)
            }
        }

        /// The one run scored; nil for an ensemble (`runs` lists every run either way).
        var run: String?
        var runs: [String]
        var weights: String
        /// Each run's test-time augmentation (none, flip), in `runs` order.
        var tta: [String]
        var data: String
        var faces: Int
        var rmsePixels: Double?
        var values: Int
        var keypoints: [KeypointRow]
        private var description: String

        enum CodingKeys: String, CodingKey { case run, runs, weights, tta, data, faces, rmsePixels = "rmse_px", values = "count", keypoints }

        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeIfPresent(run, forKey: .run)
            try container.encode(runs, forKey: .runs)
            try container.encode(weights, forKey: .weights)
            try container.encode(tta, forKey: .tta)
            try container.encode(data, forKey: .data)
            try container.encode(faces, forKey: .faces)
            try container.encode(rmsePixels, forKey: .rmsePixels)
            try container.encode(values, forKey: .values)
            try container.encode(keypoints, forKey: .keypoints)
        }

        init(ensemble: Ensemble, description: String, data: String, faces: Int, evaluation: Evaluation) {
            runs = ensemble.models.map(\.folder.path)
            run = runs.count == 1 ? runs[0] : nil
            weights = ensemble.models[0].weights.rawValue  // one --weights option for every run
            tta = ensemble.models.map(\.tta.rawValue)
            self.description = description
            self.data = data
            self.faces = faces
            let overall = evaluation.rmsePixels
            rmsePixels = overall.isFinite ? overall : nil
            values = evaluation.presentCounts.reduce(0, +)
            keypoints = evaluation.keypoints.map {
                KeypointRow(keypoint: $0.keypoint.name, rmsePixels: $0.count > 0 ? $0.rmsePixels : nil, values: $0.count)
            }
        }

        var table: String {
            func number(_ value: Double?) -> String { value.map { String(format: "%.3f", $0) } ?? "-" }
            func padded(_ text: String, _ width: Int, left: Bool = false) -> String {
                let pad = String(repeating: " ", count: max(0, width - text.count))
                return left ? text + pad : pad + text
            }
            var lines = [
                (runs.count == 1 ? "run      " : "runs     ") + description,
                "data     \(data): \(faces) faces, \(values) of \(faces * Keypoint.coordinateCount) coordinates present",
                "overall  RMSE \(number(rmsePixels)) px over \(values) values",
                "",
                padded("keypoint", 26, left: true) + padded("rmse px", 9) + padded("values", 8),
            ]
            for row in keypoints {
                lines.append(padded(row.keypoint, 26, left: true) + padded(number(row.rmsePixels), 9) + padded(String(row.values), 8))
            }
            return lines.joined(separator: "\n") + "\n"
        }

        var csv: String {
            func number(_ value: Double?) -> String { value.map { String($0) } ?? "" }
            var lines = ["keypoint,rmse_px,count", "overall,\(number(rmsePixels)),\(values)"]
            lines += keypoints.map { "\($0.keypoint),\(number($0.rmsePixels)),\($0.values)" }
            return lines.joined(separator: "\n") + "\n"
        }

        func json() throws -> String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            return String(decoding: try encoder.encode(self), as: UTF8.self)
        }
    }
}
