/// What `kplab inspect` reports about labeled faces: the original report's Table 1 (rows per
/// keypoint), complete rows, and pixel statistics.
public struct FaceStatistics: Sendable, Equatable {
    /// Per keypoint: rows where both coordinates are present, and their mean in pixels.
    public struct KeypointCount: Sendable, Equatable {
        public var keypoint: Keypoint
        public var rows: Int
        /// Mean x and y over the rows that have the keypoint (NaN when none do).
        public var meanX: Double
        public var meanY: Double
    }

    public var rows: Int
    /// Rows with all 30 coordinates.
    public var completeRows: Int
    /// In `Keypoint.allCases` order.
    public var keypoints: [KeypointCount]
    /// Over all pixels of all rows (0–255); 0 when there are no rows.
    public var pixelMean: Double
    public var pixelStandardDeviation: Double
    public var pixelMinimum: Int
    public var pixelMaximum: Int

    public init(_ faces: LabeledFaces) {
        rows = faces.count
        completeRows = (0 ..< faces.count).reduce(0) { $0 + (faces.isComplete($1) ? 1 : 0) }
        keypoints = Keypoint.allCases.map { point in
            var count = 0, sumX = 0.0, sumY = 0.0
            for index in 0 ..< faces.count {
                if let location = faces.location(of: point, in: index) {
                    count += 1
                    sumX += Double(location.x)
                    sumY += Double(location.y)
                }
            }
            return KeypointCount(keypoint: point, rows: count,
                                 meanX: count > 0 ? sumX / Double(count) : .nan,
                                 meanY: count > 0 ? sumY / Double(count) : .nan)
        }
        // A histogram makes the statistics exact and cheap.
        var histogram = [Int](repeating: 0, count: 256)
        faces.pixels.withUnsafeBufferPointer { pixels in
            for pixel in pixels { histogram[Int(pixel)] += 1 }
        }
        let total = Double(faces.pixels.count)
        var sum = 0.0, squares = 0.0
        for (value, count) in histogram.enumerated() {
            sum += Double(value * count)
            squares += Double(value * value) * Double(count)
        }
        pixelMean = total > 0 ? sum / total : 0
        pixelStandardDeviation = total > 0 ? max(0, squares / total - pixelMean * pixelMean).squareRoot() : 0
        pixelMinimum = histogram.firstIndex { $0 > 0 } ?? 0
        pixelMaximum = histogram.lastIndex { $0 > 0 } ?? 0
    }
}
