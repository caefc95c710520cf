@testable import Engine

/// The one finite-difference checker every gradient test uses (Caffe's habit).
///
/// For each value x_i it evaluates the scalar `loss` (computed in Double) at x_i ± ε and
/// compares (L(x+ε) − L(x−ε)) / 2ε with the analytic gradient. The error is measured
/// against the largest analytic magnitude, so a wrong transpose, a sign flip or an
/// off-by-one in padding (all O(1) relative errors) fails, while Float rounding does not.
enum GradientChecker {
    struct Result {
        var maxError: Double
        var worstIndex: Int
        var scale: Double
    }

    /// `values` is perturbed in place and restored; `analytic` holds dL/dvalues.
    /// `skippingKinks`: a value whose one-sided differences disagree by more than `tolerance`
    /// of the scale straddles a kink (a ReLU crossing zero, a max changing hands) within ε, where
    /// no finite difference means anything; it is left out. For networks with many ReLUs.
    static func check(values: UnsafeMutablePointer<Float>, count: Int, analytic: [Float],
                      epsilon: Float = 1e-2, skippingKinks tolerance: Double? = nil, loss: () -> Double) -> Result {
        precondition(analytic.count == count)
        let scale = max(analytic.map { abs(Double($0)) }.max() ?? 0, 1e-6)
        var result = Result(maxError: 0, worstIndex: -1, scale: scale)
        let centre = tolerance == nil ? 0 : loss()
        for i in 0..<count {
            let original = values[i]
            values[i] = original + epsilon
            let plus = loss()
            values[i] = original - epsilon
            let minus = loss()
            values[i] = original
            if let tolerance {
                let forward = (plus - centre) / Double(epsilon), backward = (centre - minus) / Double(epsilon)
                if abs(forward - backward) / scale > tolerance { continue }
            }
            // The step actually taken in Float, not the nominal ε.
            let step = Double(original + epsilon) - Double(original - epsilon)
            let numeric = (plus - minus) / step
            let error = abs(numeric - Double(analytic[i])) / scale
            if error > result.maxError { result.maxError = error; result.worstIndex = i }
        }
        return result
    }

    /// Checks a layer's input gradient and every parameter gradient under the loss
    /// L = Σ output·R with a fixed random projection R, so dL/dOutput = R.
    static func checkLayer(_ layer: any Layer, count: Int, input: [Float], seed: UInt64 = 7,
                           training: Bool = false, epsilon: Float = 1e-2) -> [String: Result] {
        var rng = RandomGenerator(seed: seed)
        let outputSize = count * layer.outputShape.count
        let projection = (0..<outputSize).map { _ in rng.uniform(low: -1, high: 1) }
        var x = input
        var output = [Float](repeating: 0, count: outputSize)
        let dropoutSeed = seed &+ 1

        func evaluate(_ x: UnsafeMutablePointer<Float>) -> Double {
            var dropout = RandomGenerator(seed: dropoutSeed)  // the same mask every time
            output.withUnsafeMutableBufferPointer {
                layer.forward(input: x, output: $0.baseAddress!, count: count, training: training, rng: &dropout)
            }
            var sum = 0.0
            for i in 0..<outputSize { sum += Double(output[i]) * Double(projection[i]) }
            return sum
        }

        var inputGradient = [Float](repeating: 0, count: input.count)
        x.withUnsafeMutableBufferPointer { xs in
            _ = evaluate(xs.baseAddress!)
            output.withUnsafeBufferPointer { out in
                projection.withUnsafeBufferPointer { r in
                    inputGradient.withUnsafeMutableBufferPointer { dx in
                        layer.backward(input: xs.baseAddress!, output: out.baseAddress!,
                                       outputGradient: r.baseAddress!, inputGradient: dx.baseAddress!, count: count)
                    }
                }
            }
        }
        var results: [String: Result] = [:]
        let parameterGradients = layer.parameters.map(\.gradient)
        x.withUnsafeMutableBufferPointer { xs in
            let pointer = xs.baseAddress!
            results["input"] = check(values: pointer, count: input.count, analytic: inputGradient,
                                     epsilon: epsilon) { evaluate(pointer) }
            for (parameter, analytic) in zip(layer.parameters, parameterGradients) {
                // The checker writes through the pointer: say so, as the optimizer does, or an
                // inference forward would keep using its packed copy of the old weights.
                results[parameter.name] = check(values: parameter.valuePointer, count: parameter.count,
                                                analytic: analytic, epsilon: epsilon) {
                    parameter.markChanged()
                    return evaluate(pointer)
                }
            }
        }
        return results
    }
}

/// `count` values uniform in [−1, 1) from `seed`.
func randomValues(_ count: Int, seed: UInt64, low: Float = -1, high: Float = 1) -> [Float] {
    var rng = RandomGenerator(seed: seed)
    return (0..<count).map { _ in rng.uniform(low: low, high: high) }
}

/// Distinct values spaced at least `gap` apart in random order — no ties, no near-ties, so
/// max-pooling's argmax cannot flip under a finite-difference step smaller than `gap`/2.
func distinctValues(_ count: Int, seed: UInt64, gap: Float = 0.01) -> [Float] {
    var rng = RandomGenerator(seed: seed)
    var values = (0..<count).map { Float($0 - count / 2) * gap }
    rng.shuffle(&values)
    return values
}

/// Values with magnitude in [0.05, 1): away from ReLU's kink at 0.
func valuesAwayFromZero(_ count: Int, seed: UInt64) -> [Float] {
    var rng = RandomGenerator(seed: seed)
    return (0..<count).map { _ in
        let magnitude = rng.uniform(low: 0.05, high: 1)
        return rng.uniform() < 0.5 ? -magnitude : magnitude
    }
}

func initialized<L: Layer>(_ layer: L, seed: UInt64 = 3) -> L {
    var rng = RandomGenerator(seed: seed)
    layer.initialize(InitializerSpec(scheme: .he, distribution: .uniform, bias: 0), using: &rng)
    // Non-zero biases so a bias that is dropped or doubled shows up.
    for parameter in layer.parameters where parameter.role == .bias {
        parameter.values = randomValues(parameter.count, seed: seed &+ 9)
    }
    return layer
}
