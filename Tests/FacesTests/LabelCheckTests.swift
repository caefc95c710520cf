import Foundation
import Testing
@testable import Faces

/// Labels are checked as a training-format file is read, so that bad data is reported as bad
/// data (file, row, column) and never trains into what looks like a diverging learning rate.
@Suite struct LabelCheckTests {
    private func failure(_ rows: [String], header: String = Fixtures.header, badRows: BadRows = .fail) -> String {
        let text = ([header] + rows).joined(separator: "\n") + "\n"
        do {
            _ = try TrainingFile(text: text, path: "data/training.csv", badRows: badRows)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    /// A full row whose coordinate `index` reads `text`.
    private func row(setting index: Int, to text: String) -> String {
        var fields = Fixtures.coordinates.map { "\($0)" }
        fields[index] = text
        return fields.joined(separator: ",") + "," + Fixtures.pixelText()
    }

    @Test func coordinatesOutsideTheImageAreRefusedWithRowAndColumn() {
        let good = row(setting: 0, to: "10.5")
        let expected = "data/training.csv: row 2 (line 3), column left_eye_center_y: "
        #expect(failure([good, row(setting: 1, to: "97.5")]) == expected + "'97.5' is outside the image: coordinates are pixels from 0 to 96")
        #expect(failure([good, row(setting: 1, to: "-5")]) == expected + "'-5' is outside the image: coordinates are pixels from 0 to 96")
        #expect(failure([good, row(setting: 1, to: "1e30")]) == expected + "'1e30' is outside the image: coordinates are pixels from 0 to 96")
        #expect(failure([good, row(setting: 1, to: "1e39")]) == expected + "'1e39' is outside the image: coordinates are pixels from 0 to 96",
                "too large for a Float: still a number, outside the image")
        #expect(failure([good, row(setting: 1, to: "nan")]) == expected + "'nan' is not a number")
    }

    @Test func theImagesEdgesAreInside() throws {
        let text = [Fixtures.header, row(setting: 0, to: "0"), row(setting: 3, to: "96"), row(setting: 5, to: "95.999")]
            .joined(separator: "\n")
        let faces = try TrainingFile(text: text, path: "t.csv").faces
        #expect(faces.coordinates(0)[0] == 0 && faces.coordinates(1)[3] == 96)
    }

    @Test func aHeaderNamesBothCoordinatesOfEachKeypointAndAtLeastOne() {
        #expect(failure([], header: "Image,left_eye_center_y,nose_tip_x,nose_tip_y")
                == "data/training.csv: line 1 (header), column 2: 'left_eye_center_y' without 'left_eye_center_x': "
                    + "name both coordinates of a keypoint, or neither")
        #expect(failure([], header: "nose_tip_x,Image")
                == "data/training.csv: line 1 (header), column 1: 'nose_tip_x' without 'nose_tip_y': name both coordinates of a keypoint, or neither")
        #expect(failure([Fixtures.pixelText()], header: "Image")
                == "data/training.csv: line 1 (header): no keypoint columns: a training file names at least one keypoint, "
                    + "such as left_eye_center_x,left_eye_center_y (faces without labels are test.csv's format, ImageId,Image)")
    }

    @Test func aRowGivesBothCoordinatesOfAKeypointOrNeither() {
        #expect(failure([row(setting: 21, to: "")])
                == "data/training.csv: row 1 (line 2), column nose_tip_y: empty, but nose_tip_x is given: "
                    + "a keypoint needs both coordinates, or neither")
        #expect(failure([row(setting: 0, to: "")]).hasPrefix("data/training.csv: row 1 (line 2), column left_eye_center_x: empty, but left_eye_center_y is given"))
    }

    @Test func aFileWithoutASingleKeypointValueIsRefused() {
        let empty = Array(repeating: "", count: 30).joined(separator: ",") + "," + Fixtures.pixelText()
        #expect(failure([empty, empty])
                == "data/training.csv: no row has a keypoint: every keypoint field is empty, so there is nothing to train on or score")
        #expect(failure([empty, row(setting: 0, to: "10.5")]) == "no error", "rows without labels are fine beside labelled ones")
    }

    @Test func skippingListsBadLabelsAsRejectedRows() throws {
        let text = [Fixtures.header, row(setting: 4, to: "200"), row(setting: 0, to: "10.5"), row(setting: 7, to: "")]
            .joined(separator: "\n")
        let file = try TrainingFile(text: text, path: "t.csv", badRows: .skip)
        #expect(file.faces.count == 1)
        #expect(file.rejected.map(\.row) == [1, 3])
        #expect(file.rejected.map(\.column) == ["left_eye_inner_corner_x", "left_eye_outer_corner_y"])
    }

    /// The built-in generator's faces must pass the reader's checks.
    @Test func syntheticLabelsLieInsideTheImage() {
        for missing in [false, true] {
            let faces = SyntheticFaces(count: 300, seed: 11, missingLabels: missing).generate()
            #expect(faces.keypoints.allSatisfy { $0.isNaN || LabeledFaces.coordinateRange.contains($0) })
            for index in 0 ..< faces.count {
                for point in Keypoint.allCases {
                    let x = faces.keypoints[index * 30 + 2 * point.rawValue], y = faces.keypoints[index * 30 + 2 * point.rawValue + 1]
                    #expect(x.isNaN == y.isNaN)
                }
            }
        }
    }

    @Test func aLookupTableRowIdAppearsOnce() {
        let text = "RowId,ImageId,FeatureName,Location\n1,1,nose_tip_x,\n\n2,1,nose_tip_y,\n1,2,nose_tip_x,\n"
        #expect(throws: DataFileError(file: "IdLookupTable.csv", place: .row(3, line: 5), column: "RowId",
                                      message: "RowId 1 appears twice: here and in row 1 (line 2); each RowId must be unique")) {
            try LookupTable(text: text, path: "IdLookupTable.csv")
        }
    }
}
