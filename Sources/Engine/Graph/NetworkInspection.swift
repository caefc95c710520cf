extension Network {
    /// Runs `count` samples (at most `maxBatch`) through every node on its own, in inference
    /// mode, with buffers of its own, and calls `visit(node, inputs, output)` after each node:
    /// every value a node reads and writes, including a convolution's output that training
    /// fuses away or a ReLU overwrites in place. A buffer is freed once its last reader is done.
    /// Changes no parameter, state, gradient or random stream, so a run that inspects itself
    /// (diagnostics) trains to exactly the same numbers as one that does not.
    public func inspect(_ input: UnsafePointer<Float>, count: Int,
                        visit: (_ node: Int, _ inputs: [UnsafeBufferPointer<Float>], _ output: UnsafeBufferPointer<Float>) -> Void) {
        precondition(count >= 1 && count <= maxBatch, "batch of \(count) must be in 1...\(maxBatch)")
        var lastReader = [Int](repeating: -1, count: nodes.count + 1)
        for (index, node) in nodes.enumerated() {
            for value in node.inputs { lastReader[value] = index }
        }
        var values = [UnsafeMutablePointer<Float>?](repeating: nil, count: nodes.count + 1)
        values[0] = UnsafeMutablePointer(mutating: input)
        defer { for value in values.dropFirst() { value?.deallocate() } }
        var unused = RandomGenerator(seed: 0)  // inference draws nothing
        for (index, node) in nodes.enumerated() {
            let shape = node.operation.outputShape
            let output = UnsafeMutablePointer<Float>.allocate(capacity: count * shape.count)
            output.initialize(repeating: 0, count: count * shape.count)
            values[index + 1] = output
            let inputs = node.inputs.map { UnsafePointer(values[$0]!) }
            switch node.operation {
            case .layer(let layer):
                layer.forward(input: inputs[0], output: output, count: count, training: false, rng: &unused)
            case .merge(let merge):
                merge.forward(inputs: inputs, output: output, count: count)
            }
            let shapes = node.operation.inputShapes
            visit(index, zip(inputs, shapes).map { UnsafeBufferPointer(start: $0, count: count * $1.count) },
                  UnsafeBufferPointer(start: output, count: count * shape.count))
            for value in Set(node.inputs) where value > 0 && lastReader[value] == index {
                values[value]?.deallocate()
                values[value] = nil
            }
        }
    }
}
