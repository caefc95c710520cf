import Experiments
import Results

/// The few lines a person reads when a run ends: how it ended, its best result, where it is.
public struct RunSummary {
    public let record: RunRecord
    public let folder: String

    public init(record: RunRecord, folder: String) {
        self.record = record
        self.folder = folder
    }

    public var text: String {
        var lines: [String] = []
        switch record.status {
        case .completed:
            lines.append("completed \(record.epochsRun) epoch\(record.epochsRun == 1 ? "" : "s")")
        case .earlyStopped:
            lines.append("stopped early after \(record.epochsRun) epochs: \(record.statusDetail ?? "")")
        case .diverged:
            lines.append("DIVERGED: \(record.statusDetail ?? "non-finite loss"); the rows of every earlier epoch are kept. "
                         + "Try a smaller learning rate, another initializer, or gradient-friendlier momentum.")
        case .interrupted:
            lines.append("interrupted: \(record.statusDetail ?? ""); \(record.epochsRun) epochs kept. "
                         + "Continue with the same command and --resume.")
        case .failed:
            lines.append("failed: \(record.statusDetail ?? "")")
        case .running:
            lines.append("still running")
        }
        if let best = record.bestEpoch, let rmse = record.bestValidationRMSEPixels {
            // A cascade's bar is its level 1 as well as the mean face; its "images" are patches.
            let level1 = record.cascade.map { ", level 1 alone: \(fixed($0.level1ValidationRMSEPixels, decimals: 3)) px" } ?? ""
            let samples = record.cascade == nil ? "images" : "patches"
            lines.append("best validation RMSE \(fixed(rmse, decimals: 3)) px at epoch \(best)"
                         + (record.meanFaceRMSEPixels.map { " (mean face: \(fixed($0, decimals: 3)) px\(level1))" } ?? "")
                         + (record.trainImagesPerSecond.map { ", \(Int($0.rounded())) training \(samples)/s" } ?? "")
                         + (record.trainDataWaitShare.map { ", \(fixed(100 * $0, decimals: 1))% of training time waiting for data" } ?? ""))
        }
        lines.append("results: \(folder)")
        return lines.joined(separator: "\n")
    }
}
