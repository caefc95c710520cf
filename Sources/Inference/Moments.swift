/// Running mean and (population) standard deviation of many Floats, summed in Double so that
/// a probe batch of a million activations loses nothing to rounding.
///
/// mean = Σx / n; std = sqrt(max(0, Σx²/n − mean²)).
public struct Moments: Sendable, Equatable {
    public private(set) var count = 0
    public private(set) var sum = 0.0
    public private(set) var sumOfSquares = 0.0

    public init() {}

    public mutating func add(_ values: UnsafeBufferPointer<Float>) {
        var sum = 0.0, squares = 0.0
        for value in values {
            let x = Double(value)
            sum += x
            squares += x * x
        }
        self.sum += sum
        sumOfSquares += squares
        count += values.count
    }

    public mutating func add(_ value: Double) {
        sum += value
        sumOfSquares += value * value
        count += 1
    }

    public mutating func add(_ values: [Float]) {
        values.withUnsafeBufferPointer { add($0) }
    }

    /// NaN when nothing was added.
    public var mean: Double { count > 0 ? sum / Double(count) : .nan }

    public var standardDeviation: Double {
        guard count > 0 else { return .nan }
        return max(0, sumOfSquares / Double(count) - mean * mean).squareRoot()
    }

    /// sqrt(Σx²/n): the typical magnitude, whatever the sign.
    public var rootMeanSquare: Double { count > 0 ? (sumOfSquares / Double(count)).squareRoot() : .nan }
}

/// ‖v‖₂ = sqrt(Σv²), in Double.
public func l2Norm(_ values: [Float]) -> Double {
    values.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
}

/// ‖a − b‖₂, in Double; `a` and `b` have the same count.
public func l2Distance(_ a: [Float], _ b: [Float]) -> Double {
    precondition(a.count == b.count, "l2Distance: \(a.count) values against \(b.count)")
    var sum = 0.0
    for i in a.indices {
        let difference = Double(a[i]) - Double(b[i])
        sum += difference * difference
    }
    return sum.squareRoot()
}
