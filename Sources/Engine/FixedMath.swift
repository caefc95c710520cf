/// The few transcendental functions training needs (Box–Muller's log and cos, a cosine
/// schedule, Adam's βᵗ), computed from IEEE-exact operations only (+, −, ×, ÷ in Double, which
/// Swift never contracts into FMAs) in a fixed order, so that they give the same bits on every
/// machine.
///
/// The C library's versions do not: glibc picks an FMA variant of `log`, `cos` and `pow` on
/// CPUs that have FMA and another on those that do not, and the two differ in the last bit
/// for some inputs (measured here: masking FMA with `GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX2,-FMA`
/// changes a checksum of 20 million results). These are accurate to a few units in the last
/// place of a Double, far below the Float every caller rounds to.
public enum FixedMath {
    /// ln 2 in two parts: the high part has 32 significant bits, so k·high is exact for |k| < 2²⁰.
    private static let ln2High = 0.693147180369123816490
    private static let ln2Low = 1.90821492927058770002e-10
    /// π/2 in three parts of 33 bits and the rest (Cody–Waite), for exact k·part products.
    private static let halfPi1 = 1.57079632673412561417
    private static let halfPi2 = 6.07710050630396597660e-11
    private static let halfPi3 = 2.02226624879595063154e-21

    /// The natural logarithm of a positive, finite x: x = m·2ᵉ with m in [√½, √2), then
    /// ln m = 2·atanh(s) with s = (m − 1)/(m + 1), |s| < 0.172, summed as an odd series to s²⁷.
    public static func log(_ x: Double) -> Double {
        precondition(x > 0 && x.isFinite, "log needs a positive finite value, got \(x)")
        var exponent = x.exponent
        var mantissa = x.significand  // [1, 2)
        if mantissa > 1.4142135623730951 {
            mantissa /= 2
            exponent += 1
        }
        let s = (mantissa - 1) / (mantissa + 1), s2 = s * s
        // Horner from the highest term: Σ s²ⁱ/(2i + 1), i = 0 … 13.
        var series = 1.0 / 27.0
        for denominator in stride(from: 25.0, through: 1.0, by: -2.0) { series = series * s2 + 1 / denominator }
        let k = Double(exponent)
        return k * ln2High + (2 * s * series + k * ln2Low)
    }

    /// cos x for finite |x| < 2²⁰·π/2 (ample for angles in a few turns): x = k·π/2 + r with
    /// |r| ≤ π/4, then ±cos r or ±sin r by Taylor series to r¹⁸ and r¹⁹.
    public static func cos(_ x: Double) -> Double {
        precondition(x.isFinite && abs(x) < 1_647_099.0, "cos needs |x| < 2²⁰·π/2, got \(x)")
        let k = (x / (Double.pi / 2)).rounded(.toNearestOrEven)
        let r = ((x - k * halfPi1) - k * halfPi2) - k * halfPi3
        let r2 = r * r
        var cosine = 1.0, sine = 1.0
        // cos r = Σ (−1)ⁱ r²ⁱ/(2i)!, sin r = r·Σ (−1)ⁱ r²ⁱ/(2i + 1)!, by Horner from i = 9.
        for i in stride(from: 9, through: 1, by: -1) {
            cosine = 1 - cosine * r2 / Double((2 * i - 1) * (2 * i))
            sine = 1 - sine * r2 / Double((2 * i) * (2 * i + 1))
        }
        sine *= r
        switch Int(k) & 3 {
        case 0: return cosine
        case 1: return -sine
        case 2: return -cosine
        default: return sine
        }
    }

    /// baseⁿ for n ≥ 0 by repeated squaring (the bits of n from the lowest).
    public static func power(_ base: Double, _ n: Int) -> Double {
        precondition(n >= 0, "power needs a non-negative exponent, got \(n)")
        var result = 1.0, square = base, rest = n
        while rest > 0 {
            if rest & 1 == 1 { result *= square }
            rest >>= 1
            if rest > 0 { square *= square }
        }
        return result
    }
}
