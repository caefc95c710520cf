import Foundation
import Testing
@testable import Engine

/// `FixedMath` against the C library, which is accurate but may round otherwise on another
/// machine: within a few units in the last place of a Double everywhere its callers reach.
@Suite struct FixedMathTests {
    static func expectClose(_ fixed: Double, _ library: Double, ulps: Double, _ label: String) {
        let allowed = ulps * max(abs(library), 1e-300).ulp
        #expect(abs(fixed - library) <= allowed, "\(label): \(fixed) vs \(library)")
    }

    @Test func logMatchesTheLibrary() {
        var rng = RandomGenerator(seed: 1)
        // Box–Muller's range (0, 1], with its smallest draws, plus values across many binades.
        var values: [Double] = [1, 2, 0.5, 1.0 / 9_007_199_254_740_992.0, 0.7071067811865476, 1.4142135623730951,
                                1e-300, 1e300, .leastNonzeroMagnitude]
        values += (0..<20_000).map { _ in 1 - rng.uniformDouble() }
        values += (0..<2_000).map { _ in Foundation.exp(rng.uniformDouble() * 200 - 100) }
        for x in values { Self.expectClose(FixedMath.log(x), Foundation.log(x), ulps: 4, "log \(x)") }
        #expect(FixedMath.log(1) == 0)
    }

    @Test func cosMatchesTheLibrary() {
        var rng = RandomGenerator(seed: 2)
        var values: [Double] = [0, .pi / 4, .pi / 2, .pi, 3 * .pi / 2, 2 * .pi, -1, 1e5]
        values += (0..<20_000).map { _ in 2 * .pi * rng.uniformDouble() }
        values += (0..<2_000).map { _ in rng.uniformDouble() * 2_000 - 1_000 }
        for x in values {
            // Near a zero of cos the absolute error is what matters: compare on that scale.
            let library = Foundation.cos(x)
            #expect(abs(FixedMath.cos(x) - library) <= 4 * max(abs(library), 1).ulp, "cos \(x)")
        }
        #expect(FixedMath.cos(0) == 1)
    }

    /// Repeated squaring loses about one unit in the last place per doubling of n: ample for
    /// Adam's 1 − βᵗ and a step schedule's factorᵏ, both rounded to Float.
    @Test func powerMatchesTheLibrary() {
        for base in [0.9, 0.999, 0.5, 1.5, 0.1] {
            for n in [0, 1, 2, 3, 10, 1_000, 123_457] where Foundation.pow(base, Double(n)).isNormal {
                let library = Foundation.pow(base, Double(n))
                #expect(abs(FixedMath.power(base, n) - library) <= 4 * Double(n + 1) * library.ulp, "\(base)^\(n)")
            }
        }
        #expect(FixedMath.power(0.9, 0) == 1 && FixedMath.power(0.9, 1) == 0.9)
    }

    /// The draws the initializers make still look like N(0, 1).
    @Test func normalDrawsKeepTheirMoments() {
        var rng = RandomGenerator(seed: 3)
        let draws = (0..<200_000).map { _ in Double(rng.normal()) }
        let mean = draws.reduce(0, +) / Double(draws.count)
        let variance = draws.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(draws.count)
        #expect(abs(mean) < 0.01 && abs(variance - 1) < 0.01, "mean \(mean), variance \(variance)")
    }
}
