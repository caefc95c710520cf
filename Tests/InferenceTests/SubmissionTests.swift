import Faces
import Foundation
import Inference
import Results
import Testing

/// Submissions: clipping, lookup order, and errors that name the row.
@Suite struct UseSubmissionTests {
    static let faces = UnlabeledFaces(imageIds: [7, 3], pixels: [UInt8](repeating: 1, count: 2 * FaceImage.pixelCount))
    /// Face 7's coordinate i is i − 5 (so −5 … 24); face 3's is 90 + i (90 … 119).
    static let predictions: [Float] = (0 ..< 30).map { Float($0) - 5 } + (0 ..< 30).map { 90 + Float($0) }

    @Test func rowsFollowTheLookupAndEveryValueIsClippedTo0Through96() throws {
        let lookup = LookupTable(entries: [
            .init(rowId: 1, imageId: 3, coordinate: 29),   // 119 → 96
            .init(rowId: 2, imageId: 7, coordinate: 0),    // −5 → 0
            .init(rowId: 3, imageId: 7, coordinate: 10),   // 5
            .init(rowId: 4, imageId: 3, coordinate: 2),    // 92
        ])
        let rows = try Submission.rows(lookup: lookup, lookupPath: "lookup.csv", faces: Self.faces, facesPath: "test.csv",
                                       predictions: Self.predictions)
        #expect(rows == [SubmissionRow(rowId: 1, location: 96), SubmissionRow(rowId: 2, location: 0),
                         SubmissionRow(rowId: 3, location: 5), SubmissionRow(rowId: 4, location: 92)])
        #expect(try Submission.clipped([-0.5, 96.5, 48.25]) == [0, 96, 48.25])
    }

    /// A diverged model's NaN must not become a plausible 48 (nor infinity the image's edge).
    @Test func nonFinitePredictionsAreRefusedNotClipped() throws {
        #expect(throws: UserError("prediction 2 of 3 is nan: a submission needs a finite number for every value (did the run diverge?)")) {
            try Submission.clipped([1, .nan, 2])
        }
        var predictions = Self.predictions
        predictions[31] = .infinity
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kplab-use-\(UUID().uuidString).csv").path
        #expect(throws: UserError.self) {
            try Submission.writeKeypoints(imageIds: Self.faces.imageIds, predictions: predictions, to: path)
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func aLookupRowForAnUnknownImageIsNamed() {
        let lookup = LookupTable(entries: [.init(rowId: 10, imageId: 7, coordinate: 0),
                                           .init(rowId: 11, imageId: 8, coordinate: 21)])
        do {
            try Submission.check(lookup: lookup, lookupPath: "IdLookupTable.csv", faces: Self.faces, facesPath: "test.csv")
            Issue.record("no error")
        } catch {
            #expect("\(error)" == "IdLookupTable.csv: row 2 (RowId 11) asks for nose_tip_y of image 8, which is not in test.csv (2 images, ImageId 3-7)")
        }
        let twice = UnlabeledFaces(imageIds: [4, 5, 4], pixels: [UInt8](repeating: 0, count: 3 * FaceImage.pixelCount))
        #expect(throws: UserError.self) {
            try Submission.check(lookup: lookup, lookupPath: "l.csv", faces: twice, facesPath: "t.csv")
        }
    }

    @Test func withoutALookupEachImageGetsItsThirtyColumns() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kplab-use-\(UUID().uuidString).csv").path
        defer { unlink(path) }
        try Submission.writeKeypoints(imageIds: Self.faces.imageIds, predictions: Self.predictions, to: path)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0] == "ImageId," + Keypoint.columnNames.joined(separator: ","))
        #expect(lines[1].hasPrefix("7,0.0,0.0,0.0,0.0,0.0,0.0,1.0,2.0,"))
        #expect(lines[2].hasPrefix("3,90.0,91.0,92.0,93.0,94.0,95.0,96.0,96.0,"))
        #expect(lines[2].split(separator: ",").count == 31)
    }
}
