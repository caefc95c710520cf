import Testing
@testable import Engine

@Suite struct InitializerTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var scheme: InitializerSpec.Scheme
        var distribution: InitializerSpec.Distribution
        var testDescription: String { "\(scheme) \(distribution)" }
    }
    static let cases = InitializerSpec.Scheme.allCases.flatMap { scheme in
        InitializerSpec.Distribution.allCases.map { Case(scheme: scheme, distribution: $0) }
    }

    /// Sample variance of ≥ 18k draws within 5% of the formula (its standard error is ~1%).
    private func expectVariance(_ values: [Float], _ expected: Double, limit: Double?, _ label: String) {
        let n = Double(values.count)
        let mean = values.reduce(0.0) { $0 + Double($1) } / n
        let variance = values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / (n - 1)
        #expect(abs(variance / expected - 1) < 0.05, "\(label): variance \(variance), formula \(expected)")
        #expect(abs(mean) < 3 * (expected / n).squareRoot() + 1e-9, "\(label): mean \(mean)")
        if let limit {
            #expect(values.allSatisfy { abs(Double($0)) <= limit }, "\(label): a draw beyond ±√(3·Var)")
            #expect(values.contains { abs(Double($0)) > 0.95 * limit }, "\(label): draws never reach the edges")
        }
    }

    @Test(arguments: cases)
    func convolutionFollowsTheFormula(_ c: Case) throws {
        // n_in = 32·3·3 = 288, n_out = 64·3·3 = 576
        let layer = try Convolution(input: Shape(channels: 32, height: 5, width: 5), filters: 64, kernel: 3)
        var rng = RandomGenerator(seed: 9)
        layer.initialize(InitializerSpec(scheme: c.scheme, distribution: c.distribution, bias: 0.1), using: &rng)
        let expected = c.scheme == .xavier ? 2.0 / (288 + 576) : 2.0 / 288
        expectVariance(layer.weight.values, expected, limit: c.distribution == .uniform ? (3 * expected).squareRoot() : nil,
                       "conv \(c.testDescription)")
        #expect(layer.bias.values == [Float](repeating: 0.1, count: 64))
    }

    @Test(arguments: cases)
    func denseFollowsTheFormula(_ c: Case) throws {
        let layer = try Dense(input: Shape(channels: 300, height: 1, width: 1), units: 100)
        var rng = RandomGenerator(seed: 10)
        layer.initialize(InitializerSpec(scheme: c.scheme, distribution: c.distribution, bias: 0), using: &rng)
        let expected = c.scheme == .xavier ? 2.0 / 400 : 2.0 / 300
        expectVariance(layer.weight.values, expected, limit: c.distribution == .uniform ? (3 * expected).squareRoot() : nil,
                       "dense \(c.testDescription)")
        #expect(layer.bias.values.allSatisfy { $0 == 0 })
    }
}
