import Experiments
import Faces
import Foundation
import Results

/// What a recorded run read that lives outside its folder — its training file, and a cascade's
/// level-1 run — found before a reproduction trains: where the record says, or where the user
/// says it is now (a run folder from another machine or checkout names them by the absolute
/// paths they had there), and in either case the same as the run's (the training file by the
/// record's fingerprint, level 1 by its configuration hash).
struct RunInputs {
    /// One input found somewhere other than its recorded place.
    struct Move {
        var what: String
        var recorded: String
        var now: String
    }

    /// The inputs that moved, in the order found.
    private(set) var moves: [Move] = []

    /// Finds `experiment`'s inputs and points it at them: `data` (`--data`) is the training
    /// file's place now, `level1` (`--level1`) a cascade's level-1 run folder's.
    /// - Throws: before anything is trained, naming what is missing or not the same and how to
    ///   give it.
    init(of experiment: inout ExperimentFile, in folder: RunFolder, record: RunRecord, data: String?, level1: String?) throws {
        switch experiment {
        case .single(var single):
            if let level1 { throw UserError("--level1 \(level1): this run is a single network, not a cascade") }
            guard case .file(let recorded) = single.data.source else {
                if let data { throw UserError("--data \(data): this run trained on synthetic faces, not from a file") }
                return
            }
            if let now = try trainingFile(recorded: recorded, data: data, fingerprint: record.dataFingerprint) {
                single.data.source = .file(path: now)
            }
            experiment = .single(single)
        case .cascade(var cascade):
            var spec = cascade.cascade.level1
            spec.path = try level1Folder(recorded: spec.path, given: level1, beside: folder, configHash: spec.configHash)
            // Level 1's faces are the file its own config.yaml names.
            let level1Experiment: Experiment
            do {
                level1Experiment = try Experiment.load(contentsOfFile: RunFolder(path: spec.path).config)
            } catch {
                throw UserError("\(error)")
            }
            if case .file(let recorded) = level1Experiment.data.source {
                spec.movedDataFile = try trainingFile(recorded: recorded, data: data,
                                                      fingerprint: spec.dataFingerprint ?? record.dataFingerprint)
            } else if let data {
                throw UserError("--data \(data): this cascade's level 1 trained on synthetic faces, not from a file")
            }
            cascade.cascade.level1 = spec
            experiment = .cascade(cascade)
        }
    }

    /// The training file's place now when `data` moved it (nil: it is where it was recorded),
    /// after checking that it holds the run's bytes.
    private mutating func trainingFile(recorded: String, data: String?, fingerprint: String) throws -> String? {
        let place = data.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? recorded
        guard FileManager.default.fileExists(atPath: place) else {
            if let data { throw UserError("--data \(data): no such file") }
            throw UserError("this run trained on \(recorded), which is not there (a run folder from another machine "
                            + "or checkout?): give the file's place now with --data PATH")
        }
        let found = try Fingerprint.sha256(ofFile: place)
        guard found == fingerprint else {
            if let data {
                throw UserError("--data \(data) is not the file this run trained on: its fingerprint is "
                                + "\(found.prefix(12)), the record's \(fingerprint.prefix(12))")
            }
            throw UserError("\(recorded) has changed since this run trained on it (its fingerprint is "
                            + "\(found.prefix(12)), the record's \(fingerprint.prefix(12))): restore it, "
                            + "or give the file it trained on with --data PATH")
        }
        guard data != nil, place != recorded else { return nil }
        moves.append(Move(what: "training file", recorded: recorded, now: place))
        return place
    }

    /// A cascade's level-1 run folder now: `given`, or the recorded one (or at its place beside
    /// the cascade's run when the results tree moved: `RunFolder.runBeside`), holding the run
    /// the cascade recorded (its configuration hash).
    private mutating func level1Folder(recorded: String, given: String?, beside cascade: RunFolder,
                                       configHash: String?) throws -> String {
        let place = URL(fileURLWithPath: given ?? cascade.runBeside(recordedAt: recorded).path).standardizedFileURL.path
        let folder = RunFolder(path: place)
        guard folder.exists else {
            if let given { throw UserError("--level1 \(given): not a run folder (it has no run.json)") }
            throw UserError("this cascade's level 1, \(recorded), is not there (a run folder from another machine "
                            + "or checkout?): give its run folder's place now with --level1 FOLDER")
        }
        let found = try RunRecord.read(from: folder.record).configHash
        if let configHash, found != configHash {
            throw UserError("\(given.map { "--level1 \($0)" } ?? recorded) holds another run than this cascade's level 1 "
                            + "(config hash \(found.prefix(8)), the cascade recorded \(configHash.prefix(8)))")
        }
        if place != recorded { moves.append(Move(what: "level 1's run", recorded: recorded, now: place)) }
        return place
    }
}
