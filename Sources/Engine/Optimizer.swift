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
            parameters.map { parameter in
                let buffer = UnsafeMutablePointer<Float>.allocate(capacity: parameter.count)
                buffer.initialize(repeating: 0, count: parameter.count)
                return buffer
            }
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
            Self.momentumLanes(range, w, gradient, firstSlots[index], ClassicMomentum(m: m, lr: lr, decay: decay))
        case .emaMomentum:
            Self.momentumLanes(range, w, gradient, firstSlots[index], EMAMomentum(m: m, lr: lr, decay: decay))
        case .emaLaggedMomentum:
            Self.momentumLanes(range, w, gradient, firstSlots[index], EMALaggedMomentum(m: m, lr: lr, decay: decay))
        case .nesterov:
            Self.momentumLanes(range, w, gradient, firstSlots[index], NesterovMomentum(m: m, lr: lr, decay: decay))
        case .adam(let beta1, let beta2, let epsilon):
            let a = firstSlots[index], b = secondSlots[index]
            // Eight lanes at a time (the compiler keeps this loop scalar: the four arrays
            // might overlap), then the rest: each lane the same operations in the same order.
            typealias Lanes = SIMD8<Float>
            func at(_ pointer: UnsafeMutablePointer<Float>, _ i: Int) -> UnsafeMutableRawPointer {
                UnsafeMutableRawPointer(pointer + i)
            }
            var i = range.lowerBound
            while i + 8 <= range.upperBound {
                let weights = at(w, i).loadUnaligned(as: Lanes.self)
                let g = at(gradient, i).loadUnaligned(as: Lanes.self) + decay * weights
                let first = beta1 * at(a, i).loadUnaligned(as: Lanes.self) + (1 - beta1) * g
                let second = beta2 * at(b, i).loadUnaligned(as: Lanes.self) + (1 - beta2) * g * g
                at(a, i).storeBytes(of: first, as: Lanes.self)
                at(b, i).storeBytes(of: second, as: Lanes.self)
                let step = lr * (first / correction1) / ((second / correction2).squareRoot() + epsilon)
                at(w, i).storeBytes(of: weights - step, as: Lanes.self)
                i += 8
            }
            for i in i..<range.upperBound {
                let g = gradient[i] + decay * w[i]
                a[i] = beta1 * a[i] + (1 - beta1) * g
                b[i] = beta2 * b[i] + (1 - beta2) * g * g
                w[i] -= lr * (a[i] / correction1) / ((b[i] / correction2).squareRoot() + epsilon)
            }
        }
    }

    /// Runs `rule` over elements `range` of a weight, its gradient and its velocity, eight lanes
    /// at a time (the compiler keeps a loop over the three pointers scalar: they might overlap),
    /// the last few in a vector padded with zeros whose extra lanes are dropped. Each lane takes
    /// the same operations in the same order as a scalar loop: the same bits. (The rule is a
    /// type, not a closure, so that it is specialised and inlined: a closure stayed a call per
    /// eight elements.)
    @inline(__always)
    private static func momentumLanes<Rule: MomentumRule>(_ range: Range<Int>, _ w: UnsafeMutablePointer<Float>,
                                                          _ gradient: UnsafeMutablePointer<Float>,
                                                          _ v: UnsafeMutablePointer<Float>, _ rule: Rule) {
        typealias Lanes = SIMD8<Float>
        var i = range.lowerBound
        while i + 8 <= range.upperBound {
            var weights = UnsafeRawPointer(w + i).loadUnaligned(as: Lanes.self)
            var velocity = UnsafeRawPointer(v + i).loadUnaligned(as: Lanes.self)
            rule.apply(&weights, UnsafeRawPointer(gradient + i).loadUnaligned(as: Lanes.self), &velocity)
            UnsafeMutableRawPointer(w + i).storeBytes(of: weights, as: Lanes.self)
            UnsafeMutableRawPointer(v + i).storeBytes(of: velocity, as: Lanes.self)
            i += 8
        }
        guard i < range.upperBound else { return }
        var weights = Lanes(), g = Lanes(), velocity = Lanes()
        for lane in 0..<(range.upperBound - i) {
            weights[lane] = w[i + lane]
            g[lane] = gradient[i + lane]
            velocity[lane] = v[i + lane]
        }
        rule.apply(&weights, g, &velocity)
        for lane in 0..<(range.upperBound - i) {
            w[i + lane] = weights[lane]
            v[i + lane] = velocity[lane]
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

/// One momentum method's update of eight weights `w`, their gradients `g` and velocities `v`,
/// with the L2 term `decay`·w added to the gradient first.
private protocol MomentumRule {
    func apply(_ w: inout SIMD8<Float>, _ g: SIMD8<Float>, _ v: inout SIMD8<Float>)
}

/// v = m·v − lr·g; w += v.
private struct ClassicMomentum: MomentumRule {
    let m, lr, decay: Float
    @inline(__always) func apply(_ w: inout SIMD8<Float>, _ g: SIMD8<Float>, _ v: inout SIMD8<Float>) {
        let g = g + decay * w
        v = m * v - lr * g
        w += v
    }
}

/// v = m·v + (1 − m)·g; w −= lr·v.
private struct EMAMomentum: MomentumRule {
    let m, lr, decay: Float
    @inline(__always) func apply(_ w: inout SIMD8<Float>, _ g: SIMD8<Float>, _ v: inout SIMD8<Float>) {
        let g = g + decay * w
        v = m * v + (1 - m) * g
        w -= lr * v
    }
}

/// As `EMAMomentum`, but the step takes the velocity from before this update (Theano's order).
private struct EMALaggedMomentum: MomentumRule {
    let m, lr, decay: Float
    @inline(__always) func apply(_ w: inout SIMD8<Float>, _ g: SIMD8<Float>, _ v: inout SIMD8<Float>) {
        let g = g + decay * w
        let previous = v
        v = m * previous + (1 - m) * g
        w -= lr * previous
    }
}

/// v = m·v − lr·g; w += m·v − lr·g.
private struct NesterovMomentum: MomentumRule {
    let m, lr, decay: Float
    @inline(__always) func apply(_ w: inout SIMD8<Float>, _ g: SIMD8<Float>, _ v: inout SIMD8<Float>) {
        let g = g + decay * w
        v = m * v - lr * g
        w += m * v - lr * g
    }
}
