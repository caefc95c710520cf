/// How a parameterised layer's weights and bias are drawn (see `Initializer`'s formulas).
public struct InitializerSpec: Hashable, Sendable {
    public enum Scheme: String, CaseIterable, Sendable { case xavier, he }
    public enum Distribution: String, CaseIterable, Sendable { case normal, uniform }

    public var scheme: Scheme
    public var distribution: Distribution
    /// Every bias starts at this constant.
    public var bias: Float

    public init(scheme: Scheme, distribution: Distribution, bias: Float) {
        self.scheme = scheme
        self.distribution = distribution
        self.bias = bias
    }
}

/// Weight initialisation exactly as the original report defines it.
///
/// Fan counts: for a convolution `n_in = in_channels·kh·kw` and `n_out = out_channels·kh·kw`;
/// for a dense layer they are its input and output unit counts.
/// - Xavier: `Var(w) = 2 / (n_in + n_out)`
/// - He:     `Var(w) = 2 / n_in`
/// - normal:  `w ~ N(0, Var)`
/// - uniform: `w ~ U[−√(3·Var), √(3·Var)]` (which has variance Var)
/// - bias: every element set to the constant `InitializerSpec.bias`.
extension InitializerSpec {
    /// The weight variance this scheme prescribes for the given fan counts.
    public func variance(fanIn: Int, fanOut: Int) -> Double {
        switch scheme {
        case .xavier: return 2.0 / Double(fanIn + fanOut)
        case .he: return 2.0 / Double(fanIn)
        }
    }

    /// Fills `weights` by the scheme and distribution, drawing from `rng` in order.
    public func fill(weights: UnsafeMutableBufferPointer<Float>, fanIn: Int, fanOut: Int,
                     using rng: inout RandomGenerator) {
        let variance = variance(fanIn: fanIn, fanOut: fanOut)
        switch distribution {
        case .normal:
            let deviation = Float(variance.squareRoot())
            for i in weights.indices { weights[i] = deviation * rng.normal() }
        case .uniform:
            let limit = Float((3 * variance).squareRoot())
            for i in weights.indices { weights[i] = rng.uniform(low: -limit, high: limit) }
        }
    }

    /// Sets every bias to the constant `bias`.
    public func fill(bias: UnsafeMutableBufferPointer<Float>) {
        for i in bias.indices { bias[i] = self.bias }
    }
}
