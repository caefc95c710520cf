import Foundation

/// A results folder written as kplab writes one (config.yaml, metrics.csv, run.json), in a
/// fresh temporary folder per test.
struct ResultsFixture {
    let root: String

    init() throws {
        root = NSTemporaryDirectory() + "dashboard-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: root) }

    static func config(seed: Int, rate: String) -> String {
        """
        name: cnn
        seed: \(seed)
        data:
          synthetic: {count: 200, seed: 7}
          validation: {holdout: 40}
        model:
          layers:
            - flatten
            - dense: 30
        train:
          epochs: 5
          learning_rate: \(rate)

        """
    }

    /// Writes `<root>/cnn/<runID>/` with one metrics row per RMSE, and returns the folder.
    @discardableResult
    func run(_ runID: String, seed: Int = 1, rate: String = "0.01", rmse: [Double], status: String = "completed",
             under folder: String? = nil) throws -> String {
        let path = (folder ?? root) + "/cnn/" + runID
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try Self.config(seed: seed, rate: rate).write(toFile: path + "/config.yaml", atomically: true, encoding: .utf8)
        var csv = "epoch,train_loss,val_loss,val_rmse_px,output_spread,learning_rate,seconds\n"
        for (index, value) in rmse.enumerated() { csv += Self.row(index + 1, value) }
        try csv.write(toFile: path + "/metrics.csv", atomically: true, encoding: .utf8)
        try record(runID, rmse: rmse, status: status).write(toFile: path + "/run.json", atomically: true, encoding: .utf8)
        return path
    }

    static func row(_ epoch: Int, _ rmse: Double) -> String {
        "\(epoch),\(0.1 / Double(epoch)),\(pow(rmse / 48, 2)),\(rmse),0.9,0.01,1.5\n"
    }

    func record(_ runID: String, rmse: [Double], status: String) -> String {
        let best = rmse.enumerated().min { $0.element < $1.element }
        return """
            {
              "best_epoch": \(best.map { "\($0.offset + 1)" } ?? "null"),
              "best_val_rmse_px": \(best.map { "\($0.element)" } ?? "null"),
              "config_hash": "0", "data_fingerprint": "0", "epochs_run": \(rmse.count),
              "experiment": "cnn", "machine": {"cpu": "test", "os": "Linux", "threads": 1},
              "run_id": "\(runID)", "seed": 1, "seed_chosen_at_random": false,
              "software": {"kplab_version": "0.2.0", "swift_version": "6.3"},
              "started_at": "2025-01-01T10:00:00Z", "status": "\(status)",
              "train_rows": 160, "validation_rows": 40, "mean_face_rmse_px": 4.5
            }

            """
    }
}
