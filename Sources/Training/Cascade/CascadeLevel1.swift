import Experiments
import Faces
import Foundation
import Inference
import Results

/// A cascade's level 1: a finished run, found in its folder or trained first from an
/// experiment file, with the faces it trained and validated on.
struct CascadeLevel1 {
    let folder: RunFolder
    let record: RunRecord
    let model: TrainedModel
    /// Level 1's faces, split as level 1 split them (same file, same seed).
    let data: PreparedData

    /// Finds (or trains) level 1 and checks that it is what `level1` recorded, when it
    /// recorded anything.
    /// - Parameter results: where an experiment file's run is looked for and trained.
    static func resolve(_ level1: CascadeSpec.Level1, results: String, options: TrainingRun.Options) throws -> CascadeLevel1 {
        let folder = level1.isExperimentFile
            ? try trainedRun(of: level1.path, overrides: level1.dataOverrides, results: results, options: options)
                                             : RunFolder(path: level1.path)
        guard FileManager.default.fileExists(atPath: folder.record) else {
            throw UserError("cascade.level1: \(folder.path) is not a run folder (it has no run.json); "
                            + "name a finished run's folder, or an experiment file (.yaml) to train first")
        }
        let record = try RunRecord.read(from: folder.record)
        guard record.status.isFinished || record.status == .interrupted, record.bestEpoch != nil else {
            throw UserError("cascade.level1: \(folder.path) is not a usable level 1: status \(record.status.rawValue) after "
                            + "\(record.epochsRun) epochs\(record.bestEpoch == nil ? ", no best weights" : "")")
        }
        if let hash = level1.configHash, hash != record.configHash {
            throw UserError("cascade.level1: \(folder.path) now holds another run (config hash \(record.configHash.prefix(8)), "
                            + "the cascade recorded \(hash.prefix(8)))")
        }
        let model = try TrainedModel(runFolder: folder.path)
        guard let seed = model.experiment.seed else {
            throw UserError("cascade.level1: \(folder.config) has no seed")
        }
        var faces = model.experiment.data
        if let moved = level1.movedDataFile { faces.source = .file(path: moved) }
        let data = try PreparedData(faces, seed: seed)
        for (recorded, name) in [(record.dataFingerprint, "level 1's run.json"), (level1.dataFingerprint, "the cascade")] {
            if let recorded, recorded != data.fingerprint {
                throw UserError("cascade.level1: the faces of \(folder.path) have changed since \(name) recorded them "
                                + "(fingerprint \(data.fingerprint.prefix(8)), recorded \(recorded.prefix(8)))")
            }
        }
        return CascadeLevel1(folder: folder, record: record, model: model, data: data)
    }

    /// The folder of the experiment file's run (with `overrides`, the cascade's `--set data.…`)
    /// under `results`, trained first unless it is finished there (an interrupted one is
    /// resumed). A run stopped by its own `max_wall_time` counts as finished: its time is spent. The file must give its seed: a seedless
    /// level 1 would be a new run each time.
    private static func trainedRun(of file: String, overrides: [String], results: String,
                                   options: TrainingRun.Options) throws -> RunFolder {
        let experiment = try Experiment.load(contentsOfFile: file, overrides: try overrides.map { try Override(parsing: $0) })
        guard experiment.seed != nil else {
            throw UserError("cascade.level1: \(file) has no seed; give it one (seed: 1), so that its run is the same run each time")
        }
        let folder = RunFolder(results: results, experiment: experiment.name, runID: experiment.identity.runID)
        if let record = try? RunRecord.read(from: folder.record), record.status.isFinished || record.stoppedByWallTime {
            return folder
        }
        var levelOptions = options
        levelOptions.resume = true
        let run = try TrainingRun.prepare(experiment, results: results, options: levelOptions)
        let record = try run.run()
        if record.stoppedByWallTime { return folder }
        if record.status == .interrupted {
            throw Level1Interrupted(description: "cascade.level1: \(folder.path) was interrupted (\(record.statusDetail ?? "")) "
                                    + "after \(record.epochsRun) epochs; the same command continues it, then trains level 2")
        }
        guard record.status.isFinished else {
            throw UserError("cascade.level1: \(folder.path) stopped (\(record.status.rawValue)\(record.statusDetail.map { ": \($0)" } ?? "")) "
                            + "before the cascade could use it")
        }
        return folder
    }

    /// Level 1's predictions for every face of `data` (pixels, 30 per face, in file order).
    func predictions() throws -> [Float] {
        let faces = data.training.faces
        return try Ensemble([model]).predict(.labeled(faces), rows: Array(0 ..< faces.count))
    }
}

/// Level 1, trained first, was stopped by a signal or its time limit: nothing is wrong, and
/// running the cascade again resumes it (`kplab run` exits as for an interrupted run).
public struct Level1Interrupted: Error, CustomStringConvertible {
    public var description: String
}
