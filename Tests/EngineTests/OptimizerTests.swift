import Testing
@testable import Engine

/// Golden values from `optimizer_golden.py` (float32 numpy): three steps with lr 0.1,
/// momentum 0.9, l2 0.01 on a weight (takes L2) and a bias (does not).
@Suite struct OptimizerTests {
    static let golden: [String: ([Float], [Float])] = [
        "sgd": ([0.45696595311164856, -0.9439918994903564, 1.988263726234436], [0.30000001192092896, -0.7250000238418579]),
        "classic": ([0.47329556941986084, -0.9496510624885559, 1.8726462125778198], [0.08400000631809235, -0.5765000581741333]),
        "ema": ([0.4973290264606476, -0.994958758354187, 1.987229824066162], [0.23340000212192535, -0.5076500177383423]),
        "lagged": ([0.5018100142478943, -1.0006200075149536, 1.9871400594711304], [0.22599999606609344, -0.48350000381469727]),
        "nesterov": ([0.4329056441783905, -0.8987278938293457, 1.8741953372955322], [0.15060001611709595, -0.7938500642776489]),
        "adam": ([0.41875317692756653, -0.9029939770698547, 1.8036351203918457], [0.077417753636837, -0.4016919732093811]),
    ]
    static let methods: [(String, OptimizerMethod)] = [
        ("sgd", .sgd), ("classic", .classicMomentum), ("ema", .emaMomentum),
        ("lagged", .emaLaggedMomentum), ("nesterov", .nesterov), ("adam", .adam()),
    ]
    static let gradients: [([Float], [Float])] = [
        ([0.1, -0.2, 0.3], [1.0, -1.0]),
        ([-0.4, 0.5, 0.6], [0.5, 0.25]),
        ([0.7, -0.8, -0.9], [-2.0, 3.0]),
    ]

    private func parameters() -> (Parameter, Parameter) {
        let weight = Parameter(name: "w.weight", role: .weight, shape: [3])
        let bias = Parameter(name: "w.bias", role: .bias, shape: [2])
        weight.values = [0.5, -1.0, 2.0]
        bias.values = [0.25, -0.5]
        return (weight, bias)
    }

    @Test(arguments: methods.map(\.0))
    func threeStepsMatchTheReference(_ name: String) {
        let method = Self.methods.first { $0.0 == name }!.1
        let (weight, bias) = parameters()
        let optimizer = Optimizer(method, parameters: [weight, bias], l2: 0.01)
        for (gw, gb) in Self.gradients {
            weight.gradient = gw
            bias.gradient = gb
            optimizer.step(learningRate: 0.1, momentum: 0.9)
        }
        let (expectedWeight, expectedBias) = Self.golden[name]!
        for (actual, expected) in zip(weight.values + bias.values, expectedWeight + expectedBias) {
            #expect(abs(actual - expected) <= 2e-7 * max(1, abs(expected)), "\(name): \(actual) vs \(expected)")
        }
    }

    /// A parameter big enough to be split between threads (with an odd tail past the eight-lane
    /// blocks) ends every step with the same bits at any thread count, and equal to the plain
    /// element-by-element formula of a small parameter holding the same values.
    @Test(arguments: methods.map(\.0))
    func everyThreadCountGivesTheSameBits(_ name: String) {
        let method = Self.methods.first { $0.0 == name }!.1
        let count = Optimizer.parallelCount + 13
        func run(threads: Int, count: Int) -> [UInt32] {
            let weight = Parameter(name: "w.weight", role: .weight, shape: [count])
            weight.values = randomValues(count, seed: 1)
            let optimizer = Optimizer(method, parameters: [weight], l2: 0.01)
            optimizer.threads = threads
            for step in 0..<3 {
                weight.gradient = randomValues(count, seed: 10 + UInt64(step))
                optimizer.step(learningRate: 0.01, momentum: 0.9)
            }
            return weight.values.map(\.bitPattern)
        }
        let one = run(threads: 1, count: count)
        for threads in [2, 3, 7] { #expect(run(threads: threads, count: count) == one, "\(name), \(threads) threads") }
        // The first 5 values alone (the same draws): no eight-lane block, each by the scalar tail.
        #expect(run(threads: 1, count: 5) == Array(one.prefix(5)), "\(name): lanes and tail differ")
    }

    /// The first steps by hand: the lagged form does not move w on step 1; classic moves it by −lr·g.
    @Test func firstStepsByHand() {
        let (weight, _) = parameters()
        let lagged = Optimizer(.emaLaggedMomentum, parameters: [weight])
        weight.gradient = [1, 1, 1]
        lagged.step(learningRate: 0.1, momentum: 0.9)
        #expect(weight.values == [0.5, -1.0, 2.0])
        lagged.step(learningRate: 0.1, momentum: 0.9)  // v_old = 0.1 → w −= 0.01
        #expect(weight.values == [Float(0.5) - 0.1 * 0.1, Float(-1.0) - 0.1 * 0.1, Float(2.0) - 0.1 * 0.1])
    }

    @Test func penaltyCountsWeightsOnly() {
        let (weight, bias) = parameters()
        let optimizer = Optimizer(.sgd, parameters: [weight, bias], l2: 0.5)
        #expect(optimizer.penalty == 0.5 * (0.25 + 1 + 4))
    }

    @Test func stateRoundTripsBitExactly() throws {
        let (weight, bias) = parameters()
        let optimizer = Optimizer(.adam(), parameters: [weight, bias])
        weight.gradient = [0.3, 0.1, -0.2]
        bias.gradient = [1, 2]
        optimizer.step(learningRate: 0.01)
        let state = optimizer.state()
        #expect(Set(state.keys) == ["w.weight.adam_m", "w.weight.adam_v", "w.bias.adam_m", "w.bias.adam_v"])
        let (weight2, bias2) = parameters()
        weight2.values = weight.values
        bias2.values = bias.values
        let restored = Optimizer(.adam(), parameters: [weight2, bias2])
        try restored.load(state: state, stepCount: optimizer.stepCount)
        weight2.gradient = weight.gradient; bias2.gradient = bias.gradient
        optimizer.step(learningRate: 0.01)
        restored.step(learningRate: 0.01)
        #expect(weight.values.map(\.bitPattern) == weight2.values.map(\.bitPattern))
        #expect(throws: ParameterMismatch("no optimizer state for w.weight.velocity")) {
            try Optimizer(.nesterov, parameters: [weight2]).load(state: state, stepCount: 1)
        }
    }
}

@Suite struct ScheduleTests {
    @Test func formsReachTheirEnds() {
        #expect(Schedule.constant(0.3).value(at: 7, of: 10) == 0.3)
        let linear = Schedule.linear(from: 0.03, to: 0.0001)
        #expect(linear.value(at: 0, of: 100) == 0.03)
        #expect(linear.value(at: 99, of: 100) == 0.0001)
        #expect(Schedule.linear(from: 0.9, to: 0.999).value(at: 1, of: 3) == 0.9495)
        #expect(Schedule.linear(from: 0.5, to: 0.1).value(at: 0, of: 1) == 0.5)
        let step = Schedule.step(from: 1, every: 10, factor: 0.1)
        #expect(step.value(at: 9, of: 100) == 1)
        #expect(abs(step.value(at: 25, of: 100) - 0.01) < 1e-8)
        let cosine = Schedule.cosine(from: 1, to: 0)
        #expect(cosine.value(at: 0, of: 11) == 1)
        #expect(abs(cosine.value(at: 5, of: 11) - 0.5) < 1e-6)
        #expect(cosine.value(at: 10, of: 11) == 0)
    }
}

@Suite struct LossTests {
    @Test func withoutMissingValuesItIsPlainMSE() {
        let p: [Float] = [1, 2, 3, 4], t: [Float] = [0, 2, 5, 4]
        let (loss, gradient) = meanSquaredError(predictions: p, targets: t)
        #expect(loss == Float(1 + 0 + 4 + 0) / 4)
        #expect(gradient == [0.5, 0, -1, 0])
        #expect(meanSquaredError(predictions: p, targets: t, mask: [1, 1, 1, 1]).loss == loss)
    }

    @Test func missingTargetsAreIgnoredAndTheMeanIsOverPresentOnes() {
        let p: [Float] = [1, 2, 3, 4], t: [Float] = [0, 99, 5, -99]
        let (loss, gradient) = meanSquaredError(predictions: p, targets: t, mask: [1, 0, 1, 0])
        #expect(loss == Float(1 + 4) / 2)
        #expect(gradient == [1, 0, -2, 0])
        let none = meanSquaredError(predictions: p, targets: t, mask: [0, 0, 0, 0])
        #expect(none.loss == 0 && none.gradient == [0, 0, 0, 0])
    }
}
