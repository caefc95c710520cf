import Foundation

/// Run folders written the way kplab writes them (config.yaml, metrics.csv, run.json),
/// in a fresh temporary results folder per test.
struct CompareFixtures {
    let root: String

    init() throws {
        root = NSTemporaryDirectory() + "compare-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: root) }

    static let cnnLayers = """
        - conv: {filters: 8, kernel: 3, stride: 1, padding: 0}
        - relu
        - maxpool: {size: 2, stride: 2}
        - flatten
        - dense: {units: 30}
    """

    static let mlpLayers = """
        - flatten
        - dense: {units: 100}
        - relu
        - dense: {units: 30}
    """

    static func config(name: String = "cnn", seed: Int, weights: String, learningRate: String = "0.01",
                       layers: String = cnnLayers) -> String {
        """
        name: \(name)
        seed: \(seed)
        data:
          synthetic: {count: 200, seed: 7, missing_labels: false}
          validation: {holdout: 40}
        model:
          init: {weights: \(weights), distribution: normal, bias: 0.0}
          layers:
        \(layers)
        train:
          epochs: 3
          learning_rate: \(learningRate)

        """
    }

    /// Writes `results/<experiment>/<runID>/` and returns its path. `losses` are
    /// (train, validation) per epoch; RMSE is sqrt(val)·48; each epoch takes 1.5 s.
    @discardableResult
    func run(experiment: String = "cnn", runID: String, config: String, losses: [(Double, Double)],
             status: String = "completed", imagesPerSecond: Double = 1000) throws -> String {
        let folder = root + "/" + experiment + "/" + runID
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try config.write(toFile: folder + "/config.yaml", atomically: true, encoding: .utf8)
        var csv = "epoch,train_loss,val_loss,val_rmse_px,learning_rate,seconds\n"
        for (index, loss) in losses.enumerated() {
            csv += "\(index + 1),\(text(loss.0)),\(text(loss.1)),\(text(loss.1.squareRoot() * 48)),0.01,1.5\n"
        }
        try csv.write(toFile: folder + "/metrics.csv", atomically: true, encoding: .utf8)
        let best = losses.enumerated().filter { $0.element.1.isFinite }.min { $0.element.1 < $1.element.1 }
        // Written as kplab writes it: non-finite numbers as the strings "nan", "inf".
        func json(_ value: Double?) -> String {
            guard let value else { return "null" }
            return value.isFinite ? "\(value)" : "\"\(text(value))\""
        }
        let record = """
            {
              "best_epoch": \(best.map { "\($0.offset + 1)" } ?? "null"),
              "best_val_rmse_px": \(json(best.map { $0.element.1.squareRoot() * 48 })),
              "config_hash": "0", "data_fingerprint": "0",
              "ended_at": "2025-01-01T10:00:05Z", "epochs_run": \(losses.count),
              "experiment": "\(experiment)",
              "final_train_loss": \(json(losses.last?.0)), "final_val_loss": \(json(losses.last?.1)),
              "machine": {"blas_kernel": "Haswell", "blas_library": "OpenBLAS", "cpu": "test", "os": "Linux", "threads": 1},
              "run_id": "\(runID)", "seed": 1, "seed_chosen_at_random": false,
              "software": {"kplab_version": "0.1.0", "swift_version": "6.3"},
              "started_at": "2025-01-01T10:00:00Z", "status": "\(status)",
              "train_images_per_second": \(imagesPerSecond), "train_rows": 160, "validation_rows": 40,
              "mean_face_rmse_px": 4.5
            }

            """
        try record.write(toFile: folder + "/run.json", atomically: true, encoding: .utf8)
        return folder
    }

    private func text(_ value: Double) -> String { value.isNaN ? "nan" : "\(value)" }

    /// Three CNN runs and one diverged: seeds 1, 2 with He; seeds 1, 2 with Xavier.
    ///
    /// | run    | seed | weights | best RMSE px         | status   |
    /// | he-1   | 1    | he      | sqrt(0.0025)·48 = 2.4 | completed |
    /// | he-2   | 2    | he      | sqrt(0.0036)·48 = 2.88 | completed |
    /// | xa-1   | 1    | xavier  | sqrt(0.0049)·48 = 3.36 | completed |
    /// | xa-2   | 2    | xavier  | sqrt(0.0100)·48 = 4.8 (epoch 1), then NaN | diverged |
    func standardRuns() throws {
        try run(runID: "cnn-he-1", config: Self.config(seed: 1, weights: "he"),
                losses: [(0.02, 0.01), (0.004, 0.0049), (0.002, 0.0025)])
        try run(runID: "cnn-he-2", config: Self.config(seed: 2, weights: "he"),
                losses: [(0.02, 0.01), (0.005, 0.0064), (0.003, 0.0036)])
        try run(runID: "cnn-xa-1", config: Self.config(seed: 1, weights: "xavier"),
                losses: [(0.03, 0.02), (0.01, 0.0081), (0.004, 0.0049)])
        try run(runID: "cnn-xa-2", config: Self.config(seed: 2, weights: "xavier"),
                losses: [(0.03, 0.01), (.nan, .nan)], status: "diverged")
    }
}
