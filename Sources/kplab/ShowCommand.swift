import ArgumentParser
import Experiments
import Faces
import Foundation
import Inference
import Reports
import Results
import Training

/// `kplab show [RUN…] --data FILE --rows 0-23 --out faces.png`: a contact sheet to look at.
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
            RMSE in pixels. Without a run folder, only the file's own keypoints are drawn; with \
            several, their ensemble's predictions (the mean of the runs'). --tta flip averages each \
            run's prediction with its prediction for the mirror image (default: each run's train.tta).

            --rows takes 0-based data rows: 0-23, 5, or lists such as 0-3,10,20-22 (at most \
            \(ShowCommand.maximumFaces) faces); with a run folder and true keypoints, also validation \
            (the rows the run validated on, as its data.validation splits this file), worst:N or \
            best:N (the N faces predicted worst or best, by each face's RMSE). The PNG is written through libpng, whole or not at all.

            --augment EXPERIMENT draws what training shows the network instead: the experiment's \
            training faces (its data, split and seed; --set overrides them) as epoch --epoch \
            flips and transforms them (data.augment), with their transformed keypoints; a keypoint \
            moved out of the frame is not drawn. --rows then counts the training rows.

            Exit status: 0 written, 1 when the run or a file cannot be used, 2 invalid arguments.
            """)

    static let maximumFaces = 400

    @Argument(help: ArgumentHelp("The run folder, results/<experiment>/<run-id> (optional; several draw their ensemble's predictions).",
                                 valueName: "run"))
    var runFolders: [String] = []

    @Option(help: ArgumentHelp("Faces to draw: training.csv format (with true keypoints) or test.csv format.", valueName: "file"))
    var data: String?

    @Option(help: ArgumentHelp("Draw this experiment's training faces as an epoch of training augments them (instead of --data).",
                               valueName: "experiment"))
    var augment: String?

    @Option(help: "With --augment: the epoch (from 1) whose flips and transforms are drawn.")
    var epoch: Int = 1

    @Option(help: ArgumentHelp("Rows to draw: a list counted from 0 (0-23,40), validation (the run's validation rows), "
                               + "worst:N or best:N (the N faces the runs predict worst or best). Default: the first 24.",
                               valueName: "rows"))
    var rows: String?

    @Option(help: ArgumentHelp("The PNG file to write.", valueName: "file"))
    var out: String

    @Option(help: "Faces per row of the sheet.")
    var columns: Int = 6

    @Option(help: "Enlargement of each 96-pixel face (1-8).")
    var scale: Int = 3

    @OptionGroup var modelOptions: TrainedModelOptions

    @OptionGroup var experimentOptions: ExperimentOptions

    func validate() throws {
        try PathChecks.outputFile(out, option: "--out")
        guard columns >= 1 else { throw ValidationError("--columns must be at least 1") }
        guard (1 ... 8).contains(scale) else { throw ValidationError("--scale must be 1-8, got \(scale)") }
        if augment != nil {
            guard data == nil, runFolders.isEmpty else {
                throw ValidationError("--augment draws an experiment's own training faces: leave out --data and the run folder")
            }
            guard epoch >= 1 else { throw ValidationError("--epoch must be at least 1, got \(epoch)") }
        } else {
            guard data != nil else { throw ValidationError("missing --data FILE (or --augment EXPERIMENT)") }
            guard experimentOptions.overrides.isEmpty else { throw ValidationError("--set goes with --augment") }
        }
        if let rows {
            let ranked = Self.ranking(rows)
            if rows == "validation" || ranked != nil {
                guard augment == nil, !runFolders.isEmpty else {
                    throw ValidationError("--rows \(rows) needs a run folder (whose validation rows or predictions choose the faces)")
                }
                if let ranked, !(1 ... Self.maximumFaces).contains(ranked.count) {
                    throw ValidationError("--rows \(rows): N must be 1-\(Self.maximumFaces)")
                }
            } else {
                do {
                    _ = try RowList.parse(rows, atMost: Self.maximumFaces)
                } catch let error as UserError {
                    throw ValidationError(error.description)
                }
            }
        }
    }

    func run() throws {
        if let augment {
            try drawAugmented(augment)
        } else if let data {  // validate() asks for one of the two
            try drawFile(data)
        }
    }

    /// The rows of `--rows` checked against `count` rows of `what`, or the first 24.
    private func selectedRows(count: Int, of what: String) throws -> [Int] {
        guard let rows else { return Array(0 ..< min(24, count)) }
        let selected = try RowList.parse(rows, atMost: Self.maximumFaces)
        try RowList.check(selected, rowCount: count, file: what)
        return selected
    }

    /// `worst:N` → (worst, N); `best:N` → (best, N); nil for anything else.
    static func ranking(_ rows: String) -> (worst: Bool, count: Int)? {
        for (prefix, worst) in [("worst:", true), ("best:", false)] where rows.hasPrefix(prefix) {
            return (worst, Int(rows.dropFirst(prefix.count)) ?? 0)
        }
        return nil
    }

    /// The rows `--rows validation|worst:N|best:N` stand for in `file`, with the runs.
    private func chosenRows(_ rows: String, file: FaceFile, data: String, ensemble: Ensemble) throws -> [Int] {
        guard case .labeled(let faces) = file else {
            throw UserError("--rows \(rows) needs true keypoints: \(data) is in test.csv format")
        }
        if rows == "validation" {
            let experiment = ensemble.models[0].experiment
            let validation = experiment.data.split(faces, seed: experiment.seed ?? 0).validation
            guard validation.count > 0 else { throw UserError("\(data): the run's validation split leaves no rows of this file") }
            return Array(validation.indices.prefix(Self.maximumFaces))
        }
        let (worst, count) = Self.ranking(rows)!
        let all = Array(0 ..< file.count)
        let predictions = try ensemble.predict(file, rows: all)
        let width = Keypoint.coordinateCount
        let errors: [(row: Int, rmse: Double)] = all.compactMap { row in
            let face = row * width ..< (row + 1) * width
            return Keypoint.rmsePixels(truth: faces.keypoints[face], prediction: predictions[face]).map { (row, $0) }
        }
        let ordered = errors.sorted { worst ? ($0.rmse, $1.row) > ($1.rmse, $0.row) : ($0.rmse, $0.row) < ($1.rmse, $1.row) }
        return ordered.prefix(count).map(\.row)
    }

    /// `--data`: the file's faces, with a run's predictions when a run folder is given.
    private func drawFile(_ data: String) throws {
        try reportingFailures {
            let file = try FaceFile(contentsOf: data)
            guard file.count > 0 else { throw UserError("\(data) has no faces to draw") }
            let chooses = rows == "validation" || rows.flatMap(Self.ranking) != nil
            var selected = chooses ? [] : try selectedRows(count: file.count, of: data)
            var predictions: [Float]?
            var level1: [Float]?
            var title = "\(data): " + (file.truth(0) == nil ? "faces" : "true keypoints")
            if !runFolders.isEmpty {
                let ensemble = try modelOptions.load(runFolders, faceCount: chooses ? file.count : selected.count)
                if chooses, let rows {
                    selected = try chosenRows(rows, file: file, data: data, ensemble: ensemble)
                }
                predictions = try ensemble.predict(file, rows: selected)
                let model = ensemble.models[0]
                title = ensemble.models.count == 1 ? "\(model.runID), \(weightsDescription(model)), on \(data)"
                    : "mean of \(ensemble.models.count) runs (first \(model.runID)), on \(data)"
                // One cascade: where level 1 put each point, so the corrections show.
                if ensemble.models.count == 1, let first = model.level1 {
                    level1 = try Ensemble([first]).predict(file, rows: selected)
                }
            }
            let sheet = ContactSheet(file: file, rows: selected, predictions: predictions, level1: level1, title: title,
                                     columns: columns, scale: scale)
            try write(sheet, faces: selected.count)
        }
    }

    private func write(_ sheet: ContactSheet, faces: Int) throws {
        let image = sheet.render()
        try image.writePNG(to: out)
        print("\(out): \(faces) faces, \(image.width)×\(image.height) pixels")
    }

    /// `--augment`: the experiment's training faces as epoch `epoch` presents them.
    private func drawAugmented(_ file: String) throws {
        let overrides = try experimentOptions.parsedOverrides()
        try reportingFailures {
            let experiment = try Experiment.load(contentsOfFile: file, overrides: overrides)
            guard let seed = experiment.seed else {
                throw UserError("\(file) has no seed, so its augmentation is drawn anew by each run; give it one (--set seed=1)")
            }
            let training = try PreparedData(experiment.data, seed: seed).training
            let positions = try selectedRows(count: training.count, of: "\(file)'s training rows")
            let faces = training.augmented(positions.map { training.indices[$0] }, epoch: epoch - 1,
                                           plan: experiment.batchPlan(seed: seed))
            let sheet = ContactSheet(file: .labeled(faces), rows: Array(0 ..< faces.count), predictions: nil,
                                     title: "\(experiment.name): training faces as epoch \(epoch) augments them (seed \(seed))",
                                     columns: columns, scale: scale)
            try write(sheet, faces: faces.count)
        }
    }
}
