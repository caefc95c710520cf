import Experiments
import Faces
import Foundation
import Inference
import Reports
import Results

/// A run page's contact sheet: the first validation faces of the run's own split, with the
/// best weights' predictions and the true points, as `kplab show --rows validation` draws
/// them. The run's training data is read to find the faces (decoded as faces, never sent);
/// the picture is drawn on request and the last few are kept.
final class ValidationFaces: @unchecked Sendable {
    static let faceCount = 24
    private static let kept = 8
    private let lock = NSLock()
    /// Newest last: run id, the weights' stamp when drawn, the PNG.
    private var pictures: [(id: String, stamp: FileStamp?, png: Data)] = []

    func png(for entry: RunIndex.Entry, served: ServedFolders) throws -> Data {
        let weights = entry.folder.bestWeights
        guard served.isReadable(weights) else { throw UserError(served.refusal(weights) ?? "no best weights yet") }
        let stamp = FileStamp(weights)
        if let cached = lock.withLock({ pictures.first { $0.id == entry.id && $0.stamp == stamp } }) { return cached.png }
        let model = try TrainedModel(runFolder: entry.folder.path, weights: .best, faceCount: Self.faceCount)
        let experiment = model.experiment
        // The faces alone: not PreparedData, which also hashes the whole file and scores the mean face.
        let validation = experiment.data.split(try experiment.data.loadFaces(), seed: experiment.seed ?? 0).validation
        let rows = Array(validation.indices.prefix(Self.faceCount))
        let file = FaceFile.labeled(validation.faces)
        let predictions = try Ensemble([model]).predict(file, rows: rows)
        let level1 = try model.level1.map { try Ensemble([$0]).predict(file, rows: rows) }
        let sheet = ContactSheet(file: file, rows: rows, predictions: predictions, level1: level1,
                                 title: "\(entry.run.label): validation faces, best weights", columns: 6, scale: 2)
        let png = Data(try sheet.render().pngBytes())
        lock.withLock {
            pictures.removeAll { $0.id == entry.id }
            pictures.append((entry.id, stamp, png))
            if pictures.count > Self.kept { pictures.removeFirst() }
        }
        return png
    }
}
