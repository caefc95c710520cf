import ArgumentParser
import Faces
import Foundation
import Inference

/// The options every command that uses trained runs shares (evaluate, predict, show).
struct TrainedModelOptions: ParsableArguments {
    @Option(help: "Which weights of the runs: best (the epoch with the lowest validation RMSE) or last.")
    var weights: TrainedModel.Weights = .best

    @Option(name: .customLong("threads"), help: "Threads to run the network with (default: every core of this machine).")
    var threadOption: Int?

    /// `--threads`, or every core of this machine.
    var threads: Int { threadOption ?? ProcessInfo.processInfo.activeProcessorCount }

    @Option(name: .customLong("batch-size"),
            help: ArgumentHelp("Faces per forward pass (default: the runs' smallest training batch size).", valueName: "n"))
    var batchSize: Int?

    @Option(help: ArgumentHelp("Test-time augmentation: none, or flip (each face's prediction averaged with its mirror "
                               + "image's, mapped back). Default: each run's own train.tta, as its validation scored it.",
                               valueName: "none|flip"))
    var tta: TestTimeAugmentation?

    func validate() throws {
        try ThreadCount.check(threadOption)
        if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
    }

    /// The runs' models as one ensemble (one run: that run); no batch is larger than the
    /// `faceCount` faces to predict.
    func load(_ runs: [String], faceCount: Int) throws -> Ensemble {
        Ensemble(try runs.map {
            try TrainedModel(runFolder: $0, weights: weights, batchSize: batchSize, faceCount: faceCount, threads: threads, tta: tta)
        })
    }
}

extension TrainedModel.Weights: ExpressibleByArgument {}
extension TestTimeAugmentation: ExpressibleByArgument {}

/// A description of the weights used, e.g. "best weights: epoch 12, validation RMSE 2.310 px"
/// (", test-time flips" when they are on).
func weightsDescription(_ model: TrainedModel) -> String {
    let flips = model.tta == .flip ? ", test-time flips" : ""
    guard model.weights == .best, let record = model.record, let epoch = record.bestEpoch else {
        return "\(model.weights.rawValue) weights\(flips)"
    }
    let rmse = record.bestValidationRMSEPixels.map { String(format: ", validation RMSE %.3f px", $0) } ?? ""
    return "best weights: epoch \(epoch)\(rmse)\(flips)"
}

/// What predicts: "RUN, best weights: …" for one run; for an ensemble, "mean of N runs:" and a
/// line per run.
func ensembleDescription(_ ensemble: Ensemble) -> String {
    let lines = ensemble.models.map { "\($0.folder.path), \(weightsDescription($0))" }
    return lines.count == 1 ? lines[0] : "mean of \(lines.count) runs:\n" + lines.map { "  " + $0 }.joined(separator: "\n")
}
