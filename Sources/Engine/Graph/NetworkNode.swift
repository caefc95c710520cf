/// One node of a network graph: a layer or a merge, the values it reads, and its name.
///
/// Values are numbered as the network holds them: value 0 is the network's input and value
/// i + 1 is node i's output, so a node reads only values of nodes before it (the graph has
/// no cycles by construction) and the last node's output is the network's output.
public struct NetworkNode {
    public enum Operation {
        case layer(any Layer)
        case merge(any MergeLayer)
    }

    /// Unique within the network; parameters are named after it ("conv1.weight").
    public let name: String
    public let operation: Operation
    public let inputs: [Int]

    /// A layer reading value `input` (0: the network's input, i + 1: node i's output).
    public init(name: String, layer: any Layer, input: Int) {
        self.name = name
        operation = .layer(layer)
        inputs = [input]
    }

    public init(name: String, merge: any MergeLayer, inputs: [Int]) {
        self.name = name
        operation = .merge(merge)
        self.inputs = inputs
    }
}

extension NetworkNode.Operation {
    public var inputShapes: [Shape] {
        switch self {
        case .layer(let layer): return [layer.inputShape]
        case .merge(let merge): return merge.inputShapes
        }
    }

    public var outputShape: Shape {
        switch self {
        case .layer(let layer): return layer.outputShape
        case .merge(let merge): return merge.outputShape
        }
    }

    public var parameters: [Parameter] {
        if case .layer(let layer) = self { return layer.parameters }
        return []
    }

    public var state: [Parameter] {
        if case .layer(let layer) = self { return layer.state }
        return []
    }

    var fusionRole: FusionRole {
        if case .layer(let layer) = self { return layer.fusionRole }
        return .other
    }

    var worksInPlace: Bool {
        if case .layer(let layer) = self { return layer.worksInPlace }
        return false
    }

    func setThreads(_ threads: Int) {
        switch self {
        case .layer(let layer): layer.threads = threads
        case .merge(let merge): merge.threads = threads
        }
    }
}
