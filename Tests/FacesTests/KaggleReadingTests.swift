import Foundation
import Testing
@testable import Faces

@Suite struct KaggleReadingTests {
    @Test func readsRowsWithMissingValuesAsNaN() throws {
        var partial: [Float?] = Fixtures.coordinates
        partial[2] = nil
        partial[3] = nil
        let text = [Fixtures.header,
                    Fixtures.row(Fixtures.coordinates, image: Fixtures.pixelText()),
                    Fixtures.row(partial, image: Fixtures.pixelText(offset: 3))].joined(separator: "\n") + "\n"
        let faces = try TrainingFile(text: text, path: "t.csv").faces
        #expect(faces.count == 2)
        #expect(Array(faces.coordinates(0)) == Fixtures.coordinates)
        #expect(faces.coordinates(1)[2].isNaN && faces.coordinates(1)[3].isNaN)
        #expect(faces.coordinates(1)[4] == 14.5)
        #expect(Array(faces.image(1)) == Fixtures.pixels(offset: 3))
        #expect(faces.isComplete(0) && !faces.isComplete(1))
        #expect(faces.location(of: .rightEyeCenter, in: 1) == nil)
    }

    @Test func columnOrderComesFromTheHeader() throws {
        // Image first, then the coordinates in reverse order, some columns absent entirely.
        let names = Array(Keypoint.columnNames.reversed().prefix(4))   // bottom lip y, x, top lip y, x
        let text = (["Image"] + names).joined(separator: ",") + "\n"
            + Fixtures.pixelText() + ",1,2,3,4\n"
        let faces = try TrainingFile(text: text, path: "t.csv").faces
        let values = faces.coordinates(0)
        #expect(values[29] == 1 && values[28] == 2 && values[27] == 3 && values[26] == 4)
        #expect(values[0].isNaN)
    }

    @Test func acceptsCRLFAndByteOrderMarkAndBlankLines() throws {
        let text = "\u{FEFF}" + Fixtures.header + "\r\n"
            + Fixtures.row(Fixtures.coordinates, image: Fixtures.pixelText()) + "\r\n\r\n"
            + Fixtures.row(Fixtures.coordinates, image: Fixtures.pixelText(offset: 1)) + "\r\n"
        let faces = try TrainingFile(text: text, path: "t.csv").faces
        #expect(faces.count == 2)
        #expect(Array(faces.image(1)) == Fixtures.pixels(offset: 1))
    }

    /// Reads `rows` under a full header and returns the error message.
    private func failure(_ rows: [String], header: String = Fixtures.header, path: String = "data/training.csv") -> String {
        let text = ([header] + rows).joined(separator: "\n") + "\n"
        do {
            _ = try TrainingFile(text: text, path: path)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test func wrongPixelCountNamesFileRowAndColumn() {
        let good = Fixtures.row(Fixtures.coordinates, image: Fixtures.pixelText())
        let short = Fixtures.row(Fixtures.coordinates, image: Fixtures.pixelText(count: 9215))
        #expect(failure([good, short])
                == "data/training.csv: row 2 (line 3), column Image: 9215 pixel values, expected 9216")
    }

    @Test func nonNumericPixel() {
        let image = Fixtures.pixelText().replacingOccurrences(of: "0 7 14 ", with: "0 7 x4 ")
        #expect(failure([Fixtures.row(Fixtures.coordinates, image: image)])
                == "data/training.csv: row 1 (line 2), column Image: pixel 3 is 'x4', expected an integer 0–255")
    }

    @Test func outOfRangePixel() {
        let image = Fixtures.pixelText().replacingOccurrences(of: "0 7 14 ", with: "0 7 256 ")
        #expect(failure([Fixtures.row(Fixtures.coordinates, image: image)])
                == "data/training.csv: row 1 (line 2), column Image: pixel 3 is 256, expected an integer 0–255")
    }

    @Test func nonNumericCoordinate() {
        var row = Fixtures.row(Fixtures.coordinates, image: Fixtures.pixelText())
        row = "6x.5" + row.dropFirst(4)   // first field was "10.5"
        #expect(failure([row])
                == "data/training.csv: row 1 (line 2), column left_eye_center_x: '6x.5' is not a number")
    }

    @Test func wrongFieldCount() {
        #expect(failure(["1,2," + Fixtures.pixelText()])
                == "data/training.csv: row 1 (line 2): 3 fields, expected 31 as in the header")
    }

    @Test func missingImageColumn() {
        #expect(failure(["1,2"], header: "left_eye_center_x,left_eye_center_y")
                == "data/training.csv: line 1 (header): no Image column (found 2 columns: left_eye_center_x, left_eye_center_y)")
    }

    @Test func unknownAndDuplicateColumns() {
        #expect(failure([], header: "Image,left_eye_centre_x")
                == "data/training.csv: line 1 (header), column 2: unknown column 'left_eye_centre_x', expected keypoint columns such as left_eye_center_x and Image")
        #expect(failure([], header: "Image,nose_tip_x,nose_tip_x")
                == "data/training.csv: line 1 (header), column 3: 'nose_tip_x' appears twice (also column 2)")
    }

    @Test func emptyFile() throws {
        try withTemporaryFolder { folder in
            let path = folder + "/empty.csv"
            FileManager.default.createFile(atPath: path, contents: Data())
            #expect(throws: DataFileError(file: path, place: .file,
                                          message: "the file is empty, expected a header line naming the columns (…, Image)")) {
                try LabeledFaces(contentsOf: path)
            }
        }
        #expect(throws: DataFileError(file: "none.csv", place: .file,
                                      message: "cannot open: No such file or directory")) {
            try LabeledFaces(contentsOf: "none.csv")
        }
    }

    @Test func skippingBadRowsListsEveryOne() throws {
        let good = Fixtures.row(Fixtures.coordinates, image: Fixtures.pixelText())
        let short = Fixtures.row(Fixtures.coordinates, image: Fixtures.pixelText(count: 10))
        let text = [Fixtures.header, short, good, short].joined(separator: "\n")
        let file = try TrainingFile(text: text, path: "t.csv", badRows: .skip)
        #expect(file.faces.count == 1 && file.rowCount == 3)
        #expect(file.rejected.map(\.row) == [1, 3])
        #expect(Array(file.faces.image(0)) == Fixtures.pixels())
    }

    @Test func writtenTrainingFileReadsBackIdentically() throws {
        var coordinates = Fixtures.coordinates.map { $0 + 0.123456 }
        coordinates[4] = .nan  // a missing keypoint: both its coordinates
        coordinates[5] = .nan
        let faces = LabeledFaces(pixels: Fixtures.pixels() + Fixtures.pixels(offset: 9),
                                 keypoints: coordinates + Fixtures.coordinates)
        let back = try withTemporaryFolder { folder in
            try faces.write(to: folder + "/round.csv")
            return try LabeledFaces(contentsOf: folder + "/round.csv")
        }
        #expect(back.pixels == faces.pixels)
        #expect(zip(back.keypoints, faces.keypoints).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) })
    }

    @Test func failedWriteLeavesNothing() throws {
        try withTemporaryFolder { folder throws in
            #expect(throws: DataFileError(file: folder + "/missing/x.csv", place: .file,
                                          message: "cannot write: No such file or directory")) {
                try LabeledFaces().write(to: folder + "/missing/x.csv")
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
        }
    }

    @Test func readsTestFileAndLookupTableAndWritesSubmission() throws {
        let test = "ImageId,Image\r\n1," + Fixtures.pixelText() + "\r\n7," + Fixtures.pixelText(offset: 2) + "\r\n"
        let faces = try UnlabeledFaces(text: test, path: "test.csv")
        #expect(faces.imageIds == [1, 7])
        #expect(Array(faces.image(1)) == Fixtures.pixels(offset: 2))

        let lookup = try LookupTable(text: "RowId,ImageId,FeatureName,Location\n1,7,nose_tip_y,\n2,1,left_eye_center_x,\n",
                                     path: "IdLookupTable.csv")
        #expect(lookup.entries == [.init(rowId: 1, imageId: 7, coordinate: 21), .init(rowId: 2, imageId: 1, coordinate: 0)])
        let predictions = (0 ..< 60).map { Float($0) }
        let rows = try lookup.submission(for: faces, predictions: predictions)
        #expect(rows == [SubmissionRow(rowId: 1, location: 51), SubmissionRow(rowId: 2, location: 0)])

        try withTemporaryFolder { folder in
            try writeSubmission(rows, to: folder + "/submission.csv")
            #expect(try String(contentsOfFile: folder + "/submission.csv", encoding: .utf8) == "RowId,Location\n1,51.0\n2,0.0\n")
        }

        #expect(throws: DataFileError(file: "IdLookupTable.csv", place: .row(1, line: 2), column: "FeatureName",
                                      message: "unknown feature 'nose', expected a keypoint column name such as left_eye_center_x")) {
            try LookupTable(text: "RowId,ImageId,FeatureName,Location\n1,7,nose,\n", path: "IdLookupTable.csv")
        }
        #expect(throws: DataFileError(file: "test.csv", place: .row(1, line: 2), column: "ImageId",
                                      message: "'a' is not a whole number")) {
            try UnlabeledFaces(text: "ImageId,Image\na," + Fixtures.pixelText(), path: "test.csv")
        }
    }

    @Test func fileFingerprintIsSHA256OfTheBytes() throws {
        try withTemporaryFolder { folder in
            try Data("abc".utf8).write(to: URL(fileURLWithPath: folder + "/abc.txt"))
            #expect(try Fingerprint.sha256(ofFile: folder + "/abc.txt")
                    == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        }
    }
}

/// `body` given a fresh empty folder under the system's temporary folder, removed afterwards.
func withTemporaryFolder<Result>(_ body: (String) throws -> Result) throws -> Result {
    let path = NSTemporaryDirectory() + "faces-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}
