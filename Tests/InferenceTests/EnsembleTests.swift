import Engine
import Faces
import Foundation
import Results
@testable import Inference
import Testing

/// Test-time flips and ensembles: the predictions `evaluate`, `predict` and `show` make from
/// one run or several.
@Suite struct EnsembleTests {
    private let faces = SyntheticFaces(count: 7, seed: 8).generate()

    private func images(_ faces: LabeledFaces) -> [Float] { FaceFile.labeled(faces).images(0 ..< faces.count) }

    private func outputs(_ network: Network, _ faces: LabeledFaces) -> [Float] {
        network.predict(images(faces), count: faces.count)
    }

    /// With flips, a face's keypoints are the mean of the network's outputs for it and for its
    /// mirror image mapped back: exactly, as `Flip.targets` maps them.
    @Test func flipAveragesTheFaceWithItsMirrorMappedBack() throws {
        let (path, network, _) = try UseTrainedModelTests.makeRunFolder()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let direct = outputs(network, faces)
        let mirrored = outputs(network, Flip.faces(faces))
        var mappedBack = [Float](repeating: 0, count: mirrored.count)
        mirrored.withUnsafeBufferPointer { source in
            mappedBack.withUnsafeMutableBufferPointer { Flip.targets(source.baseAddress!, into: $0.baseAddress!, count: faces.count) }
        }
        let expected = zip(direct, mappedBack).map { ($0 + $1) * 0.5 }
        let flipped = images(faces).withUnsafeBufferPointer { network.keypoints($0, count: faces.count, tta: .flip) }
        #expect(flipped.map(\.bitPattern) == expected.map(\.bitPattern))
        let plain = images(faces).withUnsafeBufferPointer { network.keypoints($0, count: faces.count, tta: .none) }
        #expect(plain.map(\.bitPattern) == direct.map(\.bitPattern))

        // A run loaded with --tta flip predicts those keypoints, in pixels.
        let model = try TrainedModel(runFolder: path, batchSize: 3, tta: .flip)
        let pixels = try model.predict(.labeled(faces), rows: Array(0 ..< faces.count))
        #expect(pixels == expected.map(Normalization.pixels(fromTarget:)))
    }

    /// What users rely on: a flip-averaged net treats a face and its mirror image alike. Its
    /// prediction for the mirrored face is its prediction for the face, mirrored.
    @Test func flipAveragedPredictionsAreMirrorSymmetric() throws {
        let (path, _, _) = try UseTrainedModelTests.makeRunFolder()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let model = try TrainedModel(runFolder: path, batchSize: 4, tta: .flip)
        let forFaces = try model.predict(.labeled(faces), rows: Array(0 ..< faces.count))
        let forMirrors = try model.predict(.labeled(Flip.faces(faces)), rows: Array(0 ..< faces.count))
        for face in 0 ..< faces.count {
            let mirroredBack = Flip.coordinates(forMirrors[face * 30 ..< (face + 1) * 30])
            #expect(zip(mirroredBack, forFaces[face * 30 ..< (face + 1) * 30]).allSatisfy { abs($0 - $1) < 1e-3 }, "face \(face)")
        }
        // Without flips the untrained net is not symmetric at all.
        let plain = try TrainedModel(runFolder: path, batchSize: 4, tta: TestTimeAugmentation.none)
        let a = try plain.predict(.labeled(faces), rows: [0]), b = try plain.predict(.labeled(Flip.faces(faces)), rows: [0])
        #expect(zip(Flip.coordinates(b[...]), a).contains { abs($0 - $1) > 0.01 })
    }

    /// One run is an ensemble of one, bit for bit; two runs predict the mean of their
    /// predictions, whatever batch each would use.
    @Test func anEnsemblePredictsTheMeanOfItsRuns() throws {
        let first = try UseTrainedModelTests.makeRunFolder(weightsSeed: 1)
        let second = try UseTrainedModelTests.makeRunFolder(weightsSeed: 2)
        defer { for path in [first.path, second.path] { try? FileManager.default.removeItem(atPath: path) } }
        let a = outputs(first.network, faces), b = outputs(second.network, faces)
        #expect(a != b)

        let one = Ensemble([try TrainedModel(runFolder: first.path, batchSize: 5)])
        #expect(try one.predict(.labeled(faces), rows: Array(0 ..< faces.count)).map(\.bitPattern)
                == a.map { Normalization.pixels(fromTarget: $0).bitPattern })

        let pair = Ensemble([try TrainedModel(runFolder: first.path, batchSize: 5),
                             try TrainedModel(runFolder: second.path, batchSize: 3)])
        #expect(pair.batchSize == 3)
        let mean = zip(a, b).map { Normalization.pixels(fromTarget: ($0 + $1) * 0.5) }
        #expect(try pair.predict(.labeled(faces), rows: Array(0 ..< faces.count)) == mean)

        // evaluate scores those same predictions.
        var sum = 0.0
        for (truth, guess) in zip(faces.keypoints, mean) { sum += Double(truth - guess) * Double(truth - guess) }
        let evaluation = try pair.evaluate(faces)
        #expect(abs(evaluation.rmsePixels - (sum / Double(mean.count)).squareRoot()) < 1e-3)
    }

    /// A run whose outputs overflow spoils an ensemble: the error names that run's weights and
    /// the face, not a NaN average.
    @Test func aBrokenMemberIsNamed() throws {
        let good = try UseTrainedModelTests.makeRunFolder(weightsSeed: 1)
        let bad = try UseTrainedModelTests.makeRunFolder(weightsSeed: 2)
        defer { for path in [good.path, bad.path] { try? FileManager.default.removeItem(atPath: path) } }
        try UseTrainedModelTests.rewriteBestWeights(bad.path) { _, _ in 1e30 }
        let ensemble = Ensemble([try TrainedModel(runFolder: good.path), try TrainedModel(runFolder: bad.path)])
        let badWeights = ensemble.models[1].weightsPath
        #expect(throws: UserError("\(badWeights): the prediction of left_eye_center_x for row 2 is inf; "
                                  + TrainedModel.unusableAdvice)) {
            _ = try ensemble.predict(.labeled(faces), rows: [2, 1])
        }
        #expect(throws: UserError("\(badWeights): the prediction of left_eye_center_x for row 0 is inf; "
                                  + TrainedModel.unusableAdvice)) {
            _ = try ensemble.evaluate(faces)
        }
    }
}
