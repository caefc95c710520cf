import Foundation
import Testing

/// A cascade through the real binary: `check` describes it, `run` trains level 1 first and then
/// level 2, and `evaluate`, `predict`, `show` and `reproduce` take the cascade's folder as any run's.
@Suite struct CascadeCommandTests {
    static let cascade = """
        name: refine
        seed: 4
        cascade:
          level1: tiny.yaml                 # trained first, into the same results folder
          patch: 16
          jitter: 2
          groups: [[left_eye_center, right_eye_center], nose_tip]
          model:
            layers:
              - conv: {filters: 4, kernel: 3}
              - relu
              - maxpool: 2
              - flatten
              - dense: 16
              - relu
        train: {epochs: 3, batch_size: 16, optimizer: adam, learning_rate: 0.003}
        """

    /// A cascade's folder from another machine or checkout names level 1's run and level 1's
    /// training file by the paths they had there. A results tree moved whole keeps level 1
    /// beside the cascade, where evaluate and reproduce find it; the training file is given with
    /// --data, a level 1 kept elsewhere with --level1; each is checked to be the same
    /// (fingerprint, configuration hash) before anything is trained, and then it is exact.
    @Test func aMovedCascadeIsUsedAndReproducedWhereItIsNow() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try FileManager.default.createDirectory(atPath: scratch.path("a"), withIntermediateDirectories: true)
        try scratch.kplab("synth", "--count", "160", "--seed", "21", "--out", "a/train.csv").expectSuccess()
        try scratch.write("a/tiny.yaml", UseEndToEndTests.experiment)
        try scratch.write("a/refine.yaml", Self.cascade)
        try scratch.kplab("run", "a/refine.yaml", "--out", "a/results", "--threads", "2", "--quiet").expectSuccess()
        let level1 = "results/tiny/" + (try FileManager.default.contentsOfDirectory(atPath: scratch.path("a/results/tiny"))[0])
        let run = "b/results/refine/" + (try FileManager.default.contentsOfDirectory(atPath: scratch.path("a/results/refine"))[0])
        try FileManager.default.moveItem(atPath: scratch.path("a"), toPath: scratch.path("b"))

        // Level 1 is found beside the cascade.
        try scratch.kplab("evaluate", run, "--data", "b/train.csv").expectSuccess()
        let noData = try scratch.kplab("reproduce", run, "--out", "again")
        #expect(noData.status == 2)
        #expect(noData.standardError == "error: this run trained on \(scratch.path("a/train.csv")), which is not there (a run "
                + "folder from another machine or checkout?): give the file's place now with --data PATH\n")
        let beside = try scratch.kplab("reproduce", run, "--out", "again", "--data", "b/train.csv", "--threads", "1", "--quiet")
        beside.expectSuccess()
        #expect(beside.standardOutput.contains("\nexact: all 3 epochs are bit-identical"))
        #expect(beside.standardOutput.contains("level 1's run: recorded \(scratch.path("a/" + level1)), now \(scratch.path("b/" + level1)) "
                                               + "(the same); training file: recorded \(scratch.path("a/train.csv")), now "
                                               + "\(scratch.path("b/train.csv")) (the same)"))

        // Level 1 kept elsewhere: asked for, checked, used.
        try FileManager.default.moveItem(atPath: scratch.path("b/results/tiny"), toPath: scratch.path("tiny"))
        let noLevel1 = try scratch.kplab("reproduce", run, "--out", "again2", "--data", "b/train.csv")
        #expect(noLevel1.status == 2)
        #expect(noLevel1.standardError.hasSuffix("is not there (a run folder from another machine or checkout?): give its run "
                                                 + "folder's place now with --level1 FOLDER\n"))
        let wrongLevel1 = try scratch.kplab("reproduce", run, "--out", "again2", "--level1", run, "--data", "b/train.csv")
        #expect(wrongLevel1.status == 2)
        #expect(wrongLevel1.standardError.hasPrefix("error: --level1 \(run) holds another run than this cascade's level 1"))
        let moved = try scratch.kplab("reproduce", run, "--out", "again2", "--level1", level1.replacingOccurrences(of: "results/", with: ""),
                                      "--data", "b/train.csv", "--threads", "1", "--quiet")
        moved.expectSuccess()
        #expect(moved.standardOutput.contains("\nexact: all 3 epochs are bit-identical"))
    }

    /// Level 1 on synthetic faces has no file to find: --level1 alone moves the cascade.
    @Test func aMovedCascadeOnSyntheticFacesNeedsOnlyLevel1() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try FileManager.default.createDirectory(atPath: scratch.path("a"), withIntermediateDirectories: true)
        try scratch.write("a/tiny.yaml", UseEndToEndTests.experiment.replacingOccurrences(
            of: "  train: train.csv\n", with: "  synthetic: {count: 160, seed: 21}\n"))
        try scratch.write("a/refine.yaml", Self.cascade)
        try scratch.kplab("run", "a/refine.yaml", "--out", "a/results", "--threads", "2", "--quiet").expectSuccess()
        let level1 = "b/results/tiny/" + (try FileManager.default.contentsOfDirectory(atPath: scratch.path("a/results/tiny"))[0])
        let run = "b/results/refine/" + (try FileManager.default.contentsOfDirectory(atPath: scratch.path("a/results/refine"))[0])
        try FileManager.default.moveItem(atPath: scratch.path("a"), toPath: scratch.path("b"))

        let moved = try scratch.kplab("reproduce", run, "--out", "again", "--level1", level1, "--quiet")
        moved.expectSuccess()
        #expect(moved.standardOutput.contains("\nexact: all 3 epochs are bit-identical"))
        #expect(!moved.standardOutput.contains("training file"))
        let withData = try scratch.kplab("reproduce", run, "--out", "again", "--level1", level1, "--data", "x.csv")
        #expect(withData.standardError == "error: --data x.csv: this cascade's level 1 trained on synthetic faces, not from a file\n")
    }

    @Test func aCascadeIsCheckedTrainedScoredUsedAndReproducedLikeAnyRun() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try scratch.kplab("synth", "--count", "160", "--seed", "21", "--out", "train.csv").expectSuccess()
        try scratch.write("tiny.yaml", UseEndToEndTests.experiment)
        try scratch.write("refine.yaml", Self.cascade)

        let checked = try scratch.kplab("check", "refine.yaml")
        checked.expectSuccess()
        #expect(checked.standardOutput.contains("level 2: 2 nets (left_eye_center+right_eye_center, nose_tip) on 16-px patches, jitter ±2.0 px"))
        #expect(checked.standardOutput.contains("input        1×16×16"))

        let trained = try scratch.kplab("run", "refine.yaml", "--out", "results", "--threads", "2")
        trained.expectSuccess()
        #expect(trained.standardOutput.contains("epoch 3/3  val "))
        #expect(trained.standardOutput.contains(", level 1 alone: "))
        let level1 = try FileManager.default.contentsOfDirectory(atPath: scratch.path("results/tiny"))
        let cascades = try FileManager.default.contentsOfDirectory(atPath: scratch.path("results/refine"))
        #expect(level1.count == 1 && cascades.count == 1)
        let run = "results/refine/\(cascades[0])"
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: scratch.path(run + "/run.json"))))
            as! [String: Any]
        let best = record["best_val_rmse_px"] as! Double

        // The validation rows (the last 40) score what the record says.
        let rows = try scratch.lines("train.csv")
        try scratch.write("validation.csv", ([rows[0]] + rows.suffix(40)).joined(separator: "\n") + "\n")
        let scored = try scratch.kplab("evaluate", run, "--data", "validation.csv", "--format", "json", "--threads", "1")
        scored.expectSuccess()
        let json = try JSONSerialization.jsonObject(with: Data(scored.standardOutput.utf8)) as! [String: Any]
        #expect(abs((json["rmse_px"] as! Double) - best) < 1e-4)

        try scratch.kplab("predict", run, "--data", "validation.csv", "--submission", "predicted.csv").expectSuccess()
        #expect(try scratch.lines("predicted.csv").count == 41)
        let shown = try scratch.kplab("show", run, "--data", "validation.csv", "--rows", "0-3", "--out", "sheet.png")
        shown.expectSuccess()
        #expect(FileManager.default.fileExists(atPath: scratch.path("sheet.png")))

        // diagnose reads a cascade's record and points at its level 1 for the rest.
        let diagnosed = try scratch.kplab("diagnose", run)
        diagnosed.expectSuccess()
        #expect(diagnosed.standardOutput.contains("(a cascade: from run.json and metrics.csv; its level 1 is diagnosed on its own: kplab diagnose "))

        // compare lists the cascade beside its level 1, by the cascade's own columns.
        let compared = try scratch.kplab("compare", "results")
        compared.expectSuccess()
        #expect(compared.standardOutput.contains(cascades[0]) && compared.standardOutput.contains(level1[0]))
        #expect(compared.standardOutput.contains("cascade.patch"))
        // A cascade's lists read as one column each, and hashes by their first digits.
        #expect(compared.standardOutput.contains("cascade.groups") && compared.standardOutput.contains("center,nose_tip"))
        #expect(!compared.standardOutput.contains("cascade.groups.0") && !compared.standardOutput.contains("cascade.model.layers.0"))
        #expect(!compared.standardOutput.contains(String(repeating: "0", count: 1) + "123456789abcdef"))

        let reproduced = try scratch.kplab("reproduce", run, "--out", "again", "--threads", "1", "--quiet")
        reproduced.expectSuccess()
        #expect(reproduced.standardOutput.contains("exact: all 3 epochs are bit-identical"))

        // Other faces: `--set data.…` on the cascade trains its level 1 on them, a new level 1 and cascade.
        try scratch.kplab("synth", "--count", "120", "--seed", "23", "--out", "other.csv").expectSuccess()
        try scratch.kplab("run", "refine.yaml", "--out", "results", "--set", "data.train=other.csv", "--quiet").expectSuccess()
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path("results/tiny")).count == 2)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path("results/refine")).count == 2)
        let refused = try scratch.kplab("run", "refine.yaml", "--set", "cascade.level1=\(run)", "--set", "data.train=other.csv")
        #expect(refused.status == 2)
        #expect(refused.standardError.contains("--set data.train=other.csv: a cascade's faces are its level 1's"))
    }

    /// A cascade whose level-2 nets collapsed (every ReLU dead: biases of −50): the quiet run
    /// still says so and gives the verdict, compare shows it, and `diagnose --try` re-trains the
    /// level-2 nets with the suspected fixes and counts each trial's collapsed nets.
    @Test func aCascadesCollapsedNetsAreSaidShownDiagnosedAndTried() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try scratch.kplab("synth", "--count", "160", "--seed", "21", "--out", "train.csv").expectSuccess()
        try scratch.write("tiny.yaml", UseEndToEndTests.experiment)
        try scratch.write("refine.yaml", Self.cascade.replacingOccurrences(of: "epochs: 3", with: "epochs: 6")
            .replacingOccurrences(of: "  model:\n", with: "  model:\n    init: {bias: -50}\n"))
        let trained = try scratch.kplab("run", "refine.yaml", "--out", "results", "--threads", "1", "--quiet")
        trained.expectSuccess()
        #expect(trained.standardOutput.hasPrefix("warning: level-2 net left_eye_center+right_eye_center has collapsed: since epoch 1 "),
                "\(trained.standardOutput)")
        #expect(trained.standardOutput.contains("\nwarning: level-2 net nose_tip has collapsed: since epoch 1 "))
        #expect(trained.standardOutput.contains("\ndiagnosis: "))
        let run = "results/refine/" + (try FileManager.default.contentsOfDirectory(atPath: scratch.path("results/refine"))[0])
        let compared = try scratch.kplab("compare", run)
        #expect(compared.standardOutput.contains("completed, 2 level-2 nets collapsed"), "\(compared.standardOutput)")

        let tried = try scratch.kplab("diagnose", run, "--try", "--epochs", "5", "--threads", "1")
        tried.expectSuccess()
        let output = tried.standardOutput
        #expect(output.contains("both level-2 nets collapsed: left_eye_center+right_eye_center, nose_tip predict the same offset"),
                "\(output)")
        #expect(output.contains("trying 2 changes, 5 epochs each"))
        #expect(output.contains("  collapsed nets  run, 5 epochs each\n"))
        #expect(output.contains("\nlearning rate ÷10 (0.003 → 0.0003)  "))
        #expect(output.contains("\nHe initialisation (scaled for ReLU)  "))
        let recorded = try #require(output.split(separator: "\n").first { $0.hasPrefix("as recorded") })
        #expect(recorded.hasSuffix("             2  " + run), "\(recorded)")
    }
}
