@testable import Faces

/// Tiny CSV texts built in the tests: a few rows, pixel strings generated.
enum Fixtures {
    /// 9216 pixel values `(i · step + offset) mod 256`, space-separated (or `count` of them).
    static func pixelText(offset: Int = 0, step: Int = 7, count: Int = FaceImage.pixelCount) -> String {
        (0 ..< count).map { String(($0 * step + offset) % 256) }.joined(separator: " ")
    }

    static func pixels(offset: Int = 0, step: Int = 7) -> [UInt8] {
        (0 ..< FaceImage.pixelCount).map { UInt8(($0 * step + offset) % 256) }
    }

    /// A full training header.
    static let header = (Keypoint.columnNames + ["Image"]).joined(separator: ",")

    /// A training row: coordinates (nil = empty) then the image.
    static func row(_ coordinates: [Float?], image: String) -> String {
        coordinates.map { $0.map { "\($0)" } ?? "" }.joined(separator: ",") + "," + image
    }

    /// 30 coordinates 10.5, 11.5, … (distinct, inside the image).
    static let coordinates: [Float] = (0 ..< 30).map { Float($0) + 10.5 }
}
