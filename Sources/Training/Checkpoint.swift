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
        try TensorArchive(specHash: specHash, metadata: metadata, tensors: tensors(network, optimizer)).write(to: path)
    }

    /// What a checkpoint holds of a network and its optimizer: the parameters, then the
    /// optimizer's state under `optimizerPrefix`.
    static func tensors(_ network: Network, _ optimizer: Optimizer) -> [TensorArchive.Tensor] {
        parameterTensors(network) + optimizer.state().sorted { $0.key < $1.key }.map {
            TensorArchive.Tensor(name: optimizerPrefix + $0.key, dimensions: [$0.value.count], values: $0.value)
        }
    }

    /// Loads `values` — a checkpoint's tensors by name, as `tensors` wrote them — into the
    /// network and its optimizer; `rename` maps names older versions wrote.
    static func restore(_ values: [String: [Float]], network: Network, optimizer: Optimizer, stepCount: Int,
                        rename: ([String: [Float]]) -> [String: [Float]] = { $0 }) throws {
        let state = values.filter { $0.key.hasPrefix(optimizerPrefix) }
        try network.load(rename(values.filter { !$0.key.hasPrefix(optimizerPrefix) }))
        try optimizer.load(state: rename(Dictionary(uniqueKeysWithValues: state.map { (String($0.key.dropFirst(optimizerPrefix.count)), $0.value) })),
                           stepCount: stepCount)
    }

    /// Loads the weights and optimizer state into `network` and `optimizer` and returns the
    /// loop position, checked against the run's `epochs` and `batchesPerEpoch`.
    static func load(from path: String, network: Network, optimizer: Optimizer, model: ModelSpec, specHash: String,
                     epochs: Int, batchesPerEpoch: Int) throws -> LoopPosition {
        let (archive, position) = try open(path, specHash: specHash, position: LoopPosition.self, what: "loop position")
        try position.validate(epochs: epochs, batchesPerEpoch: batchesPerEpoch, file: path)
        do {
            try restore(archive.values(), network: network, optimizer: optimizer, stepCount: position.optimizerSteps,
                        rename: model.renamingLegacyTensors)
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
