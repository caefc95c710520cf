/// Mean squared error over the *present* targets only.
///
/// `loss = Σ mask·(p − t)² / Σ mask` and `dLoss/dp = 2·mask·(p − t) / Σ mask`, where the
/// mask is 1 for a present target and 0 for a missing one (nil mask: all present, giving
/// plain MSE over every value). Rows missing some keypoints still train the ones they have.
/// With no present value at all the loss and gradient are 0. Sums run in Double, in order.
///
/// predictions, targets, mask and gradient all hold the same number of values (N×outputs).
public func meanSquaredError(predictions: UnsafeBufferPointer<Float>, targets: UnsafeBufferPointer<Float>,
                             mask: UnsafeBufferPointer<Float>?, gradient: UnsafeMutableBufferPointer<Float>) -> Float {
    let count = predictions.count
    precondition(targets.count == count && gradient.count == count && (mask?.count ?? count) == count,
                 "predictions, targets, mask and gradient must have the same count")
    var present = 0.0
    if let mask { for i in 0..<count { present += Double(mask[i]) } } else { present = Double(count) }
    guard present > 0 else {
        gradient.update(repeating: 0)
        return 0
    }
    let scale = Float(2 / present)
    var sum = 0.0
    for i in 0..<count {
        let weight: Float = mask?[i] ?? 1
        let difference = (predictions[i] - targets[i]) * weight
        sum += Double(difference) * Double(difference)
        gradient[i] = scale * difference
    }
    return Float(sum / present)
}

/// Array form of `meanSquaredError`, returning the loss and dLoss/dPredictions.
public func meanSquaredError(predictions: [Float], targets: [Float], mask: [Float]? = nil) -> (loss: Float, gradient: [Float]) {
    var gradient = [Float](repeating: 0, count: predictions.count)
    let loss = predictions.withUnsafeBufferPointer { p in
        targets.withUnsafeBufferPointer { t in
            gradient.withUnsafeMutableBufferPointer { g in
                if let mask {
                    return mask.withUnsafeBufferPointer { meanSquaredError(predictions: p, targets: t, mask: $0, gradient: g) }
                }
                return meanSquaredError(predictions: p, targets: t, mask: nil, gradient: g)
            }
        }
    }
    return (loss, gradient)
}
