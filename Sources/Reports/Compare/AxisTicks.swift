import Foundation

/// Tick positions for the plot's axes.
enum AxisTicks {
    /// A log axis from 10^lower to 10^upper: the decades as major ticks, and 2…9 × each decade
    /// as minor ones. When the axis spans at most two decades the minor ticks 2 and 5 are
    /// labelled too, so a short axis still has enough numbers to read values off.
    struct Logarithmic {
        var lowerDecade: Int
        var upperDecade: Int

        /// The decades that enclose every value in `values` (positive, finite), at least one.
        init(enclosing values: [Double]) {
            guard let smallest = values.min(), let largest = values.max() else {
                lowerDecade = -3
                upperDecade = 0
                return
            }
            lowerDecade = Int(floor(log10(smallest)))
            upperDecade = max(Int(ceil(log10(largest))), lowerDecade + 1)
        }

        var major: [Double] { (lowerDecade...upperDecade).map { pow(10, Double($0)) } }

        /// (value, whether it gets a label)
        var minor: [(value: Double, isLabelled: Bool)] {
            let labelled = upperDecade - lowerDecade <= 2
            var ticks: [(value: Double, isLabelled: Bool)] = []
            for decade in lowerDecade..<upperDecade {
                let scale: Double = pow(10, Double(decade))
                for multiple in 2...9 {
                    ticks.append((Double(multiple) * scale, labelled && (multiple == 2 || multiple == 5)))
                }
            }
            return ticks
        }

        /// 0 at 10^lower, 1 at 10^upper.
        func fraction(_ value: Double) -> Double {
            (log10(value) - Double(lowerDecade)) / Double(upperDecade - lowerDecade)
        }
    }

    /// `0.001`, `0.02`, `1`, `100`, `1e+06`: plain decimals where they are short.
    static func logLabel(_ value: Double) -> String { String(format: "%g", value) }

    /// Multiples of a round step (1, 2 or 5 × 10^k) from 0 up to at least `maximum`, about
    /// `target` of them.
    static func linear(upTo maximum: Double, target: Int = 8) -> (step: Double, end: Double) {
        guard maximum > 0 else { return (1, 1) }
        let raw = maximum / Double(target)
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        let roundedStep = max(step, 1)  // epochs are whole numbers
        return (roundedStep, (maximum / roundedStep).rounded(.up) * roundedStep)
    }
}
