import Experiments
import Foundation
import Results

/// Before a run resumes: its checkpoint, `metrics.csv`, `run.json` and `config.yaml` must tell
/// one story, or resuming would build an impossible record (epochs 1–10, then 27–150). Each
/// disagreement is refused with what disagrees and how to recover.
enum ResumeCheck {
    static func verify(_ position: LoopPosition, folder: RunFolder, record: RunRecord, identity: RunIdentity,
                       epochs: Int) throws {
        let restart = "start it again with --overwrite"
        let configText = String(contentsOfFileAtPath: folder.config)?.withLineFeeds
        guard configText == identity.canonicalText, record.configHash == identity.configHash else {
            throw UserError("\(folder.config) is not the configuration this run started with (config_hash "
                            + "\(record.configHash.prefix(8)) in run.json): it was edited or replaced; "
                            + "restore it, or \(restart)")
        }
        guard position.epochsDone <= epochs, position.epochsDone <= record.epochsRun else {
            throw UserError("\(folder.checkpoint) claims \(position.epochsDone) finished epochs, but run.json records "
                            + "\(record.epochsRun) of \(epochs): the checkpoint does not belong to this run; \(restart)")
        }
        let finished = try MetricsLog.read(path: folder.metrics).map(\.epoch)
        guard finished.count >= position.epochsDone, MetricsLog.isConsecutiveFromOne(finished.prefix(position.epochsDone)) else {
            throw UserError("\(folder.metrics) holds epochs \(MetricsLog.describe(finished)) but the checkpoint continues after "
                            + "epoch \(position.epochsDone): the file was cut short or edited; \(restart)")
        }
    }
}
