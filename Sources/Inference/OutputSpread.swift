/// How much the predictions vary from face to face, relative to how much the targets do:
/// the mean over coordinates c of std_c(prediction) / std_c(target), both taken over the
/// samples where coordinate c is present. About 1 for a net that follows the faces; near 0
/// for one that predicts the same face whatever the input (an output *collapse*).
///
/// Coordinates with fewer than two present values, or whose targets do not vary, are left
/// out; with none left the spread is NaN.
public struct OutputSpread: Sendable {
    private var predictions: [Moments]
    private var targets: [Moments]

    /// `width` coordinates per sample (30).
    public init(width: Int) {
        predictions = [Moments](repeating: Moments(), count: width)
        targets = predictions
    }

    /// predictions, targets, mask: (count, width), batch-major.
    public mutating func add(predictions prediction: UnsafeBufferPointer<Float>, targets target: UnsafeBufferPointer<Float>,
                             mask: UnsafeBufferPointer<Float>, count: Int) {
        let width = predictions.count
        for sample in 0..<count {
            for coordinate in 0..<width {
                let at = sample * width + coordinate
                guard mask[at] != 0 else { continue }
                predictions[coordinate].add(Double(prediction[at]))
                targets[coordinate].add(Double(target[at]))
            }
        }
    }

    public var value: Double {
        var total = 0.0, used = 0
        for (prediction, target) in zip(predictions, targets) where target.count >= 2 {
            let spread = target.standardDeviation
            guard spread > 0 else { continue }
            total += prediction.standardDeviation / spread
            used += 1
        }
        return used > 0 ? total / Double(used) : .nan
    }
}
