/// A value that may change from epoch to epoch (learning rate, momentum). With epoch
/// e = 0 … E−1 of a run of E epochs:
///
/// - `constant(v)`: v
/// - `linear(from: a, to: b)`: a + (b − a)·e/(E−1) (a when E = 1) — numpy's `linspace`, as in
///   the classic 0.03 → 0.0001 learning rate and 0.9 → 0.999 momentum recipe
/// - `step(from: a, every: k, factor: f)`: a·f^⌊e/k⌋
/// - `cosine(from: a, to: b)`: b + (a − b)·(1 + cos(π·e/(E−1)))/2 (a when E = 1)
///
/// The engine evaluates these; the spec only names them.
public enum Schedule: Hashable, Sendable {
    case constant(Double)
    case linear(from: Double, to: Double)
    case step(from: Double, every: Int, factor: Double)
    case cosine(from: Double, to: Double)

    /// The schedule names as written in files: `{linear: {from: …, to: …}}` etc.
    public static let names = ["linear", "step", "cosine"]
}
