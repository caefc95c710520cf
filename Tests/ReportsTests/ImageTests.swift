import Foundation
@testable import Reports
import Results
import Testing

/// The RGB picture, its shapes and font, and PNG files through libpng.
@Suite struct UseImageTests {
    static func scratchPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("kplab-use-\(UUID().uuidString)-\(name)").path
    }

    @Test func aPictureRoundTripsThroughAPNGFile() throws {
        var image = RGBImage(width: 37, height: 23, background: .gray(200))
        image.fill(x: 3, y: 4, width: 10, height: 5, with: RGB(255, 0, 0))
        image.fillCircle(centreX: 25, centreY: 12, radius: 6, RGB(0, 114, 178))
        image.strokeCircle(centreX: 10, centreY: 15, radius: 4, thickness: 1.5, .black)
        image.drawLine(fromX: 0, y: 22, toX: 36, y: 0, thickness: 1, RGB(10, 200, 30))
        image.draw(text: "Ag 0-9", x: 1, y: 1, color: .white)
        let path = Self.scratchPath("round-trip.png")
        defer { unlink(path) }
        try image.writePNG(to: path)

        let bytes = try #require(FileManager.default.contents(atPath: path))
        #expect(Array(bytes.prefix(8)) == [137, 80, 78, 71, 13, 10, 26, 10], "PNG signature")
        // IHDR follows the signature: length 13, "IHDR", width, height (big-endian), depth 8, colour type 2 (RGB).
        #expect(Array(bytes[12 ..< 16]) == Array("IHDR".utf8))
        #expect(Array(bytes[16 ..< 24]) == [0, 0, 0, 37, 0, 0, 0, 23])
        #expect(bytes[24] == 8 && bytes[25] == 2)

        let read = try RGBImage(pngFile: path)
        #expect(read == image)
    }

    @Test func writingLeavesNoTemporaryFileAndReadingAnythingElseSaysWhy() throws {
        let folder = Self.scratchPath("folder")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try RGBImage(width: 4, height: 4).writePNG(to: folder + "/a.png")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["a.png"])

        try "RowId,Location\n".write(toFile: folder + "/b.png", atomically: true, encoding: .utf8)
        #expect(throws: UserError.self) { try RGBImage(pngFile: folder + "/b.png") }
        do {
            _ = try RGBImage(pngFile: folder + "/b.png")
        } catch {
            #expect("\(error)".hasPrefix("\(folder)/b.png: cannot read as PNG"))
        }
        do {
            try RGBImage(width: 2, height: 2).writePNG(to: folder + "/missing/c.png")
            Issue.record("writing into a missing folder succeeded")
        } catch {
            #expect("\(error)" == "\(folder)/missing/c.png: cannot write: No such file or directory")
        }
    }

    @Test func shapesCoverWhatTheySayAndStopAtTheEdges() {
        var image = RGBImage(width: 20, height: 20, background: .white)
        let blue = RGB(0, 114, 178)
        image.fillCircle(centreX: 10, centreY: 10, radius: 3, blue)
        #expect(image[10, 10] == blue)       // the pixel [10, 11) × [10, 11) is well inside
        #expect(image[9, 9] == blue)
        #expect(image[16, 10] == .white)     // beyond radius + ramp
        image.fillCircle(centreX: -1, centreY: 19, radius: 4, blue)  // overhangs two edges: no crash
        #expect(image[0, 19] == blue)

        var ring = RGBImage(width: 30, height: 30, background: .white)
        ring.strokeCircle(centreX: 15, centreY: 15, radius: 8, thickness: 2, .black)
        #expect(ring[15, 15] == .white, "a ring is hollow")
        #expect(ring[22, 15] == .black)      // pixel centre (22.5, 15.5) lies 7.5 from the centre
    }

    @Test func textUsesTheFontsInkOnly() {
        var image = RGBImage(width: 40, height: 12, background: .white)
        image.draw(text: "I", x: 0, y: 0, color: .black)
        // "I" is columns 0x00, 0x41, 0x7F, 0x41, 0x00: a full-height stem in column 2.
        for row in 0 ..< 7 { #expect(image[2, row] == .black) }
        #expect(image[0, 3] == .white && image[4, 3] == .white)
        #expect(image[1, 0] == .black && image[1, 3] == .white)
        #expect(BitmapFont.width(of: "abc") == 17)
        #expect(BitmapFont.width(of: "abc", scale: 2) == 34)
        // A descender reaches the eighth row; nothing else does.
        var descent = RGBImage(width: 12, height: 12, background: .white)
        descent.draw(text: "p", x: 0, y: 0, color: .black)
        #expect(descent[0, 7] == .black)
        #expect(BitmapFont.glyphs.count == 95 * 5)
    }
}
