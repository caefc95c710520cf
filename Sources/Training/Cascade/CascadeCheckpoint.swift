import Engine
import Foundation
import Results

/// Where a cascade stands at an epoch boundary (its checkpoint's metadata): the cascade's own
/// stopping state, and each level-2 net's loop position by name.
struct CascadePosition: Codable, Equatable {
    var epochsDone = 0
    var bestEpoch: Int?
    var bestValidationLossBits: UInt64?
    var epochsWithoutImprovement = 0
    var totalTrainSeconds = 0.0
    var nets: [String: LoopPosition]

    var bestValidationLoss: Double? {
        get { bestValidationLossBits.map(Double.init(bitPattern:)) }
        set { bestValidationLossBits = newValue?.bitPattern }
    }
}

/// A cascade's weights and checkpoints: one archive for all its level-2 nets, each net's
/// tensors under `<group>/` (its optimizer state under `<group>/optimizer/`), so that a
/// checkpoint is written whole or not at all and never mixes epochs.
enum CascadeCheckpoint {
    static func saveWeights(nets: [CascadeRun.Level2Net], configHash: String, to path: String) throws {
        try TensorArchive(specHash: configHash, tensors: nets.flatMap { net in
            Checkpoint.parameterTensors(net.loop.network).map { prefixed($0, net.name + "/") }
        }).write(to: path)
    }

    static func save(nets: [CascadeRun.Level2Net], position: CascadePosition, configHash: String, to path: String) throws {
        let metadata = String(decoding: try JSONEncoder().encode(position), as: UTF8.self)
        let tensors = nets.flatMap { net in
            Checkpoint.tensors(net.loop.network, net.loop.optimizer).map { prefixed($0, net.name + "/") }
        }
        try TensorArchive(specHash: configHash, metadata: metadata, tensors: tensors).write(to: path)
    }

    /// Loads every net's weights and optimizer state and returns the cascade's position,
    /// checked against the nets and `epochs`.
    static func load(from path: String, nets: [CascadeRun.Level2Net], configHash: String, epochs: Int) throws -> CascadePosition {
        let (archive, position) = try Checkpoint.open(path, specHash: configHash, position: CascadePosition.self,
                                                      what: "cascade position")
        guard (0...epochs).contains(position.epochsDone), Set(position.nets.keys) == Set(nets.map(\.name)) else {
            throw UserError("\(path): the checkpoint does not fit this cascade (\(position.epochsDone) epochs of \(epochs), "
                            + "nets \(position.nets.keys.sorted().joined(separator: ", ")))")
        }
        for net in nets {
            let saved = position.nets[net.name]!
            try saved.validate(epochs: epochs, batchesPerEpoch: net.loop.batchesPerEpoch, file: path)
            guard saved.epochsDone == position.epochsDone, saved.batchesDone == 0 else {
                throw UserError("\(path): level-2 net \(net.name) is at epoch \(saved.epochsDone), batch \(saved.batchesDone); "
                                + "the cascade at the end of epoch \(position.epochsDone)")
            }
            do {
                try Checkpoint.restore(archive.values(under: net.name + "/"), network: net.loop.network,
                                       optimizer: net.loop.optimizer, stepCount: saved.optimizerSteps)
            } catch {
                throw UserError("\(path): level-2 net \(net.name): \(error)")
            }
        }
        return position
    }

    private static func prefixed(_ tensor: TensorArchive.Tensor, _ prefix: String) -> TensorArchive.Tensor {
        TensorArchive.Tensor(name: prefix + tensor.name, dimensions: tensor.dimensions, values: tensor.values)
    }
}
