/// Any convolution (stride, padding on each side) as im2col + SGEMM per sample: `col` is
/// (C·k·k)×(OH·OW) and y (F×OH·OW) = W (F×C·k·k) · col + b. A 1×1, stride-1, unpadded
/// convolution's columns are its input, so it builds none. Its plane is the output itself
/// (pitch OW, bias included).
final class Im2colConvolution: ConvolutionAlgorithm {
    private let geometry: ConvolutionGeometry
    /// A 1×1, stride-1, unpadded convolution: its columns are the input itself.
    private let isPointwise: Bool
    private(set) var workspaces: [ConvolutionWorkspace] = []
    private(set) var partials: [ConvolutionPartials] = []

    init(_ geometry: ConvolutionGeometry) {
        self.geometry = geometry
        isPointwise = geometry.kernel == 1 && geometry.stride == 1 && geometry.padding.isNone
    }

    var planePitch: Int { geometry.output.width }
    var planeIncludesBias: Bool { true }

    func prepare(chunks: Int, workers: Int) {
        let columns = isPointwise ? 0 : geometry.patchSize * geometry.positions
        ConvolutionWorkspace.grow(&workspaces, to: workers, plane: geometry.output.count, columns: columns,
                                  columnGradient: columns)
        ConvolutionPartials.grow(&partials, to: chunks, for: geometry)
    }

    /// y (F×P) = W (F×CKK) · col(x) (CKK×P) + b: the GEMM accumulates onto the bias.
    @inline(__always)
    func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, worker: Int) {
        let filters = geometry.filters, positions = geometry.positions, patchSize = geometry.patchSize
        let bias = geometry.bias.valuePointer
        for f in 0..<filters {
            (y + f * positions).update(repeating: bias[f], count: positions)
        }
        let source: UnsafePointer<Float>
        if isPointwise {
            source = x  // a 1×1 convolution's columns are the input itself
        } else {
            let columns = workspaces[worker].columns
            imageToColumns(x, columns)
            source = UnsafePointer(columns)
        }
        // y (F×P) += W (F×CKK) · col (CKK×P)
        VectorKernels.gemm(transposeA: false, transposeB: false, m: filters, n: positions, k: patchSize,
                           a: geometry.weight.valuePointer, lda: patchSize, b: source, ldb: positions,
                           accumulate: true, c: y, ldc: positions)
    }

    /// dW (F×CKK) += dy·col(x)ᵀ and db += Σ_p dy into the chunk's partial gradients, and
    /// dx = col⁻¹(Wᵀ·dy) when `dx` is not nil. dy is F×P.
    @inline(__always)
    func backward(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                  _ dx: UnsafeMutablePointer<Float>?, worker: Int, chunk: Int) {
        let filters = geometry.filters, positions = geometry.positions, patchSize = geometry.patchSize
        let local = workspaces[worker], partial = partials[chunk]
        let source: UnsafePointer<Float>
        if isPointwise { source = x } else {
            imageToColumns(x, local.columns)
            source = UnsafePointer(local.columns)
        }
        // dW (F×CKK) += dy (F×P) · colᵀ (P×CKK)
        VectorKernels.gemm(transposeA: false, transposeB: true, m: filters, n: patchSize, k: positions,
                           a: dy, lda: positions, b: source, ldb: positions,
                           accumulate: true, c: partial.weightGradient, ldc: patchSize)
        VectorKernels.addPlaneSums(dy, planes: filters, count: positions, pitch: positions, to: partial.biasGradient)
        guard let dx else { return }
        // dcol (CKK×P) = Wᵀ (CKK×F) · dy (F×P), then scattered back onto the image
        let target = isPointwise ? dx : local.columnGradient
        VectorKernels.gemm(transposeA: true, transposeB: false, m: patchSize, n: positions, k: filters,
                           a: geometry.weight.valuePointer, lda: patchSize, b: dy, ldb: positions,
                           accumulate: false, c: target, ldc: positions)
        if !isPointwise { columnsToImage(local.columnGradient, dx) }
    }

    @inline(__always)
    func forwardPlane(_ x: UnsafePointer<Float>, worker: Int) -> UnsafePointer<Float> {
        let plane = workspaces[worker].plane
        forward(x, plane, worker: worker)
        return UnsafePointer(plane)
    }

    @inline(__always)
    func backwardPlane(_ x: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>?, worker: Int, chunk: Int) {
        backward(x, workspaces[worker].plane, dx, worker: worker, chunk: chunk)
    }

    func reduceGradients(chunks: Int, threads: Int) {
        geometry.reduceInOrder(partials, chunks: chunks, threads: threads)
    }

    /// col[(c·k + i)·k + j][oh·OW + ow] = x[c][oh·stride − top + i][ow·stride − left + j], 0 outside.
    private func imageToColumns(_ x: UnsafePointer<Float>, _ columns: UnsafeMutablePointer<Float>) {
        let height = geometry.input.height, width = geometry.input.width, channels = geometry.input.channels
        let outHeight = geometry.output.height, outWidth = geometry.output.width
        let kernel = geometry.kernel, stride = geometry.stride, positions = geometry.positions
        let top = geometry.padding.top, left = geometry.padding.left
        var row = columns
        if stride == 1 && geometry.padding.isNone {
            // "valid" convolutions: rows copy whole, nothing to zero.
            for c in 0..<channels {
                let plane = x + c * height * width
                for i in 0..<kernel {
                    for j in 0..<kernel {
                        for oh in 0..<outHeight {
                            VectorCopy.copy(plane + (oh + i) * width + j, to: row + oh * outWidth, count: outWidth)
                        }
                        row += positions
                    }
                }
            }
            return
        }
        for c in 0..<channels {
            let plane = x + c * height * width
            for i in 0..<kernel {
                for j in 0..<kernel {
                    for oh in 0..<outHeight {
                        let ih = oh * stride - top + i
                        let destination = row + oh * outWidth
                        if ih < 0 || ih >= height {
                            destination.update(repeating: 0, count: outWidth)
                            continue
                        }
                        let line = plane + ih * width
                        if stride == 1 {
                            // iw = ow + j − left: one contiguous copy between zeroed edges.
                            let first = min(outWidth, max(0, left - j)), end = min(outWidth, width + left - j)
                            if first > 0 { destination.update(repeating: 0, count: first) }
                            if end > first { (destination + first).update(from: line + (first + j - left), count: end - first) }
                            if end < outWidth { (destination + max(end, first)).update(repeating: 0, count: outWidth - max(end, first)) }
                            continue
                        }
                        var iw = j - left
                        for ow in 0..<outWidth {
                            destination[ow] = (iw >= 0 && iw < width) ? line[iw] : 0
                            iw += stride
                        }
                    }
                    row += positions
                }
            }
        }
    }

    /// The adjoint of `imageToColumns`: dx[c][ih][iw] = Σ of the column entries that read it.
    private func columnsToImage(_ columns: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>) {
        let height = geometry.input.height, width = geometry.input.width, channels = geometry.input.channels
        let outHeight = geometry.output.height, outWidth = geometry.output.width
        let kernel = geometry.kernel, stride = geometry.stride, positions = geometry.positions
        let top = geometry.padding.top, left = geometry.padding.left
        dx.update(repeating: 0, count: geometry.input.count)
        var row = columns
        for c in 0..<channels {
            let plane = dx + c * height * width
            for i in 0..<kernel {
                for j in 0..<kernel {
                    for oh in 0..<outHeight {
                        let ih = oh * stride - top + i
                        guard ih >= 0 && ih < height else { continue }
                        let source = row + oh * outWidth
                        let line = plane + ih * width
                        if stride == 1 {
                            // iw = ow + j − left over the columns that land inside the row.
                            let first = min(outWidth, max(0, left - j)), end = min(outWidth, width + left - j)
                            if end > first {
                                let target = line + (first + j - left), from = source + first
                                for ow in 0..<(end - first) { target[ow] += from[ow] }
                            }
                            continue
                        }
                        var iw = j - left
                        for ow in 0..<outWidth {
                            if iw >= 0 && iw < width { line[iw] += source[ow] }
                            iw += stride
                        }
                    }
                    row += positions
                }
            }
        }
    }
}
