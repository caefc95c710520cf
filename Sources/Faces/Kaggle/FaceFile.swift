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

    /// Every face's pixels, count × 9216 bytes.
    private var pixels: [UInt8] {
        switch self {
        case .labeled(let faces): return faces.pixels
        case .unlabeled(let faces): return faces.pixels
        }
    }

    /// Face `index`'s 9216 pixels.
    public func image(_ index: Int) -> [UInt8] {
        Array(pixels[index * FaceImage.pixelCount ..< (index + 1) * FaceImage.pixelCount])
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

    /// Writes faces `indices` (in that order) as `pixel / 256` into `destination`:
    /// indices.count × 1 × 96 × 96 floats.
    public func writeImages<Indices: Collection>(_ indices: Indices, into destination: UnsafeMutablePointer<Float>)
    where Indices.Element == Int {
        pixels.withUnsafeBufferPointer { all in
            for (position, index) in indices.enumerated() {
                let start = index * FaceImage.pixelCount
                Normalization.writeImages(UnsafeBufferPointer(rebasing: all[start ..< start + FaceImage.pixelCount]),
                                          into: destination + position * FaceImage.pixelCount)
            }
        }
    }

    /// Faces `indices` (in that order) as a network's input: indices.count × 1 × 96 × 96
    /// floats, `pixel / 256`.
    public func images<Indices: Collection>(_ indices: Indices) -> [Float] where Indices.Element == Int {
        var images = [Float](repeating: 0, count: indices.count * FaceImage.pixelCount)
        images.withUnsafeMutableBufferPointer { writeImages(indices, into: $0.baseAddress!) }
        return images
    }

    /// Kaggle's `ImageId` of every face: the file's own for a test-format file; row + 1 for a
    /// training-format file (Kaggle numbers test images from 1 in file order).
    public var imageIds: [Int] {
        switch self {
        case .labeled(let faces): return (0 ..< faces.count).map { $0 + 1 }
        case .unlabeled(let faces): return faces.imageIds
        }
    }

    /// The faces as a test set: the pixels with `imageIds`.
    public var unlabeled: UnlabeledFaces {
        switch self {
        case .labeled(let faces): return UnlabeledFaces(imageIds: imageIds, pixels: faces.pixels)
        case .unlabeled(let faces): return faces
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
