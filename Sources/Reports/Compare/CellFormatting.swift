import Foundation
import Results

extension ComparisonTable.Cell {
    /// The cell as people read it; `-` for a missing value.
    public func humanText(style: ComparisonTable.Style) -> String {
        switch self {
        case .text(let text): return text
        case .parameter(let value): return value?.text ?? "-"
        case .number(let value): return value.map { humanNumber($0, style: style, isMean: false) } ?? "-"
        case .summary(let summary):
            guard let summary else { return "-" }
            let mean = humanNumber(summary.mean, style: style, isMean: summary.count > 1)
            guard let deviation = summary.standardDeviation else { return mean }
            // Two significant digits say how uncertain the mean is; more would be noise.
            let spread = style == .loss ? String(format: "%.2g", deviation) : humanNumber(deviation, style: style, isMean: true)
            return mean + " ± " + spread
        }
    }
}

extension ComparisonTable.Cell {
    /// The number a cell sorts by: a measure, a group's mean, or a numeric config value; nil
    /// for text and missing values.
    public var sortValue: Double? {
        switch self {
        case .number(let value): return value
        case .summary(let summary): return summary?.mean
        case .parameter(let value): return value.flatMap { Double($0.text) }
        case .text: return nil
        }
    }
}

/// `style`'s human spelling of `value`: pixels `2.346`, losses `0.001234`, counts `37`
/// (`37.3` for a mean), durations `42.5s` / `12m05s` / `3h07m`, rates `1520`.
func humanNumber(_ value: Double, style: ComparisonTable.Style, isMean: Bool) -> String {
    if value.isNaN { return "nan" }
    if value.isInfinite { return value > 0 ? "inf" : "-inf" }
    switch style {
    case .pixels: return String(format: "%.3f", value)
    case .loss: return String(format: "%.4g", value)
    case .count: return isMean ? String(format: "%.1f", value) : String(format: "%.0f", value)
    case .rate: return String(format: "%.0f", value)
    case .duration: return duration(value)
    case .text, .parameter: return roundTripText(value)
    }
}

/// `42.5s`, `12m05s`, `3h07m`: minutes and hours are what people read a run's length in.
func duration(_ seconds: Double) -> String {
    if seconds < 60 { return String(format: "%.1fs", seconds) }
    let whole = Int(seconds.rounded())
    if whole < 3600 { return String(format: "%dm%02ds", whole / 60, whole % 60) }
    return String(format: "%dh%02dm", whole / 3600, (whole % 3600) / 60)
}

extension ComparisonTable.Style {
    var isRightAligned: Bool {
        switch self {
        case .text, .parameter: return false
        default: return true
        }
    }
}
