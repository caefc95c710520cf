import Engine

/// One layer's output shape, parameter count and forward FLOPs, given its input shape: what
/// the Engine's `LayerKind.outputShape(for:)`, `parameterCount(input:)` and
/// `forwardFLOPs(input:output:)` compute, counted here with overflow-reporting arithmetic,
/// because a file's numbers (`filters: 10000000000`, `padding: 4611686018427387904`) can be
/// large enough to trap the Engine's plain `*` and `+`. Tests hold the two to the same numbers.
struct LayerSizes: Equatable {
    /// Per image, C×H×W.
    var output: Shape
    /// Weights + biases.
    var parameters: Int
    /// Forward floating-point operations per image (multiply-add = 2).
    var flops: Int

    /// - Parameter input: a shape whose `count` fits an `Int` (the previous layer's output).
    /// - Throws: the Engine's `ShapeProblem` for a layer that cannot take `input`, or one
    ///   saying that the layer's sizes do not fit a 64-bit integer.
    init(_ kind: LayerKind, input: Shape) throws(ShapeProblem) {
        let tooLarge = ShapeProblem("\(kind.summaryLabel) is too large: its sizes do not fit a 64-bit integer")
        // The padding is the one number the Engine's shape inference adds before checking it.
        if case .conv(_, _, _, let padding) = kind {
            guard sum(product(2, padding), max(input.height, input.width)) != nil else { throw tooLarge }
        }
        output = try kind.outputShape(for: input)
        guard let outputCount = product(output.channels, output.height, output.width) else { throw tooLarge }
        let parameters: Int?, flops: Int?
        switch kind {
        case .conv(let filters, let kernel, _, _):
            parameters = sum(product(filters, input.channels, kernel, kernel), filters)
            flops = product(2, outputCount, input.channels, kernel, kernel)
        case .dense(let units):
            parameters = sum(product(units, input.count), units)
            flops = product(2, outputCount, input.count)
        case .maxPool(let size, _):
            (parameters, flops) = (0, product(outputCount, size, size))
        case .relu, .dropout:
            (parameters, flops) = (0, outputCount)
        case .flatten:
            (parameters, flops) = (0, 0)
        }
        guard let parameters, let flops else { throw tooLarge }
        self.parameters = parameters
        self.flops = flops
    }
}
