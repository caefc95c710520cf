import Experiments
import Foundation
import Results

/// The seed a run trains with, chosen before its identity is computed: the seed is part of
/// the configuration, so `config_hash` is always the hash of the `config.yaml` written.
enum RunSeed {
    /// The experiment's own seed; or, for a seedless experiment, one drawn at random — except
    /// that `--resume` continues the unfinished run of the same seedless file, if there is
    /// exactly one (its seed is in its record).
    ///
    /// - Throws: `UserError` when several unfinished runs could be the one to resume.
    static func choose(for experiment: Experiment, results: String, resume: Bool)
        throws -> (experiment: Experiment, wasChosen: Bool) {
        guard experiment.seed == nil else { return (experiment, false) }
        var seeded = experiment
        if resume {
            let candidates = unfinishedRuns(of: experiment, results: results)
            if candidates.count > 1 {
                throw UserError("\(candidates.count) interrupted runs of this seedless experiment could be resumed ("
                                + candidates.map(\.folder.path).joined(separator: ", ")
                                + "); choose one with --set seed=N (its seed is in its run.json)")
            }
            if let only = candidates.first {
                seeded.seed = only.seed
                return (seeded, true)
            }
        }
        seeded.seed = UInt64.random(in: 0...UInt64.max)
        return (seeded, true)
    }

    /// The unfinished runs under `results/<name>/` whose seed was drawn and whose configuration,
    /// with that seed, is this experiment's.
    private static func unfinishedRuns(of experiment: Experiment, results: String) -> [(folder: RunFolder, seed: UInt64)] {
        let experimentFolder = (results as NSString).appendingPathComponent(experiment.name)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: experimentFolder)) ?? []
        return names.sorted().compactMap { name in
            let folder = RunFolder(path: (experimentFolder as NSString).appendingPathComponent(name))
            guard let record = try? RunRecord.read(from: folder.record), record.seedWasChosen,
                  record.status.isUnfinished else { return nil }
            var candidate = experiment
            candidate.seed = record.seed
            let identity = candidate.identity
            guard identity.runID == name, identity.configHash == record.configHash else { return nil }
            return (folder, record.seed)
        }
    }
}
