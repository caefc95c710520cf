import Testing
@testable import Engine

/// A convolution's partial weight gradients, one per chunk of the batch, are summed in chunk
/// order by several threads when there are many (`ConvolutionGeometry.reduceInOrder`): each
/// algorithm's gradients must still be the same bits at any thread count, and the twin's sums.
@Suite struct ConvolutionReductionTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var label: String, algorithm: String, shape: Shape, filters: Int, kernel: Int, stride: Int
        var padding: Padding
        var testDescription: String { label }
    }

    static let cases: [Case] = [
        .init(label: "tap GEMMs", algorithm: "TapGEMMConvolution", shape: Shape(channels: 16, height: 6, width: 7),
              filters: 64, kernel: 2, stride: 1, padding: Padding(0)),
        .init(label: "direct", algorithm: "DirectWideConvolution", shape: Shape(channels: 2, height: 10, width: 9),
              filters: 64, kernel: 6, stride: 1, padding: Padding(0)),
        .init(label: "im2col", algorithm: "Im2colConvolution", shape: Shape(channels: 16, height: 8, width: 8),
              filters: 64, kernel: 2, stride: 2, padding: Padding(0)),
        .init(label: "padded", algorithm: "PaddedWideConvolution", shape: Shape(channels: 16, height: 5, width: 6),
              filters: 48, kernel: 3, stride: 1, padding: Padding(1)),
        // 65 filters: three threads' shares of the filters are uneven.
        .init(label: "tap GEMMs, 65 filters", algorithm: "TapGEMMConvolution",
              shape: Shape(channels: 8, height: 5, width: 5), filters: 65, kernel: 3, stride: 1, padding: Padding(0)),
    ]

    @Test(arguments: cases)
    func splitReductionGivesTheSameBitsAtAnyThreadCount(_ c: Case) throws {
        let count = 16  // 16 chunks: `Parallelism.batchChunkLimit`
        func make() throws -> Convolution {
            initialized(try Convolution(input: c.shape, filters: c.filters, kernel: c.kernel, stride: c.stride,
                                        padding: c.padding))
        }
        let layer = try make()
        #expect(String(describing: type(of: layer.algorithm)) == c.algorithm, "\(c.label)")
        #expect(layer.weight.count * count >= ConvolutionGeometry.parallelReduction, "\(c.label): not split")
        let input = randomValues(count * c.shape.count, seed: 5)
        try expectSameBitsAtAnyThreadCount(c.label, input: input, count: count) { try make() }

        let pass = runLayer(layer, input: input, count: count, threads: 2)
        let twin = NaiveKernels.convolutionBackward(input: input, shape: c.shape, count: count,
                                                    weights: layer.weight.values, filters: c.filters,
                                                    kernel: c.kernel, stride: c.stride, padding: c.padding,
                                                    outputGradient: randomValues(pass.output.count, seed: 41))
        for (name, got, expected) in [("weights", pass.parameterGradients[0], twin.weights),
                                      ("bias", pass.parameterGradients[1], twin.bias)] {
            let worst = zip(got, expected).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? .infinity
            #expect(got.count == expected.count && worst < 1e-4, "\(c.label) \(name): worst difference \(worst)")
        }
    }
}
