/// The engine's only source of randomness: xoshiro256** seeded through SplitMix64.
///
/// It is a value type passed `inout` to every function that draws (`using: &rng`), so a
/// run's randomness is fully determined by its seed and the order of the calls. Separate
/// concerns (initialisation, data order, dropout, augmentation) should each get their own
/// stream from `RandomGenerator(seed:stream:)`, so that adding a draw to one does not
/// shift the numbers another sees.
public struct RandomGenerator: RandomNumberGenerator, Sendable, Hashable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// A generator for `seed` on stream `stream` (0 by default). Different streams of one
    /// seed are statistically independent: the pair is hashed through SplitMix64.
    public init(seed: UInt64, stream: UInt64 = 0) {
        var mixer = seed ^ (stream &* 0xD1B5_4A32_D192_ED03)
        if stream != 0 { _ = Self.splitMix64(&mixer) }  // decorrelate stream 1.. from stream 0
        s0 = Self.splitMix64(&mixer)
        s1 = Self.splitMix64(&mixer)
        s2 = Self.splitMix64(&mixer)
        s3 = Self.splitMix64(&mixer)
    }

    /// The standard streams a training run uses; any other `UInt64` is fine too.
    public enum Stream: UInt64, Sendable {
        case initialization = 1, dataOrder = 2, dropout = 3, augmentation = 4
    }

    public init(seed: UInt64, stream: Stream) {
        self.init(seed: seed, stream: stream.rawValue)
    }

    /// A new generator for stream `stream`, derived from this one's current state (this
    /// one is not advanced).
    public func derived(stream: UInt64) -> RandomGenerator {
        RandomGenerator(seed: s0 ^ s1.rotated(17) ^ s2.rotated(31) ^ s3.rotated(47), stream: stream &+ 1)
    }

    private static func splitMix64(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The next 64 random bits (xoshiro256**).
    public mutating func next() -> UInt64 {
        let result = (s1 &* 5).rotated(7) &* 9
        step()
        return result
    }

    /// xoshiro256's state transition, which `next()` takes once per draw: linear over GF(2).
    @inline(__always)
    private mutating func step() {
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3.rotated(45)
    }

    /// This generator as `steps` calls of `next()` would leave it, in at most 64 products of a
    /// 256-bit state by a precomputed matrix (`StateTransition.powers`) instead of `steps` draws:
    /// so that several threads can each draw their own stretch of one stream (dropout's masks)
    /// and together give exactly the numbers one thread drawing them in order would.
    public func advanced(by steps: UInt64) -> RandomGenerator {
        var state = StateTransition.State(s0, s1, s2, s3)
        var remaining = steps, power = 0
        while remaining != 0 {
            if remaining & 1 != 0 { state = StateTransition.powers[power].applied(to: state) }
            remaining >>= 1
            power += 1
        }
        var advanced = self
        (advanced.s0, advanced.s1, advanced.s2, advanced.s3) = (state[0], state[1], state[2], state[3])
        return advanced
    }

    /// Uniform in [0, 1) with 24 random bits (every representable step of a Float in [0.5, 1)).
    @inline(__always)
    public mutating func uniform() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// The draws of `uniform()` that are ≥ `probability`, as one threshold on the 24 bits it
    /// reads: uniform() = bits / 2²⁴ exactly, so uniform() ≥ p ⟺ bits ≥ ⌈p · 2²⁴⌉ (p · 2²⁴ is
    /// exact too).
    public struct UniformThreshold: Sendable {
        fileprivate let bits: Int32
        public init(_ probability: Float) {
            precondition(probability >= 0 && probability <= 1, "a threshold must be in [0, 1], got \(probability)")
            bits = Int32((probability * 16_777_216).rounded(.up))
        }

        /// Lane i: whether draw i of `fillUniformBits` is one `uniform()` would have returned
        /// ≥ the probability for. Compared as one vector: a comparison per draw became a branch
        /// (the compiler's choice, even written as arithmetic), mispredicted half the time
        /// (dropout's masks: 4.9 ns a value).
        @inline(__always)
        public func admits(_ draws: SIMD16<Int32>) -> SIMDMask<SIMD16<Int32>> {
            draws .>= SIMD16(repeating: bits)
        }
    }

    /// The next `count` draws' 24 bits, the values `uniform()` divides by 2²⁴, in draw order:
    /// for a caller that compares many of them at once (`UniformThreshold.admits`).
    @inline(__always)
    public mutating func fillUniformBits(_ draws: UnsafeMutablePointer<Int32>, count: Int) {
        for i in 0..<count { draws[i] = Int32(truncatingIfNeeded: next() >> 40) }
    }

    /// Uniform in [low, high).
    @inline(__always)
    public mutating func uniform(low: Float, high: Float) -> Float {
        low + (high - low) * uniform()
    }

    /// Uniform in [0, 1) with 53 random bits.
    @inline(__always)
    public mutating func uniformDouble() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// A standard normal draw N(0, 1) by the Box–Muller transform, computed in Double so
    /// the result does not depend on Float rounding of the intermediate logarithm, with
    /// `FixedMath`'s log and cos, which give the same bits on every machine. Each
    /// call consumes exactly two 64-bit draws (the second Box–Muller value is discarded),
    /// which keeps the stream position a simple function of the number of draws.
    public mutating func normal() -> Float {
        let u1 = 1.0 - uniformDouble()  // (0, 1]: log is finite
        let u2 = uniformDouble()
        return Float((-2.0 * FixedMath.log(u1)).squareRoot() * FixedMath.cos(2.0 * Double.pi * u2))
    }

    /// N(mean, standardDeviation²).
    public mutating func normal(mean: Float, standardDeviation: Float) -> Float {
        mean + standardDeviation * normal()
    }

    /// A uniformly random index in 0..<count by Lemire's unbiased multiply-and-reject, written
    /// out here (not `Int.random`) so the sequence cannot change with the standard library.
    public mutating func index(below count: Int) -> Int {
        precondition(count > 0, "index(below:) needs a positive count")
        let bound = UInt64(count)
        var product = next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold { product = next().multipliedFullWidth(by: bound) }
        }
        return Int(product.high)
    }

    /// Fisher–Yates shuffle driven by this generator; the same state gives the same order.
    public mutating func shuffle<T>(_ values: inout [T]) {
        guard values.count > 1 else { return }
        for i in stride(from: values.count - 1, to: 0, by: -1) {
            let j = index(below: i + 1)
            if i != j { values.swapAt(i, j) }
        }
    }
}

/// xoshiro256's state transition as a 256×256 matrix over GF(2), and its powers of two: the
/// table behind `RandomGenerator.advanced(by:)`.
private struct StateTransition: Sendable {
    /// The state (s0, s1, s2, s3): bit j of the vector is bit j % 64 of word j / 64.
    typealias State = SIMD4<UInt64>

    /// Column j: the image of the state whose only set bit is j.
    let columns: [State]

    /// The matrix applied to `state`: the exclusive or of the columns of its set bits.
    func applied(to state: State) -> State {
        var result = State()
        for word in 0..<4 {
            var bits = state[word]
            while bits != 0 {
                result ^= columns[word * 64 + bits.trailingZeroBitCount]
                bits &= bits - 1
            }
        }
        return result
    }

    /// T^(2^k) for k = 0 ..< 64: T's columns taken by running one step from each unit state,
    /// then each power squared (column j of M² is M applied to column j of M). Built on first use
    /// (3 ms, 512 KB; a jump then takes about a microsecond).
    static let powers: [StateTransition] = {
        var transition = StateTransition(columns: (0..<256).map { bit in
            var unit = State()
            unit[bit / 64] = 1 << UInt64(bit % 64)
            return RandomGenerator.stepped(unit)
        })
        var powers = [transition]
        for _ in 1..<64 {
            transition = StateTransition(columns: transition.columns.map { transition.applied(to: $0) })
            powers.append(transition)
        }
        return powers
    }()
}

extension RandomGenerator {
    /// Any 256-bit state (a unit vector of `StateTransition`'s, which no seed gives) after one step.
    fileprivate static func stepped(_ state: SIMD4<UInt64>) -> SIMD4<UInt64> {
        var generator = RandomGenerator(seed: 0)
        (generator.s0, generator.s1, generator.s2, generator.s3) = (state[0], state[1], state[2], state[3])
        generator.step()
        return SIMD4(generator.s0, generator.s1, generator.s2, generator.s3)
    }
}

extension UInt64 {
    @inline(__always)
    fileprivate func rotated(_ k: UInt64) -> UInt64 { (self << k) | (self >> (64 - k)) }
}
