@testable import Engine

/// A layer of the Engine's own tests, before it is built: what the experiment registry
/// describes for real experiments, kept to the kinds the tests chain.
enum LayerKind: Hashable {
    case conv(filters: Int, kernel: Int, stride: Int, padding: Int)
    case maxPool(size: Int, stride: Int)
    case dense(units: Int)
    case relu
    case dropout(rate: Float)
    case flatten

    var name: String {
        switch self {
        case .conv: return "conv"
        case .maxPool: return "maxpool"
        case .dense: return "dense"
        case .relu: return "relu"
        case .dropout: return "dropout"
        case .flatten: return "flatten"
        }
    }

    var hasParameters: Bool {
        switch self {
        case .conv, .dense: return true
        default: return false
        }
    }
}

struct LayerDescription: Hashable {
    var kind: LayerKind
    /// Required for conv and dense.
    var initializer: InitializerSpec?

    init(_ kind: LayerKind, initializer: InitializerSpec? = nil) {
        self.kind = kind
        self.initializer = initializer
    }
}

/// Why a test chain cannot be built, at which layer.
struct ShapeError: Error, Equatable {
    var layerIndex: Int
    var message: String
}

/// Chains of layers for the Engine's own tests, written as `LayerDescription`s and built the
/// way `Experiment.makeNetwork` builds an experiment's graph: each layer on the shape before
/// it, parameterised ones initialised from `rng` in order, named "layer<N>.<kind>".
extension Network {
    convenience init(input: Shape, layers descriptions: [LayerDescription], maxBatch: Int, threads: Int = 1,
                     fusesLayers: Bool = true, rng: inout RandomGenerator) throws(ShapeError) {
        var layers: [any Layer] = []
        var current = input
        for (index, description) in descriptions.enumerated() {
            let name = "layer\(index + 1).\(description.kind.name)"
            do throws(ShapeProblem) {
                let layer: any Layer
                switch description.kind {
                case .conv(let filters, let kernel, let stride, let padding):
                    layer = try Convolution(input: current, filters: filters, kernel: kernel, stride: stride,
                                            padding: padding, name: name)
                case .maxPool(let size, let stride):
                    layer = try MaxPool(input: current, size: size, stride: stride, maxBatch: maxBatch)
                case .dense(let units):
                    layer = try Dense(input: current, units: units, name: name)
                case .relu:
                    layer = ReLU(input: current)
                case .dropout(let rate):
                    layer = try Dropout(input: current, rate: rate, maxBatch: maxBatch)
                case .flatten:
                    layer = Flatten(input: current)
                }
                if description.kind.hasParameters {
                    guard let spec = description.initializer else {
                        throw ShapeProblem("\(description.kind.name) needs an initializer (scheme, distribution, bias)")
                    }
                    layer.initialize(spec, using: &rng)
                }
                layers.append(layer)
                current = layer.outputShape
            } catch {
                throw ShapeError(layerIndex: index, message: error.message)
            }
        }
        self.init(input: input, chain: layers, maxBatch: maxBatch, threads: threads, fusesLayers: fusesLayers)
    }
}
