import Foundation

/// Mean and sample standard deviation of the finite values among a group's runs.
/// `std = sqrt(Σ(x − mean)² / (n − 1))`, nil when fewer than two values.
public struct Summary: Sendable, Equatable {
    public var mean: Double
    public var standardDeviation: Double?
    /// How many finite values went in (runs without the value are left out).
    public var count: Int

    public init?(_ values: [Double?]) {
        let finite = values.compactMap { $0 }.filter(\.isFinite)
        guard !finite.isEmpty else { return nil }
        count = finite.count
        mean = finite.reduce(0, +) / Double(finite.count)
        if finite.count > 1 {
            let squares = finite.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
            standardDeviation = (squares / Double(finite.count - 1)).squareRoot()
        } else {
            standardDeviation = nil
        }
    }
}
