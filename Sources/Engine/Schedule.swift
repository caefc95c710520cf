/// A value that changes over a run (learning rate, momentum), evaluated at epoch (or step)
/// `e` of `E`, `e` = 0 … E−1. The linear and cosine forms reach `to` exactly at the last
/// one, like `numpy.linspace(from, to, E)`; with E = 1 they give `from`.
/// Experiment files name these by the same words (`{linear: {from, to}}` …).
public enum Schedule: Hashable, Sendable {
    /// `v` throughout.
    case constant(Double)
    /// `from + (to − from)·e/(E − 1)` — e.g. the classic 0.03 → 0.0001 learning rate and
    /// 0.9 → 0.999 momentum recipe.
    case linear(from: Double, to: Double)
    /// `from · factor^⌊e / every⌋`.
    case step(from: Double, every: Int, factor: Double)
    /// `to + (from − to)·(1 + cos(π·e/(E − 1)))/2`.
    case cosine(from: Double, to: Double)

    /// The value at `e` of `total` (e is clamped to 0…total−1), rounded to Float once.
    public func value(at e: Int, of total: Int) -> Float {
        let progress = total > 1 ? Double(min(max(e, 0), total - 1)) / Double(total - 1) : 0
        switch self {
        case .constant(let value):
            return Float(value)
        case .linear(let from, let to):
            return Float(from + (to - from) * progress)
        case .step(let from, let every, let factor):
            precondition(every > 0, "a step schedule needs every ≥ 1")
            return Float(from * FixedMath.power(factor, max(e, 0) / every))
        case .cosine(let from, let to):
            return Float(to + (from - to) * (1 + FixedMath.cos(Double.pi * progress)) / 2)
        }
    }
}
