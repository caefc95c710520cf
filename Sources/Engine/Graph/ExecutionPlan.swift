/// How a graph of nodes runs: the steps in order, each one node or a fused group, and which
/// values hold a buffer of their own. It is computed from what each node is (`PlanNode`)
/// before anything is allocated, so the memory estimate of an experiment and the network
/// that trains it follow one rule.
///
/// Fusion is a pass over the nodes: wherever convolution → (channel affine, inference only)
/// → activation → max-pool appear with each intermediate value read by the next node alone,
/// the group becomes one step and its intermediate values are never stored.
public struct ExecutionPlan: Sendable, Equatable {
    /// What the plan needs to know of a node.
    public struct Node: Sendable, Equatable {
        /// Values read (0: the network's input, i + 1: node i's output).
        public var inputs: [Int]
        public var role: FusionRole
        public var worksInPlace: Bool

        public init(inputs: [Int], role: FusionRole, worksInPlace: Bool) {
            self.inputs = inputs
            self.role = role
            self.worksInPlace = worksInPlace
        }
    }

    public struct Step: Sendable, Equatable {
        /// The nodes it runs, in order: one, or a fused group.
        public var nodes: [Int]
        /// Values it reads: the first node's inputs.
        public var inputs: [Int]
        /// The value it writes: the last node's output.
        public var output: Int
        /// The step shares its input's buffer (one in-place node whose input has no other reader).
        public var isInPlace: Bool
    }

    public let steps: [Step]
    /// For every value, the value whose buffer holds it (itself unless written in place), or
    /// nil when no step stores it (inside a fused group).
    public let buffer: [Int?]
    /// For every value, the nodes that read it, in node order (a node reading it twice twice).
    public let readers: [[Int]]

    /// - Parameters:
    ///   - fuses: false runs every node as its own step (the fused passes' twin).
    ///   - training: an inference plan also fuses a channel affine into its convolution.
    public init(nodes: [Node], fuses: Bool, training: Bool) {
        var readers = [[Int]](repeating: [], count: nodes.count + 1)
        for (index, node) in nodes.enumerated() {
            for input in node.inputs {
                precondition(input <= index, "node \(index) reads value \(input), which no earlier node writes")
                readers[input].append(index)
            }
        }
        /// The node that alone reads node `index`'s output, if it has that `role` and one input.
        func soleReader(of index: Int, _ matches: (FusionRole) -> Bool) -> Int? {
            let reading = readers[index + 1]
            guard reading.count == 1, nodes[reading[0]].inputs.count == 1, matches(nodes[reading[0]].role) else { return nil }
            return reading[0]
        }
        var steps: [Step] = []
        var index = 0
        while index < nodes.count {
            var group = [index]
            if fuses, nodes[index].role == .convolution {
                var last = index
                if !training, let affine = soleReader(of: last, { $0 == .channelAffine }) { last = affine }
                if let activation = soleReader(of: last, { if case .activation = $0 { return true } else { return false } }),
                   let pool = soleReader(of: activation, { $0 == .maxPool }) {
                    // Steps run in node order, so a group is fused only when nothing else sits between.
                    let chain = [index] + (last != index ? [last] : []) + [activation, pool]
                    if chain == Array(index...pool) { group = chain }
                }
            }
            let first = nodes[group[0]], lastNode = group.last!
            let inPlace = group.count == 1 && first.worksInPlace && first.inputs.count == 1
                && readers[first.inputs[0]].count == 1
            steps.append(Step(nodes: group, inputs: first.inputs, output: lastNode + 1, isInPlace: inPlace))
            index = lastNode + 1
        }
        var buffer = [Int?](repeating: nil, count: nodes.count + 1)
        buffer[0] = 0
        for step in steps {
            buffer[step.output] = step.isInPlace ? buffer[step.inputs[0]] : step.output
        }
        self.steps = steps
        self.buffer = buffer
        self.readers = readers
    }
}
