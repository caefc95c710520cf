import Faces
import Foundation
import Testing
@testable import Runner

@Suite struct UseContactSheetTests {
    @Test func drawsAPicture() throws {
        let faces = SyntheticFaces(count: 8, seed: 3, missingLabels: true).generate()
        let file = FaceFile.labeled(faces)
        var predictions: [Float] = []
        for row in 0 ..< 8 { predictions += faces.coordinates(row).map { $0.isNaN ? 40 : $0 + 2 } }
        let sheet = ContactSheet(file: file, rows: Array(0 ..< 8), predictions: predictions, title: "test sheet", columns: 4)
        try sheet.render().writePNG(to: "/tmp/use-scratch/sheet.png")
    }
}
