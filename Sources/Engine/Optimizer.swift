/// How an optimizer turns a gradient g into a step, with learning rate lr and momentum m
/// (both given per step, so schedules stay outside). Each name says exactly which form.
public enum OptimizerMethod: Hashable, Sendable {
    /// w ← w − lr·g
    case sgd
    /// Classic momentum: v ← m·v − lr·g; w ← w + v.
    case classicMomentum
    /// The original report's EMA form: v ← m·v + (1−m)·g; w ← w − lr·v.
    case emaMomentum
    /// The EMA form as its Theano code actually ran it: both updates computed from the old
    /// values simultaneously, so w moves by the velocity from *before* this step's gradient:
    /// w ← w − lr·v_old; v ← m·v_old + (1−m)·g. (The first step does not move w.)
    case emaLaggedMomentum
    /// Nesterov momentum in the Sutskever/Lasagne form: v ← m·v − lr·g; w ← w + m·v − lr·g
    /// (with the new v).
    case nesterov
    /// Adam (Kingma & Ba): a ← β1·a + (1−β1)·g; b ← β2·b + (1−β2)·g²;
    /// w ← w − lr·(a/(1−β1^t)) / (√(b/(1−β2^t)) + ε), t counting from 1. Ignores momentum.
    case adam(beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8)
}

/// Applies one `OptimizerMethod` to a fixed list of parameters, with L2 regularisation on
/// weights only: the cost gains `l2·Σw²`, so each weight's gradient gains `2·l2·w`.
public final class Optimizer {
    public let method: OptimizerMethod
    public let l2: Float
    public let parameters: [Parameter]
    /// Steps taken so far (Adam's t); saved and restored with the state.
    public var stepCount = 0
    /// Threads a parameter's update is split across, by ranges of elements: every element's
    /// update is its own, so any split gives the same bits. Set it to the network's.
    public var threads = 1
    /// Parameters smaller than this are updated on one thread (waking the others costs more).
    static let parallelCount = 1 << 16

    /// Per parameter: velocity (momentum methods) or first moment (Adam).
    private var firstSlots: [UnsafeMutablePointer<Float>] = []
    /// Per parameter: Adam's second moment.
    private var secondSlots: [UnsafeMutablePointer<Float>] = []

    public init(_ method: OptimizerMethod, parameters: [Parameter], l2: Float = 0) {
        self.method = method
        self.parameters = parameters
        self.l2 = l2
        let slotCount: Int
        switch method {
        case .sgd: slotCount = 0
        case .adam: slotCount = 2
        default: slotCount = 1
        }
        func zeros() -> [UnsafeMutablePointer<Float>] {
            parameters.map { AlignedFloats.zeros($0.count) }
        }
        if slotCount >= 1 { firstSlots = zeros() }
        if slotCount >= 2 { secondSlots = zeros() }
    }

    deinit {
        firstSlots.forEach { $0.deallocate() }
        secondSlots.forEach { $0.deallocate() }
    }

    /// The L2 term of the cost, `l2·Σw²` over weights (not biases), summed in Double.
    public var penalty: Float {
        guard l2 != 0 else { return 0 }
        var sum = 0.0
        for parameter in parameters where parameter.role == .weight {
            for i in 0..<parameter.count { sum += Double(parameter.valuePointer[i]) * Double(parameter.valuePointer[i]) }
        }
        return Float(Double(l2) * sum)
    }

    /// Updates every parameter from its current gradient (plus 2·l2·w for weights).
    public func step(learningRate lr: Float, momentum m: Float = 0) {
        stepCount += 1
        var correction1: Float = 1, correction2: Float = 1
        if case .adam(let beta1, let beta2, _) = method {
            correction1 = Float(1 - FixedMath.power(Double(beta1), stepCount))
            correction2 = Float(1 - FixedMath.power(Double(beta2), stepCount))
        }
        for (index, parameter) in parameters.enumerated() {
            parameter.markChanged()
            let split = parameter.count >= Self.parallelCount ? threads : 1
            Parallelism.forEachChunk(count: parameter.count, threads: split, perThread: 1) { _, range in
                update(index, range, learningRate: lr, momentum: m, correction1: correction1, correction2: correction2)
            }
        }
    }

    /// The update of elements `range` of parameter `index`.
    private func update(_ index: Int, _ range: Range<Int>, learningRate lr: Float, momentum m: Float,
                        correction1: Float, correction2: Float) {
        let parameter = parameters[index]
        let w = parameter.valuePointer, gradient = parameter.gradientPointer
        let decay: Float = parameter.role == .weight ? 2 * l2 : 0
        switch method {
        case .sgd:
            for i in range { w[i] -= lr * (gradient[i] + decay * w[i]) }
        case .classicMomentum:
            Self.updateLanes(range, w, gradient, decay: decay, firstSlots[index], nil, ClassicMomentum(m: m, lr: lr))
        case .emaMomentum:
            Self.updateLanes(range, w, gradient, decay: decay, firstSlots[index], nil, EMAMomentum(m: m, lr: lr))
        case .emaLaggedMomentum:
            Self.updateLanes(range, w, gradient, decay: decay, firstSlots[index], nil, EMALaggedMomentum(m: m, lr: lr))
        case .nesterov:
            Self.updateLanes(range, w, gradient, decay: decay, firstSlots[index], nil, NesterovMomentum(m: m, lr: lr))
        case .adam(let beta1, let beta2, let epsilon):
            Self.updateLanes(range, w, gradient, decay: decay, firstSlots[index], secondSlots[index],
                             Adam(beta1: beta1, beta2: beta2, epsilon: epsilon, lr: lr,
                                  correction1: correction1, correction2: correction2))
        }
    }

    /// Runs `rule` over elements `range` of a weight, its gradient (plus `decay`·w, the L2
    /// term) and the method's state (`second` only for a rule with two slots), eight lanes at a
    /// time (the compiler keeps a loop over these pointers scalar: they might overlap), the last
    /// few in vectors padded with zeros whose extra lanes are dropped. Each lane takes the same
    /// operations in the same order as a scalar loop: the same bits. (The rule is a type, not a
    /// closure, so that it is specialised and inlined: a closure stayed a call per eight elements.)
    @inline(__always)
    private static func updateLanes<Rule: LaneRule>(_ range: Range<Int>, _ w: UnsafeMutablePointer<Float>,
                                                    _ gradient: UnsafeMutablePointer<Float>, decay: Float,
                                                    _ first: UnsafeMutablePointer<Float>,
                                                    _ second: UnsafeMutablePointer<Float>?, _ rule: Rule) {
        func load(_ pointer: UnsafeMutablePointer<Float>, _ i: Int) -> Lanes { Lanes(loadingFrom: pointer + i) }
        func store(_ lanes: Lanes, _ pointer: UnsafeMutablePointer<Float>, _ i: Int) { lanes.store(to: pointer + i) }
        var i = range.lowerBound
        while i + 8 <= range.upperBound {
            var weights = load(w, i), a = load(first, i), b = second.map { load($0, i) } ?? Lanes()
            rule.apply(&weights, load(gradient, i) + decay * weights, &a, &b)
            store(weights, w, i)
            store(a, first, i)
            if let second { store(b, second, i) }
            i += 8
        }
        guard i < range.upperBound else { return }
        let tail = 0..<(range.upperBound - i)
        var weights = Lanes(), g = Lanes(), a = Lanes(), b = Lanes()
        for lane in tail {
            (weights[lane], g[lane], a[lane]) = (w[i + lane], gradient[i + lane], first[i + lane])
            if let second { b[lane] = second[i + lane] }
        }
        rule.apply(&weights, g + decay * weights, &a, &b)
        for lane in tail {
            (w[i + lane], first[i + lane]) = (weights[lane], a[lane])
            if let second { second[i + lane] = b[lane] }
        }
    }

    /// The optimizer's state as named flat arrays, e.g. "layer1.conv.weight.velocity",
    /// "…​.adam_m", "…​.adam_v" (plus `stepCount`), for checkpoints.
    public func state() -> [String: [Float]] {
        var result: [String: [Float]] = [:]
        for (index, parameter) in parameters.enumerated() {
            if !firstSlots.isEmpty {
                result[parameter.name + firstSlotSuffix] = Array(UnsafeBufferPointer(start: firstSlots[index], count: parameter.count))
            }
            if !secondSlots.isEmpty {
                result[parameter.name + ".adam_v"] = Array(UnsafeBufferPointer(start: secondSlots[index], count: parameter.count))
            }
        }
        return result
    }

    /// Restores `state()` output bit for bit; every slot must be present with the right count.
    public func load(state: [String: [Float]], stepCount: Int) throws(ParameterMismatch) {
        var updates: [(UnsafeMutablePointer<Float>, [Float])] = []
        for (index, parameter) in parameters.enumerated() {
            for (slots, suffix) in [(firstSlots, firstSlotSuffix), (secondSlots, ".adam_v")] where !slots.isEmpty {
                let name = parameter.name + suffix
                guard let saved = state[name] else { throw ParameterMismatch("no optimizer state for \(name)") }
                guard saved.count == parameter.count else {
                    throw ParameterMismatch("\(name) needs \(parameter.count) values, got \(saved.count)")
                }
                updates.append((slots[index], saved))
            }
        }
        for (pointer, values) in updates {
            values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: values.count) }
        }
        self.stepCount = stepCount
    }

    private var firstSlotSuffix: String {
        if case .adam = method { return ".adam_m" }
        return ".velocity"
    }
}

private typealias Lanes = SIMD8<Float>

/// One method's update of eight weights `w` from their gradients `g` (the L2 term included)
/// and its state: the velocity or Adam's first moment `a`, Adam's second moment `b`.
private protocol LaneRule {
    func apply(_ w: inout Lanes, _ g: Lanes, _ a: inout Lanes, _ b: inout Lanes)
}

/// v = m·v − lr·g; w += v.
private struct ClassicMomentum: LaneRule {
    let m, lr: Float
    @inline(__always) func apply(_ w: inout Lanes, _ g: Lanes, _ v: inout Lanes, _ unused: inout Lanes) {
        v = m * v - lr * g
        w += v
    }
}

/// v = m·v + (1 − m)·g; w −= lr·v.
private struct EMAMomentum: LaneRule {
    let m, lr: Float
    @inline(__always) func apply(_ w: inout Lanes, _ g: Lanes, _ v: inout Lanes, _ unused: inout Lanes) {
        v = m * v + (1 - m) * g
        w -= lr * v
    }
}

/// As `EMAMomentum`, but the step takes the velocity from before this update (Theano's order).
private struct EMALaggedMomentum: LaneRule {
    let m, lr: Float
    @inline(__always) func apply(_ w: inout Lanes, _ g: Lanes, _ v: inout Lanes, _ unused: inout Lanes) {
        let previous = v
        v = m * previous + (1 - m) * g
        w -= lr * previous
    }
}

/// v = m·v − lr·g; w += m·v − lr·g.
private struct NesterovMomentum: LaneRule {
    let m, lr: Float
    @inline(__always) func apply(_ w: inout Lanes, _ g: Lanes, _ v: inout Lanes, _ unused: inout Lanes) {
        v = m * v - lr * g
        w += m * v - lr * g
    }
}

/// a = β₁·a + (1 − β₁)·g; b = β₂·b + (1 − β₂)·g²; w −= lr·(a/c₁) / (√(b/c₂) + ε), c the bias corrections.
private struct Adam: LaneRule {
    let beta1, beta2, epsilon, lr, correction1, correction2: Float
    @inline(__always) func apply(_ w: inout Lanes, _ g: Lanes, _ a: inout Lanes, _ b: inout Lanes) {
        a = beta1 * a + (1 - beta1) * g
        b = beta2 * b + (1 - beta2) * g * g
        w -= lr * (a / correction1) / ((b / correction2).squareRoot() + epsilon)
    }
}
