import ArgumentParser
import Faces
import Foundation

/// `kplab inspect`: what is in a training-format file, before training on it.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Summarise a training-format CSV: rows, complete rows, rows per keypoint, pixels, rejects.",
        discussion: """
            Prints the row count, the rows with all 30 coordinates, how many rows have each \
            keypoint (with its mean position), pixel statistics, the file's SHA-256, and every \
            row that training would reject. Exits with status 1 when any row is rejected.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Argument(help: "A CSV file in Kaggle's training.csv format.")
    var file: String

    @Option(help: "Output format: text or json.")
    var format: Format = .text

    func run() throws {
        let (contents, fingerprint) = try reportingFailures {
            (try TrainingFile(path: file, badRows: .skip), try Fingerprint.sha256(ofFile: file))
        }
        let statistics = FaceStatistics(contents.faces)
        switch format {
        case .text: print(text(contents, statistics, fingerprint), terminator: "")
        case .json: print(try json(contents, statistics, fingerprint))
        }
        if !contents.rejected.isEmpty { throw ExitCode(1) }
    }

    private func text(_ contents: TrainingFile, _ statistics: FaceStatistics, _ fingerprint: String) -> String {
        func number(_ value: Double) -> String { value.isNaN ? "-" : String(format: "%.2f", value) }
        func padded(_ text: String, _ width: Int, left: Bool = false) -> String {
            let pad = String(repeating: " ", count: max(0, width - text.count))
            return left ? text + pad : pad + text
        }
        var lines = [
            "file      \(file)",
            "sha256    \(fingerprint)",
            "rows      \(contents.rowCount)",
            "readable  \(statistics.rows)",
            "complete  \(statistics.completeRows)",
            "rejected  \(contents.rejected.count)",
            "",
            padded("keypoint", 26, left: true) + padded("rows", 8) + padded("mean x", 9) + padded("mean y", 9),
        ]
        for count in statistics.keypoints {
            lines.append(padded(count.keypoint.name, 26, left: true) + padded(String(count.rows), 8)
                         + padded(number(count.meanX), 9) + padded(number(count.meanY), 9))
        }
        lines.append("")
        lines.append("pixels    mean \(number(statistics.pixelMean))  std \(number(statistics.pixelStandardDeviation))"
                     + "  min \(statistics.pixelMinimum)  max \(statistics.pixelMaximum)")
        if !contents.rejected.isEmpty {
            lines.append("")
            lines.append("rejected rows:")
            lines += contents.rejected.map { "  \($0)" }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private struct Report: Encodable {
        struct KeypointRows: Encodable {
            var keypoint: String
            var rows: Int
            var meanX: Double?
            var meanY: Double?
        }
        struct Rejected: Encodable {
            var row: Int?
            var message: String
        }
        var file: String
        var sha256: String
        var rows: Int
        var readableRows: Int
        var completeRows: Int
        var keypoints: [KeypointRows]
        var pixelMean: Double
        var pixelStandardDeviation: Double
        var pixelMinimum: Int
        var pixelMaximum: Int
        var rejected: [Rejected]
    }

    private func json(_ contents: TrainingFile, _ statistics: FaceStatistics, _ fingerprint: String) throws -> String {
        let report = Report(
            file: file, sha256: fingerprint, rows: contents.rowCount, readableRows: statistics.rows,
            completeRows: statistics.completeRows,
            keypoints: statistics.keypoints.map {
                .init(keypoint: $0.keypoint.name, rows: $0.rows,
                      meanX: $0.meanX.isNaN ? nil : $0.meanX, meanY: $0.meanY.isNaN ? nil : $0.meanY)
            },
            pixelMean: statistics.pixelMean, pixelStandardDeviation: statistics.pixelStandardDeviation,
            pixelMinimum: statistics.pixelMinimum, pixelMaximum: statistics.pixelMaximum,
            rejected: contents.rejected.map { .init(row: $0.row, message: $0.description) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase  // like run.json
        return String(decoding: try encoder.encode(report), as: UTF8.self)
    }
}
