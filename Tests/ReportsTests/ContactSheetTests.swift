import Faces
@testable import Reports
import Testing

/// Contact sheets: where faces go, which colour marks which side, what the legend says.
@Suite struct UseContactSheetTests {
    static let legend = ["a title", "subject's left", "subject's right"]

    @Test func theLayoutFillsRowsLeftToRightUnderTheLegend() {
        let layout = ContactSheet.Layout(faceCount: 24, columns: 6, scale: 3, legendLines: Self.legend)
        #expect(layout.columns == 6 && layout.rows == 4)
        #expect(layout.faceSide == 288)
        #expect(layout.textScale == 2)
        let m = layout.margin
        #expect(layout.faceOrigin(0) == (m, layout.legendHeight + m))
        #expect(layout.faceOrigin(7) == (m + 288 + m, layout.legendHeight + m + layout.cellHeight + m))
        #expect(layout.width == 6 * 288 + 7 * m)
        #expect(layout.height == layout.legendHeight + 4 * layout.cellHeight + 5 * m)
        // The last face and its caption lie inside the picture.
        let last = layout.faceOrigin(23)
        #expect(last.x + 288 + m == layout.width)
        #expect(last.y + layout.cellHeight + m == layout.height)
    }

    @Test func fewFacesUseFewColumnsAndALongLegendWidensTheSheet() {
        let three = ContactSheet.Layout(faceCount: 3, columns: 6, scale: 1, legendLines: ["x"])
        #expect(three.columns == 3 && three.rows == 1)
        #expect(three.width == 3 * 96 + 4 * three.margin)
        let long = String(repeating: "w", count: 80)
        let narrow = ContactSheet.Layout(faceCount: 1, columns: 6, scale: 1, legendLines: [long])
        #expect(narrow.width == BitmapFont.width(of: long) + 2 * narrow.margin + narrow.legendIndent)
        #expect(narrow.legendIndent >= 2 * Int(KeypointMarker.ringRadius(scale: 1) + 2))
    }

    @Test func aKeypointLandsOnTheCentreOfItsEnlargedPixel() {
        let layout = ContactSheet.Layout(faceCount: 2, columns: 2, scale: 4, legendLines: ["t"])
        let origin = layout.faceOrigin(1)
        let point = layout.position(ofX: 0, y: 95, face: 1)
        #expect(point.x == Float(origin.x) + 2 && point.y == Float(origin.y) + 95 * 4 + 2)
    }

    @Test func sidesFollowTheSubjectNotTheViewer() {
        #expect(FaceSide(.leftEyeCenter) == .left)
        #expect(FaceSide(.mouthLeftCorner) == .left)
        #expect(FaceSide(.rightEyebrowOuterEnd) == .right)
        #expect(FaceSide(.noseTip) == .midline && FaceSide(.mouthCenterTopLip) == .midline)
        let counts = Dictionary(grouping: Keypoint.allCases, by: FaceSide.init).mapValues(\.count)
        #expect(counts == [.left: 6, .right: 6, .midline: 3])
        for keypoint in Keypoint.allCases where FaceSide(keypoint) != .midline {
            #expect(FaceSide(keypoint.mirrored) != FaceSide(keypoint), "\(keypoint.name) and its mirror share a side")
        }
        #expect(Set(FaceSide.allCases.map(\.color)).count == 3)
    }

    /// A synthetic face's true left eye has the larger x; drawn, it carries the left colour, at
    /// the place its coordinates say, and the right eye the right colour.
    @Test func theSubjectsLeftEyeIsDrawnInTheLeftColourOnTheImagesRight() throws {
        let faces = SyntheticFaces(count: 2, seed: 11, missingLabels: false).generate()
        let left = try #require(faces.location(of: .leftEyeCenter, in: 1))
        let right = try #require(faces.location(of: .rightEyeCenter, in: 1))
        #expect(left.x > right.x)
        let sheet = ContactSheet(file: .labeled(faces), rows: [0, 1], predictions: faces.keypoints, title: "t",
                                 columns: 2, scale: 3)
        let image = sheet.render()
        let layout = sheet.layout
        for (point, side) in [(left, FaceSide.left), (right, FaceSide.right)] {
            let at = layout.position(ofX: point.x, y: point.y, face: 1)
            // The dot's centre pixel is the side's colour; the legend line for the side shows it too.
            #expect(image[Int(at.x), Int(at.y)] == side.color)
        }
        #expect(image.width == layout.width && image.height == layout.height)
    }

    @Test func theLegendExplainsOnlyWhatIsDrawn() {
        let pixels = [UInt8](repeating: 128, count: FaceImage.pixelCount)
        let truth = [Float](repeating: 40, count: 30)
        func texts(_ faces: [ContactSheet.Face]) -> [String] { ContactSheet(faces: faces, title: "T").legend.map(\.text) }
        let sides = FaceSide.allCases.map(\.legend)
        #expect(texts([.init(pixels: pixels, label: "row 0", truth: truth)])
                == ["T"] + sides + ["ring: true position from the data file"])
        #expect(texts([.init(pixels: pixels, label: "image 1", prediction: truth)])
                == ["T"] + sides + ["filled dot: predicted by the model"])
        #expect(texts([.init(pixels: pixels, label: "row 0", truth: truth, prediction: truth)]).count == 7)
        #expect(sides[0] == "subject's left (image right, larger x)")
    }

    @Test func aCaptionCarriesTheFacesOwnRMSEOverPresentValues() {
        let pixels = [UInt8](repeating: 0, count: FaceImage.pixelCount)
        var truth = [Float](repeating: .nan, count: 30)
        truth[0] = 10; truth[1] = 20
        var prediction = [Float](repeating: 50, count: 30)
        prediction[0] = 13; prediction[1] = 24           // errors 3 and 4: RMSE √(12.5)
        let face = ContactSheet.Face(pixels: pixels, label: "row 0", truth: truth, prediction: prediction)
        #expect(abs(face.rmsePixels! - 12.5.squareRoot()) < 1e-12)
        #expect(ContactSheet.Face(pixels: pixels, label: "row 0", truth: truth).rmsePixels == nil)
        #expect(formatted(3.5355) == "3.54" && formatted(0.004) == "0.00" && formatted(12) == "12.00")
    }
}
