/// A layer that reads several values of the same batch and writes one: the joins of a graph
/// (residual sums, channel concatenation). Buffers are batch-major NCHW as for `Layer`.
public protocol MergeLayer: AnyObject {
    var inputShapes: [Shape] { get }
    var outputShape: Shape { get }
    /// Threads the layer may split a batch across; results are bit-identical per count.
    var threads: Int { get set }

    /// output (count×outputShape) ← merge of `inputs[i]` (count×inputShapes[i] each).
    func forward(inputs: [UnsafePointer<Float>], output: UnsafeMutablePointer<Float>, count: Int)

    /// Given dLoss/dOutput, *overwrites* dLoss/dInput i for every `inputGradients[i]` that is
    /// not nil (the network passes nil for inputs that need no gradient).
    func backward(outputGradient: UnsafePointer<Float>, inputGradients: [UnsafeMutablePointer<Float>?], count: Int)
}

/// Element-wise sum of inputs of one shape (a residual connection): y = x₀ + x₁ + … in input
/// order. Each input's gradient is dy.
public final class Add: MergeLayer {
    public let inputShapes: [Shape]
    public var outputShape: Shape { inputShapes[0] }
    public var threads = 1

    public init(inputs: [Shape]) throws(ShapeProblem) {
        _ = try Self.outputShape(for: inputs)
        inputShapes = inputs
    }

    /// The common shape, or why the inputs cannot be added.
    public static func outputShape(for inputs: [Shape]) throws(ShapeProblem) -> Shape {
        guard inputs.count >= 2 else { throw ShapeProblem("add needs at least two inputs") }
        guard inputs.allSatisfy({ $0 == inputs[0] }) else {
            throw ShapeProblem("add needs inputs of one shape, got "
                               + inputs.map(\.description).joined(separator: ", "))
        }
        return inputs[0]
    }

    public func forward(inputs: [UnsafePointer<Float>], output: UnsafeMutablePointer<Float>, count: Int) {
        let size = outputShape.count
        Parallelism.forEachChunk(count: count, threads: threads) { _, samples in
            let range = (samples.lowerBound * size)..<(samples.upperBound * size)
            let first = inputs[0], second = inputs[1]
            for i in range { output[i] = first[i] + second[i] }
            for input in inputs.dropFirst(2) {
                for i in range { output[i] += input[i] }
            }
        }
    }

    public func backward(outputGradient: UnsafePointer<Float>, inputGradients: [UnsafeMutablePointer<Float>?], count: Int) {
        let total = count * outputShape.count
        for gradient in inputGradients {
            gradient?.update(from: outputGradient, count: total)
        }
    }
}

/// Concatenation over channels of inputs with one height and width: per sample, input 0's
/// C₀ planes, then input 1's C₁, … (NCHW). Each input's gradient is its slice of dy.
public final class Concat: MergeLayer {
    public let inputShapes: [Shape]
    public let outputShape: Shape
    public var threads = 1

    public init(inputs: [Shape]) throws(ShapeProblem) {
        outputShape = try Self.outputShape(for: inputs)
        inputShapes = inputs
    }

    /// Channels summed, or why the inputs cannot be stacked.
    public static func outputShape(for inputs: [Shape]) throws(ShapeProblem) -> Shape {
        guard inputs.count >= 2 else { throw ShapeProblem("concat needs at least two inputs") }
        guard inputs.allSatisfy({ $0.height == inputs[0].height && $0.width == inputs[0].width }) else {
            throw ShapeProblem("concat stacks channels of one height and width, got "
                               + inputs.map(\.description).joined(separator: ", "))
        }
        var channels = 0
        for input in inputs {
            let (total, overflow) = channels.addingReportingOverflow(input.channels)
            guard !overflow else { throw ShapeProblem("concat has too many channels") }
            channels = total
        }
        return Shape(channels: channels, height: inputs[0].height, width: inputs[0].width)
    }

    public func forward(inputs: [UnsafePointer<Float>], output: UnsafeMutablePointer<Float>, count: Int) {
        let outputSize = outputShape.count, sizes = inputShapes.map(\.count)
        Parallelism.forEachChunk(count: count, threads: threads) { _, samples in
            for n in samples {
                var at = output + n * outputSize
                for (input, size) in zip(inputs, sizes) {
                    at.update(from: input + n * size, count: size)
                    at += size
                }
            }
        }
    }

    public func backward(outputGradient: UnsafePointer<Float>, inputGradients: [UnsafeMutablePointer<Float>?], count: Int) {
        let outputSize = outputShape.count, sizes = inputShapes.map(\.count)
        Parallelism.forEachChunk(count: count, threads: threads) { _, samples in
            for n in samples {
                var at = outputGradient + n * outputSize
                for (gradient, size) in zip(inputGradients, sizes) {
                    gradient?.advanced(by: n * size).update(from: at, count: size)
                    at += size
                }
            }
        }
    }
}
