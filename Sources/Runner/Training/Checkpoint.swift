import Foundation
import Engine

/// Where a run's loop stands, saved with the weights and optimizer state in
/// `checkpoint.kpw` so that `--resume` continues exactly where it stopped: mid-epoch
/// included, giving the same `metrics.csv` as a run that was never interrupted.
struct LoopPosition: Codable, Equatable {
    /// Epochs finished (their rows are in metrics.csv).
    var epochsDone: Int
    /// Batches of epoch `epochsDone` already trained (0 at an epoch boundary).
    var batchesDone: Int
    /// Bit pattern of Σ batch losses so far in the current epoch (Double, exact).
    var trainLossSumBits: UInt64
    /// Images trained and seconds spent training in the current epoch so far.
    var epochImages: Int
    var epochSeconds: Double
    /// Over the whole run, for throughput.
    var totalImages: Int
    var totalTrainSeconds: Double
    var bestEpoch: Int?
    var bestValidationLossBits: UInt64?
    var epochsWithoutImprovement: Int
    var optimizerSteps: Int

    var trainLossSum: Double {
        get { Double(bitPattern: trainLossSumBits) }
        set { trainLossSumBits = newValue.bitPattern }
    }

    var bestValidationLoss: Double? {
        get { bestValidationLossBits.map(Double.init(bitPattern:)) }
        set { bestValidationLossBits = newValue?.bitPattern }
    }

    static let start = LoopPosition(epochsDone: 0, batchesDone: 0, trainLossSumBits: 0, epochImages: 0,
                                    epochSeconds: 0, totalImages: 0, totalTrainSeconds: 0, bestEpoch: nil,
                                    bestValidationLossBits: nil, epochsWithoutImprovement: 0, optimizerSteps: 0)
}

enum Checkpoint {
    /// Optimizer state tensors are stored under this prefix, beside the parameters.
    static let optimizerPrefix = "optimizer/"

    static func save(network: Network, optimizer: Optimizer, position: LoopPosition,
                     specHash: String, to path: String) throws {
        let metadata = String(decoding: try JSONEncoder().encode(position), as: UTF8.self)
        let tensors = parameterTensors(network) + optimizer.state().sorted { $0.key < $1.key }.map {
            TensorArchive.Tensor(name: optimizerPrefix + $0.key, dimensions: [$0.value.count], values: $0.value)
        }
        try TensorArchive(specHash: specHash, metadata: metadata, tensors: tensors).write(to: path)
    }

    static func load(from path: String, network: Network, optimizer: Optimizer, specHash: String) throws -> LoopPosition {
        let archive = try TensorArchive(path: path)
        guard archive.specHash == specHash else {
            throw RunnerError("\(path) was written for another configuration (hash \(archive.specHash.prefix(8)), this one \(specHash.prefix(8)))")
        }
        let position: LoopPosition
        do {
            position = try JSONDecoder().decode(LoopPosition.self, from: Data(archive.metadata.utf8))
        } catch {
            throw RunnerError("\(path): unreadable loop position (\(error))")
        }
        let state = Dictionary(uniqueKeysWithValues: archive.values { $0.hasPrefix(optimizerPrefix) }.map {
            (String($0.key.dropFirst(optimizerPrefix.count)), $0.value)
        })
        do {
            try network.load(archive.values { !$0.hasPrefix(optimizerPrefix) })
            try optimizer.load(state: state, stepCount: position.optimizerSteps)
        } catch {
            throw RunnerError("\(path): \(error)")
        }
        return position
    }

    /// The network's weights and biases as archive tensors, in layer order, with their shapes.
    static func parameterTensors(_ network: Network) -> [TensorArchive.Tensor] {
        network.parameters.map { TensorArchive.Tensor(name: $0.name, dimensions: $0.shape, values: $0.values) }
    }
}
