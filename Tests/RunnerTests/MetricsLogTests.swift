import Foundation
import Testing
import Runner

@Suite struct MetricsLogTests {
    func temporaryPath() -> String {
        NSTemporaryDirectory() + "metrics-\(UUID().uuidString).csv"
    }

    @Test func rowsReadBackExactlyAndResumeCutsToTheCheckpoint() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let rows = (1...3).map {
            MetricsLog.Row(epoch: $0, trainLoss: 1.0 / Double($0 * 7), validationLoss: 0.1 / 3,
                           validationRMSEPixels: (0.1 / 3).squareRoot() * 48, learningRate: 0.01, seconds: 0.5)
        }
        do {
            let log = try MetricsLog(path: path)
            for row in rows { try log.append(row) }
        }
        #expect(try MetricsLog.read(path: path) == rows)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasPrefix("epoch,train_loss,val_loss,val_rmse_px,learning_rate,seconds\n1,"))

        // A run resumed from a checkpoint taken after epoch 2 drops row 3 and continues.
        do {
            let log = try MetricsLog(path: path, keepingEpochs: 2)
            try log.append(rows[2])
        }
        #expect(try MetricsLog.read(path: path) == rows)
    }
}
