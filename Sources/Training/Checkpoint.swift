import Engine
import Experiments
import Foundation
import Results

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

    /// Loads the weights and optimizer state into `network` and `optimizer` and returns the
    /// loop position, checked against the run's `epochs` and `batchesPerEpoch`.
    static func load(from path: String, network: Network, optimizer: Optimizer, model: ModelSpec, specHash: String,
                     epochs: Int, batchesPerEpoch: Int) throws -> LoopPosition {
        let (archive, position) = try open(path, specHash: specHash, position: LoopPosition.self, what: "loop position")
        try position.validate(epochs: epochs, batchesPerEpoch: batchesPerEpoch, file: path)
        let state = model.renamingLegacyTensors(Dictionary(uniqueKeysWithValues: archive.values { $0.hasPrefix(optimizerPrefix) }.map {
            (String($0.key.dropFirst(optimizerPrefix.count)), $0.value)
        }))
        do {
            try network.load(model.renamingLegacyTensors(archive.values { !$0.hasPrefix(optimizerPrefix) }))
            try optimizer.load(state: state, stepCount: position.optimizerSteps)
        } catch {
            throw UserError("\(path): \(error)")
        }
        return position
    }

    /// A checkpoint's archive, refused when another configuration wrote it, and the position
    /// its metadata holds (`what` names it in messages).
    static func open<Position: Decodable>(_ path: String, specHash: String, position: Position.Type,
                                          what: String) throws -> (TensorArchive, Position) {
        let archive = try TensorArchive(path: path)
        guard archive.specHash == specHash else {
            throw UserError("\(path) was written for another configuration (hash \(archive.specHash.prefix(8)), this one \(specHash.prefix(8)))")
        }
        do {
            return (archive, try JSONDecoder().decode(Position.self, from: Data(archive.metadata.utf8)))
        } catch {
            throw UserError("\(path): unreadable \(what) (\(error))")
        }
    }

    /// The network's weights, biases and running statistics as archive tensors, in layer
    /// order, with their shapes.
    static func parameterTensors(_ network: Network) -> [TensorArchive.Tensor] {
        (network.parameters + network.state).map { TensorArchive.Tensor(name: $0.name, dimensions: $0.shape, values: $0.values) }
    }
}
