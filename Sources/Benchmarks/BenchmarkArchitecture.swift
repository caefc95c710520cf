import Engine

/// The four benchmark networks of `shared/peers/README.md`, layer for layer as the peers
/// build them: input 1×96×96, output 30, ReLU after every conv and hidden dense layer,
/// "valid" stride-1 convs, 2×2 max-pool with stride 2.
public enum BenchmarkArchitecture: String, CaseIterable, Sendable {
    case mlp
    case cnnSmall = "cnn-small"
    case cnnLarge = "cnn-large"
    case nouri

    public static let input = Shape(channels: 1, height: 96, width: 96)

    /// The peers' batch size for this network.
    public var batchSize: Int { self == .nouri ? 128 : 100 }

    public var layers: [LayerDescription] {
        let spec = InitializerSpec(scheme: .he, distribution: .uniform, bias: 0)
        func conv(_ filters: Int, _ kernel: Int) -> [LayerDescription] {
            [LayerDescription(.conv(filters: filters, kernel: kernel, stride: 1, padding: 0), initializer: spec),
             LayerDescription(.relu),
             LayerDescription(.maxPool(size: 2, stride: 2))]
        }
        func dense(_ units: Int, relu: Bool = true, dropout: Float? = nil) -> [LayerDescription] {
            var result = [LayerDescription(.dense(units: units), initializer: spec)]
            if relu { result.append(LayerDescription(.relu)) }
            if let dropout { result.append(LayerDescription(.dropout(rate: dropout))) }
            return result
        }
        let flatten = [LayerDescription(.flatten)]
        switch self {
        case .mlp:
            return flatten + dense(256, dropout: 0.5) + dense(100, dropout: 0.5) + dense(30, relu: false)
        case .cnnSmall:
            return conv(2, 5) + conv(4, 5) + conv(8, 4) + conv(16, 4) + flatten
                + dense(144, dropout: 0.5) + dense(144, dropout: 0.5) + dense(30, relu: false)
        case .cnnLarge:
            return conv(8, 3) + conv(16, 2) + conv(32, 2) + conv(64, 2) + conv(128, 2) + flatten
                + dense(512, dropout: 0.5) + dense(512, dropout: 0.5) + dense(30, relu: false)
        case .nouri:
            return conv(32, 3) + conv(64, 2) + conv(128, 2) + flatten
                + dense(500) + dense(500) + dense(30, relu: false)
        }
    }

    /// FLOPs of one training step per image that the engine actually performs, counted
    /// over convs and dense layers: forward (F), weight gradient (F) and input gradient (F)
    /// for each, except that the first layer's input gradient is never computed — so
    /// 3 × forward − the first layer's forward (the peers' README counts the same).
    public var trainingFLOPs: Int {
        let perLayer = parameterisedForwardFLOPs
        return 3 * perLayer.reduce(0, +) - (perLayer.first ?? 0)
    }

    /// Forward FLOPs per image: 2 × the multiply-adds of convs and dense layers only.
    public var forwardFLOPs: Int { parameterisedForwardFLOPs.reduce(0, +) }

    /// Forward FLOPs per image of each conv and dense layer, in order.
    private var parameterisedForwardFLOPs: [Int] {
        let outputs = try! inferShapes(input: Self.input, layers: layers.map(\.kind)).get()
        let inputs = [Self.input] + outputs.dropLast()
        return layers.indices.compactMap { index in
            let kind = layers[index].kind
            return kind.hasParameters ? kind.forwardFLOPs(input: inputs[index], output: outputs[index]) : nil
        }
    }
}
