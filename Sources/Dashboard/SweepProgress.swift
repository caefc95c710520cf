import Foundation
import Results
import Sweeps

/// Where one sweep stands: every run it set out to train (its manifest, or its Slurm
/// submission's list), each as done, running, pending, interrupted or failed, from the index.
struct SweepProgress {
    enum State: String {
        case done, running, pending, interrupted, failed
    }

    struct Run {
        var experiment: String
        var runID: String
        var settings: String
        var state: State
        /// The run's id in the index, once its folder exists.
        var id: String?
    }

    var name: String
    /// `local` (a `kplab sweep` manifest) or `slurm` (a submission).
    var kind: String
    var runs: [Run]

    /// Runs per state, every state present (0 when none).
    var counts: [String: Int] {
        var counts = Dictionary(uniqueKeysWithValues: [State.done, .running, .pending, .interrupted, .failed].map { ($0.rawValue, 0) })
        for run in runs { counts[run.state.rawValue, default: 0] += 1 }
        return counts
    }

    /// Every sweep recorded in the results folders the index found (served ones, or ones
    /// inside them), with its runs' states as the index last read them.
    static func all(in index: RunIndex) -> [SweepProgress] {
        var sweeps: [SweepProgress] = []
        for results in index.resultsFoldersWithSweeps {
            func run(experiment: String, runID: String, settings: String) -> Run {
                // Spelled as the index spells the folders it walks: results/experiment/run-id.
                let entry = index.entry(atPath: results + "/" + experiment + "/" + runID)
                return Run(experiment: experiment, runID: runID, settings: settings, state: state(of: entry), id: entry?.id)
            }
            for manifest in SweepManifest.all(results: results) {
                sweeps.append(SweepProgress(name: manifest.name, kind: "local", runs: manifest.entries.map {
                    run(experiment: $0.experiment, runID: $0.runID, settings: $0.settings)
                }))
            }
            for submission in SlurmSubmission.all(results: results) where submission.jobID != nil {
                sweeps.append(SweepProgress(name: "slurm job \(submission.jobID!)", kind: "slurm", runs: submission.runs.map {
                    run(experiment: $0.experiment, runID: $0.runID, settings: "")
                }))
            }
        }
        return sweeps
    }

    /// A run's state from its folder as the index last read it; pending when it has none yet.
    static func state(of entry: RunIndex.Entry?) -> State {
        guard let entry else { return .pending }
        if entry.run.isBeingTrained { return .running }
        switch entry.run.record.status {
        case .completed, .earlyStopped: return .done
        case .interrupted: return .interrupted
        // A record that says running with nobody holding its lock was killed: it resumes.
        case .running: return .interrupted
        case .failed, .diverged: return .failed
        }
    }
}
