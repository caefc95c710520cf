/// Faces to predict, as in Kaggle's `test.csv` (`ImageId,Image`).
public struct UnlabeledFaces: Sendable, Equatable {
    /// Kaggle's `ImageId` of each face, in file order.
    public private(set) var imageIds: [Int]
    /// (count, 96, 96) row-major, 0–255.
    public private(set) var pixels: [UInt8]

    public var count: Int { imageIds.count }

    public init(imageIds: [Int], pixels: [UInt8]) {
        precondition(pixels.count == imageIds.count * FaceImage.pixelCount,
                     "UnlabeledFaces: \(pixels.count) pixels for \(imageIds.count) images")
        self.imageIds = imageIds
        self.pixels = pixels
    }

    /// Face `index`'s 9216 pixels (a copy, indexed from 0).
    public func image(_ index: Int) -> [UInt8] {
        Array(pixels[index * FaceImage.pixelCount ..< (index + 1) * FaceImage.pixelCount])
    }

    /// Writes faces `range` as `pixel / 256` into `destination`: range.count × 1 × 96 × 96 floats.
    public func writeImages(_ range: Range<Int>, into destination: UnsafeMutablePointer<Float>) {
        pixels.withUnsafeBufferPointer { all in
            let start = range.lowerBound * FaceImage.pixelCount
            Normalization.writeImages(UnsafeBufferPointer(rebasing: all[start ..< start + range.count * FaceImage.pixelCount]),
                                      into: destination)
        }
    }
}
