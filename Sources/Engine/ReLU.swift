/// Rectified linear unit, element-wise: y = max(0, x); dx = dy where y > 0, else 0.
/// Shapes: input and output N×(any shape), identical.
public final class ReLU: Layer {
    public let inputShape: Shape
    /// Threads this layer splits its batch across (set by `Network`).
    public var threads = 1
    public var outputShape: Shape { inputShape }

    public init(input: Shape) { inputShape = input }

    /// In place: dropout after ReLU only zeroes or positively scales values, so y > 0 is
    /// still readable from the shared buffer in backward.
    public var worksInPlace: Bool { true }

    public func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                        count: Int, training: Bool, rng: inout RandomGenerator) {
        let size = inputShape.count
        Parallelism.forEachChunk(count: count, threads: threads) { _, samples in
            for i in (samples.lowerBound * size)..<(samples.upperBound * size) {
                output[i] = max(0, input[i])
            }
        }
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                         outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
                         count: Int) {
        guard let inputGradient else { return }
        let size = inputShape.count
        Parallelism.forEachChunk(count: count, threads: threads) { _, samples in
            Self.passGradient(where: output, outputGradient, into: inputGradient,
                              (samples.lowerBound * size)..<(samples.upperBound * size))
        }
    }

    /// dx[i] = y[i] > 0 ? dy[i] : 0 over `range`, 16 values at a time by a select: the scalar
    /// loop branched on the sign, mispredicted about half the time (cnn-large's dense ReLUs:
    /// 2.5 ns a value). dx may be dy itself (the layer works in place).
    @inline(__always)
    private static func passGradient(where output: UnsafePointer<Float>, _ outputGradient: UnsafePointer<Float>,
                                     into inputGradient: UnsafeMutablePointer<Float>, _ range: Range<Int>) {
        typealias Lanes = SIMD16<Float>
        var i = range.lowerBound
        while i + Lanes.scalarCount <= range.upperBound {
            let y = Lanes(loadingFrom: output + i), dy = Lanes(loadingFrom: outputGradient + i)
            dy.replacing(with: 0, where: .!(y .> 0)).store(to: inputGradient + i)
            i += Lanes.scalarCount
        }
        for j in i..<range.upperBound { inputGradient[j] = output[j] > 0 ? outputGradient[j] : 0 }
    }
}
