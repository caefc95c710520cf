import Foundation
import Testing

/// evaluate, predict and show on the real binary: a tiny model trained by `kplab run` on
/// synthetic faces predicts a synthetic test set whose answers are known.
@Suite(.serialized) struct UseEndToEndTests {
    static let experiment = """
        name: tiny
        seed: 3
        data:
          train: train.csv
          validation: {holdout: 40}
        model:
          layers:
            - conv: {filters: 4, kernel: 5, stride: 2}
            - relu
            - maxpool: 2
            - flatten
            - dense: 30
        train:
          epochs: 3
          batch_size: 32
          optimizer: adam
          learning_rate: 0.002
        """

    /// Kaggle's test set asks for these 8 values of most images and all 30 of the rest.
    static let kaggleSubset = ["left_eye_center_x", "left_eye_center_y", "right_eye_center_x", "right_eye_center_y",
                               "nose_tip_x", "nose_tip_y", "mouth_center_bottom_lip_x", "mouth_center_bottom_lip_y"]

    @Test func aSubmissionThroughALookupTableScoresWhatEvaluateSays() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try scratch.kplab("synth", "--count", "160", "--seed", "21", "--out", "train.csv").expectSuccess()
        try scratch.write("tiny.yaml", Self.experiment)
        try scratch.kplab("run", "tiny.yaml", "--out", "results", "--threads", "1", "--quiet").expectSuccess()
        let run = try scratch.runFolder()

        // The known answers, and the same faces as Kaggle's test.csv (ImageId from 1).
        try scratch.kplab("synth", "--count", "30", "--seed", "22", "--out", "answers.csv").expectSuccess()
        let answers = try scratch.trainingRows("answers.csv")
        try scratch.write("test.csv", "ImageId,Image\n" + answers.enumerated().map { "\($0.offset + 1),\($0.element.image)" }
            .joined(separator: "\n") + "\n")
        // Images in descending order, as a lookup table may list them: odd ones all 30 values.
        var lookup = ["RowId,ImageId,FeatureName,Location"]
        var requested: [(image: Int, feature: String)] = []
        for image in stride(from: 30, through: 1, by: -1) {
            for feature in image % 2 == 1 ? Scratch.columns : Self.kaggleSubset {
                requested.append((image, feature))
                lookup.append("\(requested.count),\(image),\(feature),")
            }
        }
        try scratch.write("lookup.csv", lookup.joined(separator: "\n") + "\n")

        let predicted = try scratch.kplab("predict", run, "--data", "test.csv", "--lookup", "lookup.csv",
                                          "--submission", "submission.csv", "--threads", "1")
        predicted.expectSuccess()
        #expect(predicted.standardOutput.hasPrefix("submission.csv: \(requested.count) rows (RowId,Location) from lookup.csv for 30 images\n"))
        try scratch.kplab("predict", run, "--data", "test.csv", "--submission", "all.csv", "--threads", "1").expectSuccess()

        // Shape and order: one row per lookup row, RowIds in the table's order, values in 0…96.
        let submission = try scratch.lines("submission.csv")
        #expect(submission.first == "RowId,Location")
        let rows = submission.dropFirst().map { $0.split(separator: ",").map(String.init) }
        #expect(rows.count == requested.count)
        #expect(rows.map { Int($0[0])! } == Array(1 ... requested.count))
        let locations = rows.map { Float($0[1])! }
        #expect(locations.allSatisfy { (0 ... 96).contains($0) })

        // Each value is the prediction for its own image and feature (the training-format output).
        let all = try scratch.lines("all.csv")
        #expect(all.first == "ImageId," + Scratch.columns.joined(separator: ","))
        let byImage = Dictionary(uniqueKeysWithValues: all.dropFirst().map { line -> (Int, [Float]) in
            let fields = line.split(separator: ",")
            return (Int(fields[0])!, fields.dropFirst().map { Float($0)! })
        })
        #expect(byImage.count == 30)
        for (index, request) in requested.enumerated() {
            #expect(locations[index] == byImage[request.image]![Scratch.columns.firstIndex(of: request.feature)!])
        }

        // The submission's RMSE against the answers equals evaluate's on a file holding exactly
        // the requested, unclipped values (a clipped one cannot be compared to the raw model).
        var coordinates = [[String]](repeating: .init(repeating: "", count: 30), count: 30)
        var sum = 0.0, count = 0
        for (index, request) in requested.enumerated() where locations[index] > 0 && locations[index] < 96 {
            let column = Scratch.columns.firstIndex(of: request.feature)!
            let truth = answers[request.image - 1].coordinates[column]
            coordinates[request.image - 1][column] = String(truth)
            sum += Double(locations[index] - truth) * Double(locations[index] - truth)
            count += 1
        }
        #expect(count > requested.count / 2)
        try scratch.write("scored.csv", (Scratch.columns + ["Image"]).joined(separator: ",") + "\n"
            + answers.enumerated().map { (coordinates[$0.offset] + [$0.element.image]).joined(separator: ",") }
            .joined(separator: "\n") + "\n")
        let evaluated = try scratch.kplab("evaluate", run, "--data", "scored.csv", "--format", "json", "--threads", "1")
        evaluated.expectSuccess()
        let report = try #require(try JSONSerialization.jsonObject(with: Data(evaluated.standardOutput.utf8)) as? [String: Any])
        #expect(report["count"] as? Int == count)
        let rmse = try #require(report["rmse_px"] as? Double)
        #expect(abs(rmse - (sum / Double(count)).squareRoot()) < 1e-3, "evaluate \(rmse), submission \((sum / Double(count)).squareRoot())")
        #expect((report["keypoints"] as? [[String: Any]])?.count == 15)
    }

    /// Also when validation scores with test-time flips (`train.tta: flip`): evaluate does as
    /// the run's validation did unless told otherwise.
    @Test(arguments: ["none", "flip"])
    func evaluateOnTheValidationRowsGivesTheRunsOwnValidationRMSE(tta: String) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try scratch.kplab("synth", "--count", "120", "--seed", "31", "--out", "train.csv").expectSuccess()
        try scratch.write("tiny.yaml", Self.experiment)
        try scratch.kplab("run", "tiny.yaml", "--out", "results", "--threads", "1", "--quiet", "--set", "train.tta=\(tta)")
            .expectSuccess()
        let run = try scratch.runFolder()
        let lines = try scratch.lines("train.csv")
        try scratch.write("validation.csv", ([lines[0]] + lines.suffix(40)).joined(separator: "\n") + "\n")
        let csv = try scratch.kplab("evaluate", run, "--data", "validation.csv", "--format", "csv", "--threads", "1")
        csv.expectSuccess()
        let overall = csv.standardOutput.split(separator: "\n")[1].split(separator: ",")
        #expect(overall[0] == "overall" && overall[2] == "1200")
        let record = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: scratch.path(run + "/run.json")))) as? [String: Any])
        let best = try #require(record["best_val_rmse_px"] as? Double)
        #expect(abs(Double(overall[1])! - best) < 1e-9 * best + 1e-12)

        let other = try scratch.kplab("evaluate", run, "--data", "validation.csv", "--format", "csv", "--threads", "1",
                                      "--tta", tta == "flip" ? "none" : "flip")
        #expect(Double(other.standardOutput.split(separator: "\n")[1].split(separator: ",")[1])! != Double(overall[1])!)

        let table = try scratch.kplab("evaluate", run, "--data", "validation.csv", "--threads", "1")
        #expect(table.standardOutput.contains("data     validation.csv: 40 faces, 1200 of 1200 coordinates present\n"))
        #expect(table.standardOutput.contains("test-time flips") == (tta == "flip"))
        #expect(table.standardOutput.contains("\nkeypoint                    rmse px  values\nleft_eye_center  "))
    }

    /// Two runs of a sweep as an ensemble: `compare --best 2 --paths` names them, and predict,
    /// evaluate and show take them together; the predictions are the mean of the two runs'.
    @Test func theBestRunsOfASweepPredictAsAnEnsemble() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try scratch.kplab("synth", "--count", "120", "--seed", "41", "--out", "train.csv").expectSuccess()
        try scratch.kplab("synth", "--count", "12", "--seed", "42", "--out", "faces.csv").expectSuccess()
        try scratch.write("tiny.yaml", Self.experiment)
        for seed in ["3", "4", "5"] {
            try scratch.kplab("run", "tiny.yaml", "--out", "results", "--threads", "1", "--quiet", "--set", "seed=\(seed)")
                .expectSuccess()
        }
        let listed = try scratch.kplab("compare", "results", "--best", "2", "--paths")
        listed.expectSuccess()
        let runs = listed.standardOutput.split(separator: "\n").map(String.init)
        #expect(runs.count == 2 && runs.allSatisfy { $0.hasPrefix("results/tiny/tiny-") })

        func predictions(_ runs: [String], _ name: String) throws -> [[Float]] {
            try scratch.kplab(["predict"] + runs + ["--data", "faces.csv", "--submission", name, "--threads", "1"]).expectSuccess()
            return try scratch.lines(name).dropFirst().map { $0.split(separator: ",").dropFirst().map { Float($0)! } }
        }
        let first = try predictions([runs[0]], "a.csv"), second = try predictions([runs[1]], "b.csv")
        let both = try predictions(runs, "ab.csv")
        for (row, values) in both.enumerated() {
            for (column, value) in values.enumerated() where (1 ... 95).contains(value) {  // not clipped
                #expect(abs(value - (first[row][column] + second[row][column]) / 2) < 1e-4, "row \(row), column \(column)")
            }
        }

        let evaluated = try scratch.kplab(["evaluate"] + runs + ["--data", "faces.csv", "--format", "json", "--threads", "1"])
        evaluated.expectSuccess()
        let report = try #require(try JSONSerialization.jsonObject(with: Data(evaluated.standardOutput.utf8)) as? [String: Any])
        #expect(report["runs"] as? [String] == runs && report["run"] == nil && report["tta"] as? [String] == ["none", "none"])
        let table = try scratch.kplab(["evaluate"] + runs + ["--data", "faces.csv", "--threads", "1", "--tta", "flip"])
        #expect(table.standardOutput.hasPrefix("runs     mean of 2 runs:\n  \(runs[0]), best weights: epoch "))
        #expect(table.standardOutput.contains("test-time flips\n  \(runs[1]), best weights"))
        try scratch.kplab(["show"] + runs + ["--data", "faces.csv", "--out", "faces.png"]).expectSuccess()
        #expect(FileManager.default.fileExists(atPath: scratch.path("faces.png")))
    }

    @Test func badInputIsNamedAndNothingIsWritten() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try scratch.kplab("synth", "--count", "60", "--seed", "41", "--out", "train.csv").expectSuccess()
        try scratch.write("tiny.yaml", Self.experiment.replacingOccurrences(of: "holdout: 40", with: "holdout: 20"))
        try scratch.kplab("run", "tiny.yaml", "--out", "results", "--threads", "1", "--quiet").expectSuccess()
        let run = try scratch.runFolder()
        let faces = try scratch.trainingRows("train.csv").prefix(3)
        try scratch.write("test.csv", "ImageId,Image\n" + faces.enumerated().map { "\($0.offset + 1),\($0.element.image)" }
            .joined(separator: "\n") + "\n")
        try scratch.write("lookup.csv", "RowId,ImageId,FeatureName,Location\n1,1,nose_tip_x,\n2,4,nose_tip_y,\n")
        let before = try scratch.files()

        let unknownImage = try scratch.kplab("predict", run, "--data", "test.csv", "--lookup", "lookup.csv", "--submission", "out.csv")
        #expect(unknownImage.status == 1)
        #expect(unknownImage.standardError == "error: lookup.csv: row 2 (RowId 2) asks for nose_tip_y of image 4, which is not in test.csv (3 images, ImageId 1-3)\n")
        try scratch.write("feature.csv", "RowId,ImageId,FeatureName,Location\n1,1,nose_tip_z,\n")
        let unknownFeature = try scratch.kplab("predict", run, "--data", "test.csv", "--lookup", "feature.csv", "--submission", "out.csv")
        #expect(unknownFeature.status == 1)
        #expect(unknownFeature.standardError.hasPrefix("error: feature.csv: row 1 (line 2), column FeatureName: unknown feature 'nose_tip_z'"))
        let noRun = try scratch.kplab("evaluate", "results/none", "--data", "train.csv")
        #expect(noRun.status == 1)
        #expect(noRun.standardError == "error: results/none is not a run folder: it has no config.yaml (expected results/<experiment>/<run-id>)\n")
        let unlabeled = try scratch.kplab("evaluate", run, "--data", "test.csv")
        #expect(unlabeled.standardError.hasPrefix("error: test.csv has no keypoints (it is in test.csv format, ImageId,Image)"))
        let pastTheEnd = try scratch.kplab("show", run, "--data", "test.csv", "--rows", "0-3", "--out", "faces.png")
        #expect(pastTheEnd.status == 1)
        #expect(pastTheEnd.standardError == "error: --rows: row 3 is past the end of test.csv (3 data rows: rows 0-2)\n")
        #expect(try scratch.files() == (before + ["feature.csv"]).sorted(), "no output, no temporary files")

        // Weights a diverged run could leave: NaN would have predicted 48 everywhere, exit 0.
        try scratch.makeFirstTensorNaN(run + "/model.best.kpw")
        for arguments in [["predict", run, "--data", "test.csv", "--submission", "out.csv"],
                          ["evaluate", run, "--data", "train.csv"],
                          ["show", run, "--data", "test.csv", "--out", "faces.png"]] {
            let refused = try scratch.kplab(arguments)
            #expect(refused.status == 1, "\(arguments)")
            #expect(refused.standardError.hasPrefix("error: \(run)/model.best.kpw: tensor 'conv1.weight' holds 100 non-finite values"),
                    "\(arguments): \(refused.standardError)")
        }
        #expect(try scratch.files() == (before + ["feature.csv"]).sorted())
    }

    @Test func showDrawsAContactSheetWithAndWithoutAModel() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try scratch.kplab("synth", "--count", "60", "--seed", "51", "--missing", "--out", "train.csv").expectSuccess()
        try scratch.write("tiny.yaml", Self.experiment.replacingOccurrences(of: "holdout: 40", with: "holdout: 20"))
        try scratch.kplab("run", "tiny.yaml", "--out", "results", "--threads", "1", "--quiet").expectSuccess()
        let run = try scratch.runFolder()
        for arguments in [[run, "--data", "train.csv", "--rows", "0-4,9", "--columns", "3", "--weights", "last"],
                          ["--data", "train.csv", "--scale", "2"],
                          ["--augment", "tiny.yaml", "--set", "data.augment={flip: true, shift: 3, rotate: 5}", "--rows", "0-5"]] {
            let shown = try scratch.kplab(["show"] + arguments + ["--out", "faces.png"])
            shown.expectSuccess()
            let bytes = try #require(FileManager.default.contents(atPath: scratch.path("faces.png")))
            #expect(Array(bytes.prefix(8)) == [137, 80, 78, 71, 13, 10, 26, 10])
            func bigEndian(_ offset: Int) -> Int { bytes[offset ..< offset + 4].reduce(0) { $0 << 8 | Int($1) } }
            let faces = arguments.contains("--rows") ? 6 : 24
            #expect(shown.standardOutput == "faces.png: \(faces) faces, \(bigEndian(16))×\(bigEndian(20)) pixels\n")
        }
        // The run chooses the faces: its validation rows (the last 20), or those it predicts worst or best.
        for (rows, faces) in [("validation", 20), ("worst:5", 5), ("best:3", 3)] {
            let chosen = try scratch.kplab("show", run, "--data", "train.csv", "--rows", rows, "--out", "chosen.png")
            chosen.expectSuccess()
            #expect(chosen.standardOutput.hasPrefix("chosen.png: \(faces) faces"), "\(rows)")
        }
        let noRun = try scratch.kplab("show", "--data", "train.csv", "--rows", "worst:5", "--out", "chosen.png")
        #expect(noRun.status == 2 && noRun.standardError.contains("--rows worst:5 needs a run folder"))
        let zero = try scratch.kplab("show", run, "--data", "train.csv", "--rows", "best:0", "--out", "chosen.png")
        #expect(zero.status == 2 && zero.standardError.contains("--rows best:0: N must be 1-400"))
        // --augment draws an experiment's own faces, from its seed.
        let both = try scratch.kplab("show", "--augment", "tiny.yaml", "--data", "train.csv", "--out", "both.png")
        #expect(both.status == 2 && both.standardError.contains("leave out --data"))
        let seedless = try scratch.kplab("show", "--augment", "tiny.yaml", "--set", "seed=", "--out", "seedless.png")
        #expect(seedless.status == 1 && seedless.standardError.contains("has no seed"))
        #expect(!FileManager.default.fileExists(atPath: scratch.path("seedless.png")))
    }

    @Test func helpExplainsEachCommand() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let phrases = [
            "evaluate": ["USAGE: kplab evaluate <run> ... --data <file>", "--tta <none|flip>", "ensemble", "--format <format>", "--weights <weights>", "Missing coordinates are"],
            "predict": ["USAGE: kplab predict <run> ... --data <file>", "--lookup <file>", "clipped to 0-96", "RowId,Location"],
            "show": ["USAGE: kplab show [<options>] [<run> ...] --out <file>", "--augment <experiment>", "--data <file>", "--rows <rows>", "worst:N", "subject's left", "libpng",
                     "--epoch <epoch>"],
        ]
        for (command, expected) in phrases {
            let help = try scratch.kplab(command, "--help")
            #expect(help.status == 0)
            for phrase in expected { #expect(help.standardOutput.contains(phrase), "\(command) --help lacks \(phrase)") }
        }
    }
}

/// A temporary folder to run kplab in, kept across several commands.
struct Scratch {
    static let columns: [String] = {
        let names = ["left_eye_center", "right_eye_center", "left_eye_inner_corner", "left_eye_outer_corner",
                     "right_eye_inner_corner", "right_eye_outer_corner", "left_eyebrow_inner_end", "left_eyebrow_outer_end",
                     "right_eyebrow_inner_end", "right_eyebrow_outer_end", "nose_tip", "mouth_left_corner",
                     "mouth_right_corner", "mouth_center_top_lip", "mouth_center_bottom_lip"]
        return names.flatMap { ["\($0)_x", "\($0)_y"] }
    }()

    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("kplab-use-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    func write(_ name: String, _ text: String) throws {
        try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    func lines(_ name: String) throws -> [String] {
        try String(contentsOfFile: path(name), encoding: .utf8).split(separator: "\n").map(String.init)
    }

    func files() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() }

    /// The one run folder under results/, relative to the scratch folder.
    func runFolder() throws -> String {
        let experiments = try FileManager.default.contentsOfDirectory(atPath: path("results"))
        let runs = try FileManager.default.contentsOfDirectory(atPath: path("results/\(experiments[0])"))
        #expect(experiments.count == 1 && runs.count == 1)
        return "results/\(experiments[0])/\(runs[0])"
    }

    /// A training-format file's rows: 30 coordinates (NaN where empty) and the Image field's text.
    func trainingRows(_ name: String) throws -> [(coordinates: [Float], image: String)] {
        let all = try lines(name)
        #expect(all.first == (Self.columns + ["Image"]).joined(separator: ","))
        return all.dropFirst().map { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            return (fields.prefix(30).map { Float($0) ?? .nan }, String(fields[30]))
        }
    }

    func kplab(_ arguments: String...) throws -> CommandResult { try kplab(arguments) }

    /// Sets every value of the first tensor of a weights file to NaN, reading the archive's
    /// layout (Sources/Results/TensorArchive.swift) just far enough to find those values.
    func makeFirstTensorNaN(_ name: String) throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path(name))))
        func uint32(_ at: Int) -> Int { (0 ..< 4).reduce(0) { $0 | Int(bytes[at + $1]) << (8 * $1) } }
        var at = 12                         // after the magic and the format version
        at += 4 + uint32(at)                // spec hash
        at += 4 + uint32(at)                // metadata
        at += 4                             // tensor count
        at += 4 + uint32(at)                // the first tensor's name
        let rank = uint32(at)
        at += 4
        var count = 1
        for _ in 0 ..< rank {
            count *= uint32(at)
            at += 4
        }
        bytes.replaceSubrange(at ..< at + 4 * count, with: repeatElement(0xFF, count: 4 * count))  // a NaN pattern
        try Data(bytes).write(to: URL(fileURLWithPath: path(name)))
    }

    func kplab(_ arguments: [String]) throws -> CommandResult { try runKplab(arguments, in: folder) }
}

extension CommandResult {
    func expectSuccess(sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(status == 0, "exit \(status): \(standardError)", sourceLocation: sourceLocation)
    }
}
