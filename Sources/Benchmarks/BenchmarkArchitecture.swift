import Engine
import Experiments

/// The benchmark networks: the four of `shared/peers/README.md`, layer for layer as the peers
/// build them (input 1×96×96, output 30, ReLU after every conv and hidden dense layer, "valid"
/// stride-1 convs, 2×2 max-pool with stride 2, He-uniform weights), and KeypointLab's residual
/// net with batch normalisation (`experiments/resnet.yaml`, which the peers do not build). Each is an experiment file's model section, decoded and built
/// as any experiment is: the same vocabulary, not a second definition.
public enum BenchmarkArchitecture: String, CaseIterable, Sendable {
    case mlp
    case cnnSmall = "cnn-small"
    case cnnLarge = "cnn-large"
    case nouri
    case resnet

    public static let input = ModelSpec.inputShape

    /// The peers' batch size for this network (`experiments/resnet.yaml`'s for the residual net).
    public var batchSize: Int {
        switch self {
        case .nouri: return 128
        case .resnet: return 64
        default: return 100
        }
    }

    /// Whether the peers' scripts (`shared/peers`) build this network too.
    public var hasPeers: Bool { self != .resnet }

    /// The network as an experiment file writes it.
    public var yaml: String {
        let layers: String
        switch self {
        case .mlp:
            layers = """
                - flatten
                - dense: 256
                - relu
                - dropout: 0.5
                - dense: 100
                - relu
                - dropout: 0.5
                - dense: 30
            """
        case .cnnSmall:
            layers = Self.convolutions([(2, 5), (4, 5), (8, 4), (16, 4)]) + """
                - flatten
                - dense: 144
                - relu
                - dropout: 0.5
                - dense: 144
                - relu
                - dropout: 0.5
                - dense: 30
            """
        case .cnnLarge:
            layers = Self.convolutions([(8, 3), (16, 2), (32, 2), (64, 2), (128, 2)]) + """
                - flatten
                - dense: 512
                - relu
                - dropout: 0.5
                - dense: 512
                - relu
                - dropout: 0.5
                - dense: 30
            """
        case .nouri:
            layers = Self.convolutions([(32, 3), (64, 2), (128, 2)]) + """
                - flatten
                - dense: 500
                - relu
                - dense: 500
                - relu
                - dense: 30
            """
        case .resnet:
            // experiments/resnet.yaml's layers (a test holds the two equal).
            layers = """
                - conv: {filters: 16, kernel: 3, stride: 2, padding: same}
                - batchnorm
                - relu: {name: stage1}
            """ + "\n" + Self.residualBlock(16, name: "block1", input: "stage1") + """
                - maxpool: 2
                - conv: {filters: 32, kernel: 3, padding: same}
                - batchnorm
                - relu: {name: stage2}
            """ + "\n" + Self.residualBlock(32, name: "block2", input: "stage2") + """
                - maxpool: 2
                - conv: {filters: 64, kernel: 3, padding: same}
                - batchnorm
                - relu: {name: stage3}
            """ + "\n" + Self.residualBlock(64, name: "block3", input: "stage3") + """
                - maxpool: 2
                - flatten
                - dense: 256
                - batchnorm
                - relu
                - dense: 30
            """
        }
        return """
            name: bench-\(rawValue)
            model:
              init: {weights: he, distribution: uniform, bias: 0}
              layers:
            \(layers)
            train:
              epochs: 1
              batch_size: \(batchSize)
            """
    }

    /// Two 3×3 convolutions with batch normalisation, the second's output named `name`,
    /// added to `input`, then a ReLU.
    private static func residualBlock(_ filters: Int, name: String, input: String) -> String {
        """
            - conv: {filters: \(filters), kernel: 3, padding: same}
            - batchnorm
            - relu
            - conv: {filters: \(filters), kernel: 3, padding: same}
            - batchnorm: {name: \(name)}
            - add: [\(name), \(input)]
            - relu

        """
    }

    /// conv → relu → maxpool 2 for each (filters, kernel).
    private static func convolutions(_ sizes: [(filters: Int, kernel: Int)]) -> String {
        sizes.map { "    - conv: {filters: \($0.filters), kernel: \($0.kernel)}\n    - relu\n    - maxpool: 2\n" }.joined()
    }

    /// The decoded experiment (the text above is fixed, so it always decodes).
    public var experiment: Experiment {
        try! Experiment.decode(text: yaml, path: "\(rawValue).yaml", overrides: [])
    }

    /// FLOPs of one training step per image as dense products would perform them, counted
    /// over layers with weights: forward (F), weight gradient (F) and input gradient (F)
    /// for each, except that the first layer's input gradient is never computed — so
    /// 3 × forward − the first layer's forward (the peers' README counts the same). The
    /// gradients that skip the zeros of a plane or output gradient (SparseTapGradients.c,
    /// SparseProducts.c) perform fewer: a rate from this count is nominal.
    public var trainingFLOPs: Int {
        let perLayer = weightedForwardFLOPs
        return 3 * perLayer.reduce(0, +) - (perLayer.first ?? 0)
    }

    /// Forward FLOPs per image: 2 × the multiply-adds of layers with weights only.
    public var forwardFLOPs: Int { weightedForwardFLOPs.reduce(0, +) }

    private var weightedForwardFLOPs: [Int] {
        let summary = try! ModelSummary(model: experiment.model)
        return summary.rows.filter { $0.initializer != nil }.map(\.flops)
    }
}
