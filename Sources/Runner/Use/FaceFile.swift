import Faces
import Foundation

/// A data file in either of Kaggle's formats, told apart by its header: `test.csv`'s
/// (`ImageId,Image`: faces without labels) or `training.csv`'s (keypoint columns and `Image`).
public enum FaceFile: Sendable {
    case labeled(LabeledFaces)
    case unlabeled(UnlabeledFaces)

    /// Reads `path`, choosing the format by whether the header names an `ImageId` column.
    /// - Throws: `DataFileError` naming the file, row and column of the first problem.
    public init(contentsOf path: String) throws {
        if FaceFile.headerNamesImageId(path) {
            self = .unlabeled(try UnlabeledFaces(contentsOf: path))
        } else {
            self = .labeled(try LabeledFaces(contentsOf: path))
        }
    }

    public var count: Int {
        switch self {
        case .labeled(let faces): return faces.count
        case .unlabeled(let faces): return faces.count
        }
    }

    /// Face `index`'s 9216 pixels.
    public func image(_ index: Int) -> [UInt8] {
        switch self {
        case .labeled(let faces): return faces.image(index)
        case .unlabeled(let faces): return faces.image(index)
        }
    }

    /// Face `index`'s 30 true coordinates in pixels (NaN = missing), nil for a test-format file.
    public func truth(_ index: Int) -> [Float]? {
        if case .labeled(let faces) = self { return faces.coordinates(index) }
        return nil
    }

    /// How a person refers to face `index`: "row 12" (0-based data row) or "image 1783" (Kaggle's ImageId).
    public func label(_ index: Int) -> String {
        switch self {
        case .labeled: return "row \(index)"
        case .unlabeled(let faces): return "image \(faces.imageIds[index])"
        }
    }

    /// Writes faces `range` as `pixel / 256` into `destination` (range.count × 1 × 96 × 96 floats).
    public func writeImages(_ range: Range<Int>, into destination: UnsafeMutablePointer<Float>) {
        switch self {
        case .unlabeled(let faces):
            faces.writeImages(range, into: destination)
        case .labeled(let faces):
            faces.pixels.withUnsafeBufferPointer { all in
                let start = range.lowerBound * FaceImage.pixelCount
                Normalization.writeImages(UnsafeBufferPointer(rebasing: all[start ..< start + range.count * FaceImage.pixelCount]),
                                          into: destination)
            }
        }
    }

    /// True when the first line (read up to 64 KiB) has an `ImageId` field. An unreadable file
    /// answers false, and the training-format reader then reports why it cannot be read.
    private static func headerNamesImageId(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        guard let start = try? handle.read(upToCount: 65536) else { return false }
        let line = start.prefix { $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: "\r") }
        return String(decoding: line, as: UTF8.self).split(separator: ",").contains {
            $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"\u{FEFF} ")) == "ImageId"
        }
    }
}
