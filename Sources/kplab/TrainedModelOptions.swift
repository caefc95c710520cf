import ArgumentParser
import Foundation
import Inference

/// The options every command that uses a trained run shares (evaluate, predict, show).
struct TrainedModelOptions: ParsableArguments {
    @Option(help: "Which weights of the run: best (the epoch with the lowest validation RMSE) or last.")
    var weights: TrainedModel.Weights = .best

    @Option(name: .customLong("threads"), help: "Threads to run the network with (default: every core of this machine).")
    var threadOption: Int?

    /// `--threads`, or every core of this machine.
    var threads: Int { threadOption ?? ProcessInfo.processInfo.activeProcessorCount }

    @Option(name: .customLong("batch-size"), help: ArgumentHelp("Faces per forward pass (default: the run's training batch size).", valueName: "n"))
    var batchSize: Int?

    func validate() throws {
        try ThreadCount.check(threadOption)
        if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
    }

    /// The run's model; the batch is never larger than the `faceCount` faces to predict.
    func load(_ run: String, faceCount: Int) throws -> TrainedModel {
        try TrainedModel(runFolder: run, weights: weights, batchSize: batchSize, faceCount: faceCount, threads: threads)
    }
}

extension TrainedModel.Weights: ExpressibleByArgument {}

/// A description of the weights used, e.g. "best weights: epoch 12, validation RMSE 2.310 px".
func weightsDescription(_ model: TrainedModel) -> String {
    guard model.weights == .best, let record = model.record, let epoch = record.bestEpoch else {
        return "\(model.weights.rawValue) weights"
    }
    let rmse = record.bestValidationRMSEPixels.map { String(format: ", validation RMSE %.3f px", $0) } ?? ""
    return "best weights: epoch \(epoch)\(rmse)"
}
