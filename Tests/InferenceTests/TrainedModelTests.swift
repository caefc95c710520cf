import Engine
import Experiments
import Faces
import Foundation
@testable import Inference
import Results
import Testing

/// Loading a run folder's model and predicting with it, in batches.
@Suite struct UseTrainedModelTests {
    static let experimentText = """
        name: tiny
        seed: 5
        model:
          layers:
            - conv: {filters: 3, kernel: 5, stride: 2}
            - relu
            - maxpool: 2
            - flatten
            - dense: 12
            - relu
            - dropout: 0.5
            - dense: 30
        train: {epochs: 1, batch_size: 4}
        """

    /// A run folder as `kplab run` leaves it (config.yaml and weights), with the network whose
    /// weights it holds. The weights are the network's random initialisation: what matters
    /// here is that they load and give the same outputs.
    static func makeRunFolder(best: Bool = true, weightsSeed: UInt64 = 99) throws -> (path: String, network: Network, experiment: Experiment) {
        let experiment = try Experiment.decode(text: experimentText, path: "tiny.yaml")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kplab-use-run-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let folder = RunFolder(path: path)
        try writeAtomically(experiment.canonicalText, to: folder.config)
        var rng = RandomGenerator(seed: weightsSeed)
        let network = try experiment.makeNetwork(maxBatch: 16, threads: 1, rng: &rng)
        let archive = TensorArchive(specHash: experiment.configHash, tensors: network.parameters.map {
            TensorArchive.Tensor(name: $0.name, dimensions: $0.shape, values: $0.values)
        })
        try archive.write(to: folder.lastWeights)
        if best { try archive.write(to: folder.bestWeights) }
        return (path, network, experiment)
    }

    @Test func predictionsAreTheNetworksOutputsInPixelsWhateverTheBatchSize() throws {
        let (path, network, _) = try Self.makeRunFolder()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let faces = SyntheticFaces(count: 11, seed: 2, missingLabels: true).generate()
        let images = FaceFile.labeled(faces).images(0 ..< faces.count)
        var rng = RandomGenerator(seed: 0)
        let expected = network.forward(images, count: faces.count, training: false, rng: &rng)
            .map(Normalization.pixels(fromTarget:))

        for batchSize in [1, 4, 11, 64] {
            let model = try TrainedModel(runFolder: path, weights: .best, batchSize: batchSize, threads: 2)
            #expect(model.batchSize == min(batchSize, 64))
            let predicted = try model.predict(.labeled(faces), rows: Array(0 ..< faces.count))
            #expect(predicted.count == 11 * 30)
            #expect(zip(predicted, expected).allSatisfy { abs($0 - $1) < 1e-4 }, "batch \(batchSize)")
        }
        // Rows in any order give those faces' predictions in that order.
        let model = try TrainedModel(runFolder: path, batchSize: 3, faceCount: 2)
        #expect(model.batchSize == 2)
        let picked = try model.predict(.labeled(faces), rows: [9, 2])
        #expect(zip(picked, Array(expected[270 ..< 300] + expected[60 ..< 90])).allSatisfy { abs($0 - $1) < 1e-4 })
    }

    /// `evaluate` and `predict` agree: the Evaluation's RMSE is the RMSE of the predicted pixels
    /// against the present true values.
    @Test func evaluationMatchesThePredictions() throws {
        let (path, _, _) = try Self.makeRunFolder()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let faces = SyntheticFaces(count: 9, seed: 4, missingLabels: true).generate()
        let model = try TrainedModel(runFolder: path, batchSize: 4)
        let predicted = try model.predict(.labeled(faces), rows: Array(0 ..< faces.count))
        var sum = 0.0, count = 0
        for (truth, guess) in zip(faces.keypoints, predicted) where !truth.isNaN {
            sum += Double(truth - guess) * Double(truth - guess)
            count += 1
        }
        let evaluation = try model.evaluate(faces)
        #expect(evaluation.presentCounts.reduce(0, +) == count)
        #expect(abs(evaluation.rmsePixels - (sum / Double(count)).squareRoot()) < 1e-3)
        #expect(evaluation.keypoints.first { $0.keypoint == .leftEyeCenter }!.count == 18)
    }

    @Test func aFolderWithoutItsWeightsOrWithOthersSaysWhatToDo() throws {
        let (path, _, experiment) = try Self.makeRunFolder(best: false)
        defer { try? FileManager.default.removeItem(atPath: path) }
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "no error" } catch { return "\(error)" }
        }
        #expect(message { _ = try TrainedModel(runFolder: path, weights: .best) }
                == "\(path) has no model.best.kpw (the run had no validation faces, or no epoch finished); try --weights last")
        #expect(message { _ = try TrainedModel(runFolder: path, weights: .last) } == "no error")
        #expect(message { _ = try TrainedModel(runFolder: path + "/nothing") }
                == "\(path)/nothing is not a run folder: it has no config.yaml (expected results/<experiment>/<run-id>)")

        // Weights of a different network do not load.
        let folder = RunFolder(path: path)
        let wrong = TensorArchive(specHash: experiment.configHash,
                                  tensors: [.init(name: "layer1.conv.weight", dimensions: [2, 1, 5, 5], values: .init(repeating: 0, count: 50))])
        try wrong.write(to: folder.lastWeights)
        #expect(message { _ = try TrainedModel(runFolder: path, weights: .last) }
                .hasPrefix("\(folder.lastWeights) does not fit the network in \(folder.config): "))
    }

    /// Rewrites the run's best weights with every value of every tensor passed through `change`.
    static func rewriteBestWeights(_ path: String, _ change: (String, Float) -> Float) throws {
        let folder = RunFolder(path: path)
        var archive = try TensorArchive(path: folder.bestWeights)
        for index in archive.tensors.indices {
            let name = archive.tensors[index].name
            archive.tensors[index].values = archive.tensors[index].values.map { change(name, $0) }
        }
        try archive.write(to: folder.bestWeights)
    }

    /// Weights written before layers were named (`layer5.dense.bias`, by position) still load
    /// and predict exactly what they predicted.
    @Test func archivesWithPositionalNamesStillLoad() throws {
        let (path, network, experiment) = try Self.makeRunFolder()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let rows = try ModelSummary(model: experiment.model).rows
        let folder = RunFolder(path: path)
        var archive = try TensorArchive(path: folder.bestWeights)
        for index in archive.tensors.indices {
            let parts = archive.tensors[index].name.split(separator: ".")
            let row = rows.first { $0.name == parts[0] }!
            archive.tensors[index].name = "layer\(row.index + 1).\(experiment.model.layers[row.index].kindName).\(parts[1])"
        }
        #expect(archive.tensors.map(\.name).contains("layer1.conv.weight"))
        try archive.write(to: folder.bestWeights)
        let model = try TrainedModel(runFolder: path, weights: .best)
        let input = (0..<(2 * FaceImage.pixelCount)).map { Float($0 % 97) / 97 }
        #expect(model.network.predict(input, count: 2) == network.predict(input, count: 2))
    }

    /// NaN weights would predict NaN everywhere, which clipping turned into a face of 48s: a
    /// plausible submission from a dead model. They are refused as the model loads.
    @Test func nonFiniteWeightsAreRefused() throws {
        let (path, _, _) = try Self.makeRunFolder()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.rewriteBestWeights(path) { name, value in name == "dense1.bias" ? .nan : value }
        do {
            _ = try TrainedModel(runFolder: path, weights: .best)
            Issue.record("NaN weights loaded")
        } catch {
            #expect("\(error)" == "\(RunFolder(path: path).bestWeights): tensor 'dense1.bias' holds 12 non-finite values "
                    + "(the first, at index 0, is nan); the weights are unusable (the run diverged or the file is damaged): "
                    + "try the other weights (--weights best or last) or train the run again")
        }
    }

    /// Finite weights can still overflow to infinite (then NaN) outputs; predict and evaluate
    /// name the face instead of returning them.
    @Test func nonFinitePredictionsAreRefused() throws {
        let (path, _, _) = try Self.makeRunFolder()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.rewriteBestWeights(path) { _, _ in 1e30 }
        let model = try TrainedModel(runFolder: path, weights: .best, batchSize: 4)
        let faces = SyntheticFaces(count: 5, seed: 4).generate()
        #expect(throws: UserError("\(model.weightsPath): the prediction of left_eye_center_x for row 3 is inf; "
                                  + "the weights are unusable (the run diverged or the file is damaged): "
                                  + "try the other weights (--weights best or last) or train the run again")) {
            _ = try model.predict(.labeled(faces), rows: [3, 1])
        }
        #expect(throws: UserError.self) { _ = try model.evaluate(faces) }
    }
}
