import ArgumentParser
import Faces
import Foundation
import Inference
import Results

/// `kplab predict RUN… --data test.csv [--lookup IdLookupTable.csv] --submission out.csv`.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predict keypoints for a test file and write a Kaggle submission.",
        discussion: """
            The run's network with its best or last weights predicts every face of --data in \
            batches, without dropout. Every predicted coordinate is clipped to 0-96 pixels; \
            weights or predictions that are not finite numbers (a diverged run) are an error.

            Several run folders predict as an ensemble: each face's keypoints are the mean of the \
            runs' predictions. --tta flip averages each run's prediction for a face with its \
            prediction for the mirror image (mapped back); by default each run does as its \
            train.tta says.

            With --lookup, the output is Kaggle's submission format: RowId,Location, one row per \
            lookup-table row, in its order. A lookup row that names an image not in --data is an \
            error that names the row; so is an unknown FeatureName. Without --lookup, the output \
            has the training format's keypoint columns, one row per image: \
            ImageId,left_eye_center_x,left_eye_center_y,... (30 coordinates).

            --data is usually Kaggle's test.csv (ImageId,Image); a training-format file also \
            works, its faces numbered ImageId 1, 2, ... in file order. The output file appears \
            whole or not at all.

            Exit status: 0 written, 1 when the run or a file cannot be used, 2 invalid arguments.
            """)

    @Argument(help: ArgumentHelp("The run folder, results/<experiment>/<run-id>; several predict as an ensemble.",
                                 valueName: "run"))
    var runFolders: [String]

    @Option(help: ArgumentHelp("Faces to predict: Kaggle's test.csv format (or training.csv format).", valueName: "file"))
    var data: String

    @Option(help: ArgumentHelp("Kaggle's IdLookupTable.csv: which values the submission lists.", valueName: "file"))
    var lookup: String?

    @Option(help: ArgumentHelp("The CSV file to write.", valueName: "file"))
    var submission: String

    @OptionGroup var modelOptions: TrainedModelOptions

    func validate() throws {
        try PathChecks.outputFile(submission, option: "--submission")
    }

    func run() throws {
        try reportingFailures {
            let faces = try FaceFile(contentsOf: data).unlabeled
            guard faces.count > 0 else { throw UserError("\(data) has no faces to predict") }
            // Check the lookup table against the images before spending time on predictions.
            let table = try lookup.map { try LookupTable(contentsOf: $0) }
            if let table, let lookup {
                try Submission.check(lookup: table, lookupPath: lookup, faces: faces, facesPath: data)
            }
            let ensemble = try modelOptions.load(runFolders, faceCount: faces.count)
            let started = Date()
            let predictions = try ensemble.predict(faces)
            let seconds = Date().timeIntervalSince(started)
            let clipped = predictions.filter { !Submission.validRange.contains($0) }.count
            if let table, let lookup {
                let rows = try Submission.rows(lookup: table, lookupPath: lookup, faces: faces, facesPath: data,
                                               predictions: predictions)
                try writeSubmission(rows, to: submission)
                print("\(submission): \(rows.count) rows (RowId,Location) from \(lookup) for \(faces.count) images")
            } else {
                try Submission.writeKeypoints(imageIds: faces.imageIds, predictions: predictions, to: submission)
                print("\(submission): \(faces.count) rows (ImageId and 30 keypoint columns)")
            }
            print("model    \(ensembleDescription(ensemble))")
            print(String(format: "predicted %d faces in %.3f s (%.0f faces/s, %d thread%@, batch %d); %d of %d values clipped to 0-96",
                         faces.count, seconds, Double(faces.count) / max(seconds, 1e-9), modelOptions.threads,
                         modelOptions.threads == 1 ? "" : "s", ensemble.batchSize, clipped, predictions.count))
        }
    }
}
