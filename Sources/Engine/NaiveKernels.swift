/// Deliberately simple reference implementations — the twins the fast paths are tested
/// against. Loops over plain arrays, no cleverness; Double accumulation except where the twin
/// states the fast path's exact arithmetic (`gemm`).
public enum NaiveKernels {
    /// C = op(A)·op(B), row-major; op(A) is M×K (A stored K×M when transposed), op(B) is K×N.
    /// Each output is one FMA chain over k in order, from 0 or from C's value when
    /// `accumulate`: the definition `VectorKernels.gemm` must meet bit for bit.
    public static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                            a: [Float], b: [Float], accumulate: Bool = false, c: inout [Float]) {
        for i in 0..<m {
            for j in 0..<n {
                var sum: Float = accumulate ? c[i * n + j] : 0
                for p in 0..<k {
                    let x = transposeA ? a[p * m + i] : a[i * k + p]
                    let y = transposeB ? b[j * k + p] : b[p * n + j]
                    sum = sum.addingProduct(x, y)
                }
                c[i * n + j] = sum
            }
        }
    }

    /// The input gradient of one sample of a tap-GEMM convolution as the engine first computed
    /// it, the definition `VectorKernels.tapInputGradient` must meet bit for bit: dcol (k²C ×
    /// `computed`) = tapsᵀ · dwide by `gemm`'s chains (taps F×k²C, dwide's row f at f·`pitch`);
    /// then dx (C×H×W) from zeros, dcol's row (t, c) added at channel c shifted by tap t = (i, j)
    /// (i·W + j), rows in order.
    public static func tapInputGradient(taps: [Float], filters: Int, input: Shape, kernel: Int, dwide: [Float],
                                        pitch: Int, computed: Int) -> [Float] {
        let depth = kernel * kernel * input.channels, area = input.height * input.width
        let rows = (0..<filters).flatMap { f in dwide[(f * pitch)..<(f * pitch + computed)] }
        var dcol = [Float](repeating: 0, count: depth * computed)
        gemm(transposeA: true, transposeB: false, m: depth, n: computed, k: filters, a: taps, b: rows, c: &dcol)
        var dx = [Float](repeating: 0, count: input.count)
        for row in 0..<depth {
            let t = row / input.channels, c = row % input.channels
            let start = c * area + (t / kernel) * input.width + t % kernel
            for q in 0..<computed { dx[start + q] += dcol[row * computed + q] }
        }
        return dx
    }

    /// Σ values in the one order `VectorKernels.addPlaneSums` must meet bit for bit: sixteen
    /// running sums from +0, value i going to sum i mod 16, over the whole blocks of sixteen;
    /// those sums added in order from −0; then the values past the last whole block in order.
    public static func planeSum(_ values: ArraySlice<Float>) -> Float {
        let values = Array(values), whole = values.count / 16 * 16
        var lanes = [Float](repeating: 0, count: 16)
        for i in 0..<whole { lanes[i % 16] += values[i] }
        var total: Float = -0.0
        for lane in lanes { total += lane }
        for i in whole..<values.count { total += values[i] }
        return total
    }

    /// Direct convolution. input N×C×H×W, weights F×C×k×k, bias F → output N×F×OH×OW with
    /// OH = (H + top + bottom − k)/stride + 1, OW = (W + left + right − k)/stride + 1; zero padding.
    public static func convolutionForward(input: [Float], shape: Shape, count: Int,
                                          weights: [Float], bias: [Float], filters: Int,
                                          kernel: Int, stride: Int, padding: Padding) -> [Float] {
        let out = convolutionOutput(shape, filters: filters, kernel: kernel, stride: stride, padding: padding)
        var output = [Float](repeating: 0, count: count * out.count)
        for n in 0..<count {
            for f in 0..<filters {
                for oh in 0..<out.height {
                    for ow in 0..<out.width {
                        var sum = Double(bias[f])
                        for c in 0..<shape.channels {
                            for i in 0..<kernel {
                                for j in 0..<kernel {
                                    let ih = oh * stride - padding.top + i
                                    let iw = ow * stride - padding.left + j
                                    guard ih >= 0, ih < shape.height, iw >= 0, iw < shape.width else { continue }
                                    let x = input[((n * shape.channels + c) * shape.height + ih) * shape.width + iw]
                                    let w = weights[((f * shape.channels + c) * kernel + i) * kernel + j]
                                    sum += Double(x) * Double(w)
                                }
                            }
                        }
                        output[((n * filters + f) * out.height + oh) * out.width + ow] = Float(sum)
                    }
                }
            }
        }
        return output
    }

    /// Direct convolution backward: gradients for input (N×C×H×W), weights (F×C×k×k) and
    /// bias (F) from the output gradient (N×F×OH×OW).
    public static func convolutionBackward(input: [Float], shape: Shape, count: Int,
                                           weights: [Float], filters: Int, kernel: Int,
                                           stride: Int, padding: Padding, outputGradient: [Float])
        -> (input: [Float], weights: [Float], bias: [Float]) {
        let out = convolutionOutput(shape, filters: filters, kernel: kernel, stride: stride, padding: padding)
        var dInput = [Double](repeating: 0, count: input.count)
        var dWeights = [Double](repeating: 0, count: weights.count)
        var dBias = [Double](repeating: 0, count: filters)
        for n in 0..<count {
            for f in 0..<filters {
                for oh in 0..<out.height {
                    for ow in 0..<out.width {
                        let g = Double(outputGradient[((n * filters + f) * out.height + oh) * out.width + ow])
                        dBias[f] += g
                        for c in 0..<shape.channels {
                            for i in 0..<kernel {
                                for j in 0..<kernel {
                                    let ih = oh * stride - padding.top + i
                                    let iw = ow * stride - padding.left + j
                                    guard ih >= 0, ih < shape.height, iw >= 0, iw < shape.width else { continue }
                                    let xi = ((n * shape.channels + c) * shape.height + ih) * shape.width + iw
                                    let wi = ((f * shape.channels + c) * kernel + i) * kernel + j
                                    dWeights[wi] += g * Double(input[xi])
                                    dInput[xi] += g * Double(weights[wi])
                                }
                            }
                        }
                    }
                }
            }
        }
        return (dInput.map(Float.init), dWeights.map(Float.init), dBias.map(Float.init))
    }

    private static func convolutionOutput(_ shape: Shape, filters: Int, kernel: Int, stride: Int, padding: Padding) -> Shape {
        Shape(channels: filters,
              height: (shape.height + padding.top + padding.bottom - kernel) / stride + 1,
              width: (shape.width + padding.left + padding.right - kernel) / stride + 1)
    }

    /// Pooling by the definition, for every path of `MaxPool` and `AveragePool`: input N×C×H×W
    /// → output N×C×OH×OW with OH = (H + top + bottom − size)/stride + 1 (likewise OW). Each
    /// window looks only at its positions inside the input: the maximum of those (max), or
    /// their Double sum divided by how many there are (average).
    public static func pool(input: [Float], shape: Shape, count: Int, size: Int, stride: Int,
                            padding: Padding, average: Bool) -> [Float] {
        let out = poolOutput(shape, size: size, stride: stride, padding: padding)
        var output: [Float] = []
        for n in 0..<count {
            for c in 0..<shape.channels {
                for oh in 0..<out.height {
                    for ow in 0..<out.width {
                        let inside = poolWindow(shape, oh: oh, ow: ow, size: size, stride: stride, padding: padding)
                        let values = inside.map { input[((n * shape.channels + c) * shape.height + $0.h) * shape.width + $0.w] }
                        if average {
                            output.append(Float(values.reduce(0.0) { $0 + Double($1) } / Double(values.count)))
                        } else {
                            output.append(values.max()!)
                        }
                    }
                }
            }
        }
        return output
    }

    /// Average pooling's input gradient by the definition: each output gradient divided by the
    /// number of input positions in its window, added to each of them (Double sums).
    public static func averagePoolBackward(outputGradient: [Float], shape: Shape, count: Int, size: Int,
                                           stride: Int, padding: Padding) -> [Float] {
        let out = poolOutput(shape, size: size, stride: stride, padding: padding)
        var dInput = [Double](repeating: 0, count: count * shape.count)
        for n in 0..<count {
            for c in 0..<shape.channels {
                for oh in 0..<out.height {
                    for ow in 0..<out.width {
                        let inside = poolWindow(shape, oh: oh, ow: ow, size: size, stride: stride, padding: padding)
                        let g = Double(outputGradient[((n * shape.channels + c) * out.height + oh) * out.width + ow])
                        for position in inside {
                            dInput[((n * shape.channels + c) * shape.height + position.h) * shape.width + position.w]
                                += g / Double(inside.count)
                        }
                    }
                }
            }
        }
        return dInput.map(Float.init)
    }

    private static func poolOutput(_ shape: Shape, size: Int, stride: Int, padding: Padding) -> Shape {
        Shape(channels: shape.channels,
              height: (shape.height + padding.top + padding.bottom - size) / stride + 1,
              width: (shape.width + padding.left + padding.right - size) / stride + 1)
    }

    /// The positions of window (oh, ow) that lie inside the input, row-major.
    private static func poolWindow(_ shape: Shape, oh: Int, ow: Int, size: Int, stride: Int,
                                   padding: Padding) -> [(h: Int, w: Int)] {
        var inside: [(h: Int, w: Int)] = []
        for i in 0..<size {
            for j in 0..<size {
                let h = oh * stride - padding.top + i, w = ow * stride - padding.left + j
                if h >= 0, h < shape.height, w >= 0, w < shape.width { inside.append((h, w)) }
            }
        }
        return inside
    }
}
