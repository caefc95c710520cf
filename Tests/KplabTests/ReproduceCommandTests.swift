import Foundation
import Testing

/// `kplab reproduce` on the committed reference run: it must be exact on any machine, at any
/// thread count, and say what differs when something does.
@Suite struct ReproduceCommandTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test func theReferenceRunReproducesExactly() throws {
        let reference = Self.root.appendingPathComponent("results/reference")
        let runs = try FileManager.default.contentsOfDirectory(atPath: reference.path).filter { !$0.hasPrefix(".") }
        #expect(runs.count == 1, "results/reference holds one run: \(runs)")
        let run = reference.appendingPathComponent(runs[0]).path
        let result = try runInScratchFolder(["reproduce", run, "--quiet", "--out", "again"], files: [:])
        let report = result.standardOutput
        #expect(result.status == 0, "\(report)\(result.standardError)")
        #expect(report.contains("\nexact: all 10 epochs are bit-identical (every column but seconds), and so are the weights (model.best.kpw, model.last.kpw)\n"))
    }

    /// The record was made at 2 threads; 1 and 3 give the same numbers, and the report says
    /// the difference was seen and does not matter.
    @Test(arguments: ["1", "3"])
    func anotherThreadCountReproducesExactly(threads: String) throws {
        let reference = Self.root.appendingPathComponent("results/reference")
        let run = reference.appendingPathComponent(try FileManager.default.contentsOfDirectory(atPath: reference.path)
            .first { !$0.hasPrefix(".") }!).path
        let result = try runInScratchFolder(["reproduce", run, "--quiet", "--out", "again", "--epochs", "2", "--threads", threads],
                                            files: [:])
        #expect(result.status == 0, "\(result.standardOutput)\(result.standardError)")
        #expect(result.standardOutput.contains("exact: all 2 epochs are bit-identical"))
        #expect(result.standardOutput.contains("also different, which does not change results: threads: recorded 2, now \(threads)"))
    }

    /// A copy of the reference run with `change` applied to one of its files, in a scratch folder.
    private func referenceCopy(editing file: String, _ change: (String) -> String) throws -> (folder: URL, run: String) {
        let copy = try referenceCopy(editingBytes: file) { _ in }
        try edit(file, in: copy.run, change)
        return copy
    }

    private func referenceCopy(editingBytes file: String, _ change: (inout Data) -> Void) throws -> (folder: URL, run: String) {
        let reference = Self.root.appendingPathComponent("results/reference")
        let name = try FileManager.default.contentsOfDirectory(atPath: reference.path).first { !$0.hasPrefix(".") }!
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kplab-edited-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let run = folder.appendingPathComponent(name)
        try FileManager.default.copyItem(at: reference.appendingPathComponent(name), to: run)
        try edit(file, in: run.path, change)
        return (folder, run.path)
    }

    /// Applies `change` to one file of the run folder `run` (a copy's second edited file).
    private func edit(_ file: String, in run: String, _ change: (inout Data) -> Void) throws {
        let url = URL(fileURLWithPath: run).appendingPathComponent(file)
        var bytes = try Data(contentsOf: url)
        change(&bytes)
        try bytes.write(to: url)
    }

    private func edit(_ file: String, in run: String, _ change: (String) -> String) throws {
        try edit(file, in: run) { (bytes: inout Data) in bytes = Data(change(String(decoding: bytes, as: UTF8.self)).utf8) }
    }

    /// `kplab reproduce run --out again` refused before any training (exit status 2, nothing on
    /// standard output); returns its message.
    private func refusal(of run: String) throws -> String {
        let result = try runInScratchFolder(["reproduce", run, "--out", "again"], files: [:])
        #expect(result.status == 2)
        #expect(result.standardOutput.isEmpty, "nothing was trained")
        return result.standardError
    }

    /// The weights are compared too: one bit of the record's last weights changed (the last
    /// value of its last tensor) is a difference, named with its file and tensor.
    @Test func differentWeightsAreADifference() throws {
        let edited = try referenceCopy(editingBytes: "model.last.kpw") { bytes in bytes[bytes.count - 1] ^= 1 }
        defer { try? FileManager.default.removeItem(at: edited.folder) }
        let result = try runInScratchFolder(["reproduce", edited.run, "--quiet", "--out", "again"], files: [:])
        #expect(result.status == 1, "\(result.standardOutput)\(result.standardError)")
        #expect(!result.standardOutput.contains("exact"))
        #expect(result.standardOutput.contains("\ndiffers: model.last.kpw: "))
        #expect(result.standardOutput.contains(", the first tensor that differs: 1 of its 30 values\n"))
        #expect(!result.standardOutput.contains("model.best.kpw"))
    }

    /// An edited config.yaml would re-run another configuration (one epoch more still read
    /// "exact"); it is refused before any training, as are a metrics.csv and a weights file that
    /// cannot be read, a metrics.csv whose epochs are not 1, 2, … in order (it read "differs"
    /// only after every epoch was trained again) or that holds fewer than run.json counts, and
    /// a run that finished no epoch.
    @Test func anEditedRecordIsRefusedBeforeTraining() throws {
        let edited = try referenceCopy(editing: "config.yaml") { $0.replacingOccurrences(of: "epochs: 10", with: "epochs: 11") }
        defer { try? FileManager.default.removeItem(at: edited.folder) }
        let notRecorded = try refusal(of: edited.run)
        #expect(notRecorded.hasPrefix("error: \(edited.run)/config.yaml is not the configuration this run recorded (config_hash "))
        #expect(notRecorded.contains("it was edited or replaced"))

        let cut = try referenceCopy(editing: "metrics.csv") { "epoch,x\n" + $0.split(separator: "\n").dropFirst().joined(separator: "\n") }
        defer { try? FileManager.default.removeItem(at: cut.folder) }
        #expect(try refusal(of: cut.run).hasPrefix("error: \(cut.run)/metrics.csv: not a kplab metrics file"))

        // A row repeated (or one dropped): every row parses, but the epochs are not a run's.
        let repeated = try referenceCopy(editing: "metrics.csv") { text in
            var lines = text.split(separator: "\n").map(String.init)
            lines.insert(lines[3], at: 3)
            return lines.joined(separator: "\n") + "\n"
        }
        defer { try? FileManager.default.removeItem(at: repeated.folder) }
        let reordered = try refusal(of: repeated.run)
        #expect(reordered.hasPrefix("error: \(repeated.run)/metrics.csv holds epochs 1–3, 3–10, but a run writes "
                                    + "its epochs from 1 in order: it was edited"), "\(reordered)")

        // The last rows cut (they read "exact: all 7 epochs") or every row (emptied: "exact: all 0
        // epochs"): the record counts 10 finished epochs.
        for kept in [8, 1] {
            let short = try referenceCopy(editing: "metrics.csv") { text in
                text.split(separator: "\n").prefix(kept).joined(separator: "\n") + "\n"
            }
            defer { try? FileManager.default.removeItem(at: short.folder) }
            let cutShort = try refusal(of: short.run)
            #expect(cutShort.hasPrefix("error: \(short.run)/metrics.csv holds \(kept - 1) epochs, but run.json "
                                       + "records 10 finished: the file was cut short or replaced"), "\(cutShort)")
        }

        // A run stopped in its first epoch: nothing to compare with (it read "exact: all 0 epochs").
        let unfinished = try referenceCopy(editing: "run.json") { text in
            text.replacingOccurrences(of: "\"epochs_run\" : 10", with: "\"epochs_run\" : 0")
                .replacingOccurrences(of: "\"status\" : \"completed\"", with: "\"status\" : \"interrupted\"")
        }
        defer { try? FileManager.default.removeItem(at: unfinished.folder) }
        try edit("metrics.csv", in: unfinished.run) { $0.split(separator: "\n")[0] + "\n" }
        let nothing = try refusal(of: unfinished.run)
        #expect(nothing.hasPrefix("error: \(unfinished.run) finished no epoch (status interrupted): there is "
                                  + "nothing to compare a reproduction with"), "\(nothing)")

        let truncated = try referenceCopy(editingBytes: "model.best.kpw") { bytes in bytes.removeLast(10) }
        defer { try? FileManager.default.removeItem(at: truncated.folder) }
        #expect(try refusal(of: truncated.run).hasPrefix("error: \(truncated.run)/model.best.kpw: byte "))
    }

    /// A copy of the run whose text files' line ends became "\r\n" (through Windows, or git's
    /// core.autocrlf) is the same record: it reproduces exactly (its config.yaml was refused as
    /// edited, and its metrics.csv read as no epochs: "exact: all 0 epochs").
    @Test func aCopyWithCRLFLineEndsReproducesExactly() throws {
        let copy = try referenceCopy(editing: "config.yaml") { $0.replacingOccurrences(of: "\n", with: "\r\n") }
        defer { try? FileManager.default.removeItem(at: copy.folder) }
        for file in ["metrics.csv", "run.json"] {
            try edit(file, in: copy.run) { $0.replacingOccurrences(of: "\n", with: "\r\n") }
        }
        let result = try runInScratchFolder(["reproduce", copy.run, "--quiet", "--out", "again"], files: [:])
        #expect(result.status == 0, "\(result.standardOutput)\(result.standardError)")
        #expect(result.standardOutput.contains("\nexact: all 10 epochs are bit-identical (every column but seconds), and so are the weights"))
    }

    /// A run killed between appending its last row and writing that epoch's weights (run.json
    /// still counts one epoch fewer, and says running) has weights an epoch older than its rows:
    /// its metrics are compared, its weights not (they read "differs: model.best.kpw").
    @Test func weightsOlderThanTheLastRowAreNotCompared() throws {
        let killed = try referenceCopy(editing: "run.json") { text in
            text.replacingOccurrences(of: "\"epochs_run\" : 10", with: "\"epochs_run\" : 9")
                .replacingOccurrences(of: "\"status\" : \"completed\"", with: "\"status\" : \"running\"")
        }
        defer { try? FileManager.default.removeItem(at: killed.folder) }
        try edit("model.best.kpw", in: killed.run) { (bytes: inout Data) in bytes[bytes.count - 1] ^= 1 }  // not epoch 10's
        let result = try runInScratchFolder(["reproduce", killed.run, "--quiet", "--out", "again"], files: [:])
        #expect(result.status == 0, "\(result.standardOutput)\(result.standardError)")
        #expect(result.standardOutput.contains("\nexact: all 10 epochs are bit-identical (every column but seconds)\n"))
    }

    /// A run that another process is training right now is refused: its record would grow
    /// while the reproduction trained (it read "differs: the record has 30 epochs, the
    /// reproduction 18").
    @Test func aRunBeingTrainedIsRefused() throws {
        let copy = try referenceCopy(editingBytes: "run.json") { _ in }  // unedited
        defer { try? FileManager.default.removeItem(at: copy.folder) }
        let lock = open(copy.run + "/.lock", O_RDWR | O_CREAT, 0o644)
        #expect(lock >= 0 && flock(lock, LOCK_EX) == 0)
        defer { close(lock) }
        let beingTrained = try refusal(of: copy.run)
        #expect(beingTrained.hasPrefix("error: \(copy.run) is being trained right now"), "\(beingTrained)")
    }

    /// A run folder whose training file is elsewhere now (another machine or checkout): refused
    /// before training with the way out, reproduced exactly with --data at the file's new place,
    /// and refused again when --data, or the recorded path, holds other faces.
    @Test func aRunWhoseDataMovedIsReproducedWithData() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try FileManager.default.createDirectory(atPath: scratch.path("here"), withIntermediateDirectories: true)
        try scratch.kplab("synth", "--count", "60", "--seed", "3", "--out", "here/faces.csv").expectSuccess()
        try scratch.kplab("synth", "--count", "60", "--seed", "4", "--out", "other.csv").expectSuccess()
        try scratch.kplab("run", Self.root.appendingPathComponent("experiments/reference.yaml").path, "--out", "results",
                          "--set", "data.synthetic=null", "--set", "data.train=here/faces.csv",
                          "--set", "data.validation.holdout=20", "--set", "train.epochs=2", "--threads", "1", "--quiet")
            .expectSuccess()
        let run = try scratch.runFolder()
        try FileManager.default.moveItem(atPath: scratch.path("here"), toPath: scratch.path("there"))

        let lost = try scratch.kplab("reproduce", run, "--out", "again")
        #expect(lost.status == 2)
        #expect(lost.standardError == "error: this run trained on \(scratch.path("here/faces.csv")), which is not there "
                + "(a run folder from another machine or checkout?): give the file's place now with --data PATH\n")
        #expect(lost.standardOutput.isEmpty, "nothing was trained")

        let found = try scratch.kplab("reproduce", run, "--out", "again", "--data", "there/faces.csv", "--quiet")
        found.expectSuccess()
        #expect(found.standardOutput.contains("\nexact: all 2 epochs are bit-identical"))
        #expect(found.standardOutput.contains("training file: recorded \(scratch.path("here/faces.csv")), now "
                                              + "\(scratch.path("there/faces.csv")) (the same)"))

        let wrong = try scratch.kplab("reproduce", run, "--out", "again", "--data", "other.csv")
        #expect(wrong.status == 2)
        #expect(wrong.standardError.hasPrefix("error: --data other.csv is not the file this run trained on: its fingerprint is "))
        #expect(wrong.standardOutput.isEmpty, "nothing was trained")

        // Other faces where the record says its faces were: refused too, before training.
        try FileManager.default.createDirectory(atPath: scratch.path("here"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: scratch.path("other.csv"), toPath: scratch.path("here/faces.csv"))
        let changed = try scratch.kplab("reproduce", run, "--out", "again")
        #expect(changed.status == 2)
        #expect(changed.standardError.hasPrefix("error: \(scratch.path("here/faces.csv")) has changed since this run trained on it"))
        #expect(changed.standardOutput.isEmpty, "nothing was trained")
    }

    /// --out the folder above the recorded run would train into the run itself; a folder that
    /// holds an earlier reproduction would be refused as a run already held.
    @Test func theRecordedRunsOwnFolderIsRefusedAsTheDestination() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kplab-results-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let reference = Self.root.appendingPathComponent("results/reference")
        try FileManager.default.copyItem(at: reference, to: folder.appendingPathComponent("reference"))
        let name = try FileManager.default.contentsOfDirectory(atPath: reference.path).first { !$0.hasPrefix(".") }!
        let result = try runKplab(["reproduce", "reference/\(name)", "--out", "."], in: folder)
        #expect(result.status == 2)
        #expect(result.standardError.hasPrefix("error: --out .: the reproduction would go into the recorded run's own folder"))
        #expect(result.standardOutput.isEmpty, "nothing was trained")

        // An earlier reproduction in the folder: refused with what to do, not --resume/--overwrite.
        try runKplab(["reproduce", "reference/\(name)", "--out", "again", "--epochs", "1", "--quiet"], in: folder).expectSuccess()
        let twice = try runKplab(["reproduce", "reference/\(name)", "--out", "again", "--epochs", "1"], in: folder)
        #expect(twice.status == 2)
        #expect(twice.standardError == "error: --out again: again/reference/\(name) already holds a run (an earlier "
                + "reproduction?); choose another folder, remove that one, or leave --out out for a temporary one\n")
    }

    @Test func aFolderWithoutARunIsRefused() throws {
        let result = try runInScratchFolder(["reproduce", "nowhere"], files: [:])
        #expect(result.status == 2)
        #expect(result.standardError == "error: nowhere holds no run record (run.json)\n")
    }
}
