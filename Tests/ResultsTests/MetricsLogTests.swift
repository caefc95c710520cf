import Foundation
import Results
import Testing

@Suite struct MetricsLogTests {
    func temporaryPath() -> String {
        NSTemporaryDirectory() + "metrics-\(UUID().uuidString).csv"
    }

    @Test func rowsReadBackExactlyAndResumeCutsToTheCheckpoint() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let rows = (1...3).map {
            MetricsLog.Row(epoch: $0, trainLoss: 1.0 / Double($0 * 7), validationLoss: 0.1 / 3,
                           validationRMSEPixels: (0.1 / 3).squareRoot() * 48, outputSpread: 0.25 * Double($0),
                           learningRate: 0.01, seconds: 0.5)
        }
        do {
            let log = try MetricsLog(path: path)
            for row in rows { try log.append(row) }
        }
        #expect(try MetricsLog.read(path: path) == rows)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasPrefix("epoch,train_loss,val_loss,val_rmse_px,output_spread,learning_rate,seconds\n1,"))

        // A run resumed from a checkpoint taken after epoch 2 drops row 3 and continues.
        do {
            let log = try MetricsLog(path: path, keepingEpochs: 2)
            try log.append(rows[2])
        }
        #expect(try MetricsLog.read(path: path) == rows)
    }

    /// A copy whose line ends became "\r\n" (saved on Windows, or checked out by git with
    /// core.autocrlf) reads the same rows — Swift holds "\r\n" as one Character, and split on
    /// "\n" it read as no rows at all — and a resumed run cuts it back and continues it.
    @Test func lineEndsConvertedToCRLFReadTheSameAndResume() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let rows = (1...3).map {
            MetricsLog.Row(epoch: $0, trainLoss: 0.5 / Double($0), validationLoss: 0.25, validationRMSEPixels: 24,
                           outputSpread: 0.9, learningRate: 0.01, seconds: 1.5)
        }
        do {
            let log = try MetricsLog(path: path)
            for row in rows { try log.append(row) }
        }
        let crlf = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "\n", with: "\r\n")
        try crlf.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try MetricsLog.read(path: path) == rows)
        #expect(try MetricsLog.readFields(path: path).map { $0["seconds"] } == ["1.5", "1.5", "1.5"])

        try (crlf + "4,0.1").write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try MetricsLog.read(path: path) == rows, "a partial last line is still left out")

        do {
            let log = try MetricsLog(path: path, keepingEpochs: 2)
            try log.append(rows[2])
        }
        #expect(try MetricsLog.read(path: path) == rows)
    }

    /// A run writes epochs 1, 2, … in order; messages about a file that does not name its epochs
    /// in runs.
    @Test func epochsFromOneInOrderAndTheirDescription() {
        #expect(MetricsLog.isConsecutiveFromOne([]) && MetricsLog.isConsecutiveFromOne([1, 2, 3]))
        for edited in [[2], [1, 1], [1, 3], [2, 1], [0, 1]] { #expect(!MetricsLog.isConsecutiveFromOne(edited), "\(edited)") }
        #expect(MetricsLog.describe([]) == "none")
        #expect(MetricsLog.describe([1, 2, 3, 3, 4, 27]) == "1–3, 3–4, 27")
    }

    @Test func aFileFromBeforeOutputSpreadStillReads() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "epoch,train_loss,val_loss,val_rmse_px,learning_rate,seconds\n1,0.5,0.25,24.0,0.01,1.5\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let rows = try MetricsLog.read(path: path)
        #expect(rows.count == 1)
        #expect(rows[0].validationRMSEPixels == 24 && rows[0].learningRate == 0.01 && rows[0].seconds == 1.5)
        #expect(rows[0].outputSpread.isNaN)
    }
}

@Suite struct MetricsLogLiveReadingTests {
    static let header = "epoch,train_loss,val_loss,val_rmse_px,output_spread,learning_rate,seconds\n"
    static let row1 = "1,0.5,0.25,24.0,0.9,0.01,1.5\n"

    func read(_ text: String) throws -> [MetricsLog.Row] {
        let path = NSTemporaryDirectory() + "metrics-\(UUID().uuidString).csv"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return try MetricsLog.read(path: path)
    }

    @Test func aPartialLastLineIsAnAppendUnderWayAndIsLeftOut() throws {
        #expect(try read(Self.header + Self.row1 + "2,0.4,0.2").map(\.epoch) == [1])
        #expect(try read(Self.header + Self.row1 + "2").map(\.epoch) == [1])
        #expect(try read(Self.header).isEmpty)
        #expect(try read("epoch,train_lo").isEmpty)
        #expect(try read("").isEmpty)
    }

    @Test func aColumnThisVersionDoesNotKnowIsIgnored() throws {
        let rows = try read("epoch,train_loss,val_loss,val_rmse_px,output_spread,learning_rate,seconds,val_nme\n"
                            + "1,0.5,0.25,24.0,0.9,0.01,1.5,0.07\n")
        #expect(rows.count == 1 && rows[0].validationRMSEPixels == 24 && rows[0].seconds == 1.5)
    }

    @Test func aFinishedBadRowNamesItsRowAndColumn() throws {
        #expect(throws: UserError.self) { try read(Self.header + "1,0.5,oops,24.0,0.9,0.01,1.5\n") }
        do {
            _ = try read(Self.header + "1,0.5,oops,24.0,0.9,0.01,1.5\n")
        } catch let error as UserError {
            #expect(error.description.hasSuffix(": row 1, column val_loss: expected a number, found 'oops'"))
        }
        #expect(throws: UserError.self) { try read("epoch,seconds\n1,2\n") }
    }
}
