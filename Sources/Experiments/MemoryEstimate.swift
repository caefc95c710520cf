import Engine
import Faces

/// A lower bound on the memory a run holds at once, from the experiment alone (its inferred
/// shapes, batch size and data settings), before anything is allocated. It counts what every
/// run stores as the Engine and the data layer store it, and nothing that depends on threads
/// or on a data file's size: a run whose estimate passes the machine's physical memory cannot
/// run there, one below it may still need somewhat more. Bytes are Doubles, which do not
/// overflow where the counts they come from (each a checked `Int`) are multiplied together.
public struct MemoryEstimate: Sendable, Equatable {
    /// Rows in one batch: `min(train.batch_size, data.synthetic.count)`; for a data file,
    /// whose rows are counted only when it is read, `train.batch_size`.
    public var batchRows: Int
    /// The synthetic faces, `SyntheticFaces.bytesPerFace` each; 0 for a data file.
    public var data: Double
    /// The network's copy of one input batch: `batchRows` × 1×96×96 floats.
    public var input: Double
    /// Per layer of `model.layers`: its parameters, their gradients and the optimizer's state
    /// for them (none for plain SGD, a velocity for momentum, two moments for Adam), 4 bytes each.
    public var parameters: [Double]
    /// Per layer: its output and that output's gradient for `batchRows` images, 4 bytes each;
    /// 0 for a layer the Engine's execution plan runs in place (relu, dropout, flatten on a
    /// value nothing else reads) or inside a fused pass (a conv followed by relu and maxpool),
    /// whose output is never stored whole.
    public var activations: [Double]

    public var total: Double { data + input + parameters.reduce(0, +) + activations.reduce(0, +) }

    /// - Parameter summary: the summary of `experiment.model`.
    public init(_ experiment: Experiment, summary: ModelSummary) {
        let float = Double(MemoryLayout<Float>.size)
        switch experiment.data.source {
        case .synthetic(let faces):
            batchRows = min(experiment.train.batchSize, faces.count)
            data = Double(faces.count) * Double(SyntheticFaces.bytesPerFace)
        case .file:
            batchRows = experiment.train.batchSize
            data = 0
        }
        let batch = Double(batchRows)
        input = batch * Double(summary.input.count) * float
        let copies = 2 + Double(experiment.optimizerStateSlots)
        parameters = summary.rows.map { Double($0.parameters) * float * copies }
        let plan = experiment.model.executionPlan(graph: summary.graph, shapes: [summary.input] + summary.rows.map(\.output))
        activations = summary.rows.enumerated().map { index, row in
            plan.buffer[index + 1] == index + 1 ? batch * Double(row.output.count) * float * 2 : 0
        }
    }
}

extension ModelSpec {
    /// The Engine's training plan for these layers, from what each says it is to the plan.
    func executionPlan(graph: ModelGraph, shapes: [Shape]) -> ExecutionPlan {
        let nodes = layers.indices.map { index in
            ExecutionPlan.Node(inputs: graph.inputs[index],
                               role: layers[index].type.base.planRole(inputs: graph.inputs[index].map { shapes[$0] }),
                               worksInPlace: layers[index].type.base.worksInPlace)
        }
        return ExecutionPlan(nodes: nodes, fuses: true, training: true)
    }
}

extension Experiment {
    /// Float buffers per parameter that the optimizer keeps: none for plain SGD, a velocity
    /// for every momentum form, the two moments for Adam.
    var optimizerStateSlots: Int {
        switch train.optimizer {
        case .sgd(nil): return 0
        case .sgd: return 1
        case .adam: return 2
        }
    }
}
