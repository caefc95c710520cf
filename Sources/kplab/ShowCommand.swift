import ArgumentParser
import Faces
import Foundation
import Inference
import Reports
import Results

/// `kplab show [RUN] --data FILE --rows 0-23 --out faces.png`: a contact sheet to look at.
struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Draw faces with predicted and true keypoints as a PNG contact sheet.",
        discussion: """
            Each face is enlarged --scale times (nearest neighbour: the pixels the network saw). \
            Predicted keypoints are filled dots, true ones (from a training-format file) rings; \
            blue marks the subject's left (the image's right, larger x), orange the subject's \
            right, yellow the midline (nose tip, lip centres). A legend at the top explains the \
            marks; each caption names the row (or ImageId) and, when both are drawn, that face's \
            RMSE in pixels. Without a run folder, only the file's own keypoints are drawn.

            --rows takes 0-based data rows: 0-23, 5, or lists such as 0-3,10,20-22 (at most \
            \(ShowCommand.maximumFaces) faces). The PNG is written through libpng, whole or not at all.

            Exit status: 0 written, 1 when the run or a file cannot be used, 2 invalid arguments.
            """)

    static let maximumFaces = 400

    @Argument(help: ArgumentHelp("The run folder, results/<experiment>/<run-id> (optional).", valueName: "run"))
    var runFolder: String?

    @Option(help: ArgumentHelp("Faces to draw: training.csv format (with true keypoints) or test.csv format.", valueName: "file"))
    var data: String

    @Option(help: ArgumentHelp("Rows to draw, counted from 0 (default: the first 24).", valueName: "list"))
    var rows: String?

    @Option(help: ArgumentHelp("The PNG file to write.", valueName: "file"))
    var out: String

    @Option(help: "Faces per row of the sheet.")
    var columns: Int = 6

    @Option(help: "Enlargement of each 96-pixel face (1-8).")
    var scale: Int = 3

    @OptionGroup var modelOptions: TrainedModelOptions

    func validate() throws {
        try PathChecks.outputFile(out, option: "--out")
        guard columns >= 1 else { throw ValidationError("--columns must be at least 1") }
        guard (1 ... 8).contains(scale) else { throw ValidationError("--scale must be 1-8, got \(scale)") }
        if let rows {
            do {
                _ = try RowList.parse(rows, atMost: Self.maximumFaces)
            } catch let error as UserError {
                throw ValidationError(error.description)
            }
        }
    }

    func run() throws {
        try reportingFailures {
            let file = try FaceFile(contentsOf: data)
            guard file.count > 0 else { throw UserError("\(data) has no faces to draw") }
            let selected: [Int]
            if let rows {
                selected = try RowList.parse(rows, atMost: Self.maximumFaces)
                try RowList.check(selected, rowCount: file.count, file: data)
            } else {
                selected = Array(0 ..< min(24, file.count))
            }
            var predictions: [Float]?
            var title = "\(data): " + (file.truth(0) == nil ? "faces" : "true keypoints")
            if let runFolder {
                let model = try modelOptions.load(runFolder, faceCount: selected.count)
                predictions = try model.predict(file, rows: selected)
                title = "\(model.experiment.runID), \(weightsDescription(model)), on \(data)"
            }
            let sheet = ContactSheet(file: file, rows: selected, predictions: predictions, title: title,
                                     columns: columns, scale: scale)
            let image = sheet.render()
            try image.writePNG(to: out)
            print("\(out): \(selected.count) faces, \(image.width)×\(image.height) pixels")
        }
    }
}
