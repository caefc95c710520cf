#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// A value that changes over a run (learning rate, momentum), evaluated at step `t` of `T`
/// (steps or epochs — the caller's unit). With `T` steps, `t` runs 0…T−1 and the linear
/// and cosine forms reach `to` exactly at the last one, like `numpy.linspace(from, to, T)`.
public enum Schedule: Hashable, Sendable {
    /// The same value throughout.
    case constant(Float)
    /// `from + (to − from)·t/(T − 1)`.
    case linear(from: Float, to: Float)
    /// `initial · factor^⌊t / every⌋`.
    case step(initial: Float, factor: Float, every: Int)
    /// `to + (from − to)·(1 + cos(π·t/(T − 1)))/2`.
    case cosine(from: Float, to: Float)

    public func value(at t: Int, of total: Int) -> Float {
        let progress = total > 1 ? Double(min(max(t, 0), total - 1)) / Double(total - 1) : 0
        switch self {
        case .constant(let value):
            return value
        case .linear(let from, let to):
            return Float(Double(from) + (Double(to) - Double(from)) * progress)
        case .step(let initial, let factor, let every):
            precondition(every > 0, "a step schedule needs every ≥ 1")
            return Float(Double(initial) * pow(Double(factor), Double(max(t, 0) / every)))
        case .cosine(let from, let to):
            return Float(Double(to) + (Double(from) - Double(to)) * (1 + cos(Double.pi * progress)) / 2)
        }
    }
}
