import Engine
import Faces
import YAML
import Faces

extension Experiment {
    /// The fully resolved experiment as a node tree: every key written out, defaults
    /// included, in a fixed order, with one spelling per value (`dense: {units: 500}`, the
    /// optimizer as a mapping, numbers in Swift's shortest round-trip form). It decodes back
    /// to an equal `Experiment`, so it is what a run records as `config.yaml`.
    public var canonicalNode: Node {
        mapping([("name", string(name)),
                 ("seed", seed.map { plain("\($0)") } ?? null),
                 ("data", data.canonicalNode),
                 ("model", model.canonicalNode),
                 ("train", train.canonicalNode)])
    }

    /// `canonicalNode` as block-style YAML.
    public var canonicalText: String { canonicalNode.yamlText() }

    /// SHA-256 of `canonicalText`, 64 lowercase hex digits: the same configuration always
    /// gives the same hash, whatever its file's comments, key order or short forms.
    public var configHash: String { identity.configHash }

    /// `<name>-<first 8 hex digits of configHash>`, the run's folder under `results/<name>/`.
    /// Choose the seed first: a random seed is part of the configuration.
    public var runID: String { identity.runID }
}

extension DataSpec {
    var canonicalNode: Node {
        var pairs: [(String, Node)] = []
        switch source {
        case .file(let path):
            pairs.append(("train", string(path)))
        case .synthetic(let faces):
            pairs.append(("synthetic", mapping([("count", plain("\(faces.count)")), ("seed", plain("\(faces.seed)")),
                                                ("missing_labels", plain("\(faces.missingLabels)"))])))
        }
        switch validation {
        case .holdout(let rows):
            pairs.append(("validation", mapping([("holdout", plain("\(rows)"))])))
        case .fraction(let fraction, let shuffle):
            pairs.append(("validation", mapping([("fraction", plain("\(fraction)")), ("shuffle", plain("\(shuffle)"))])))
        }
        pairs += [("rows", plain(rows.rawValue)), ("missing", plain(missing.rawValue)),
                  ("augment", mapping([("flip", plain("\(augment.flip)"))]))]
        return mapping(pairs)
    }
}

extension ModelSpec {
    var canonicalNode: Node {
        mapping([("init", mapping([("weights", plain(initializer.scheme.rawValue)),
                                   ("distribution", plain(initializer.distribution.rawValue)),
                                   ("bias", plain("\(initializer.bias)"))])),
                 ("layers", Node(.sequence(layers.map(\.canonicalNode)), mark: canonicalMark))])
    }
}

extension ModelSpec.Layer {
    var canonicalNode: Node {
        var override: [(String, Node)] = []
        if let scheme = initializer.scheme { override.append(("weights", plain(scheme.rawValue))) }
        if let distribution = initializer.distribution { override.append(("distribution", plain(distribution.rawValue))) }
        if let bias = initializer.bias { override.append(("bias", plain("\(bias)"))) }
        let initPair: [(String, Node)] = override.isEmpty ? [] : [("init", mapping(override))]
        switch kind {
        case .conv(let filters, let kernel, let stride, let padding):
            return mapping([("conv", mapping([("filters", plain("\(filters)")), ("kernel", plain("\(kernel)")),
                                              ("stride", plain("\(stride)")), ("padding", plain("\(padding)"))]
                                             + initPair))])
        case .maxPool(let size, let stride):
            return mapping([("maxpool", mapping([("size", plain("\(size)")), ("stride", plain("\(stride)"))]))])
        case .dense(let units):
            return mapping([("dense", mapping([("units", plain("\(units)"))] + initPair))])
        case .dropout(let rate):
            return mapping([("dropout", plain("\(rate)"))])
        case .relu, .flatten:
            return plain(kind.name)
        }
    }
}

extension TrainSpec {
    var canonicalNode: Node {
        mapping([("epochs", plain("\(epochs)")),
                 ("batch_size", plain("\(batchSize)")),
                 ("shuffle", plain("\(shuffle)")),
                 ("last_batch", plain(lastBatch.rawValue)),
                 ("optimizer", optimizer.canonicalNode),
                 ("learning_rate", learningRate.canonicalNode),
                 ("l2", plain("\(l2)")),
                 ("early_stopping", earlyStopping.map {
                     mapping([("patience", plain("\($0.patience)")), ("min_delta", plain("\($0.minDelta)"))])
                 } ?? null),
                 ("max_wall_time", maxWallTime.map { plain("\($0)") } ?? null),
                 ("diagnostics", plain("\(diagnostics)"))])
    }
}

extension OptimizerSpec {
    var canonicalNode: Node {
        switch self {
        case .sgd(nil):
            return plain("sgd")
        case .sgd(let momentum?):
            return mapping([("sgd", mapping([("momentum", momentum.coefficient.canonicalNode),
                                             ("form", plain(momentum.form.rawValue))]))])
        case .adam(let beta1, let beta2, let epsilon):
            return mapping([("adam", mapping([("beta1", plain("\(beta1)")), ("beta2", plain("\(beta2)")),
                                              ("epsilon", plain("\(epsilon)"))]))])
        }
    }
}

extension Schedule {
    var canonicalNode: Node {
        switch self {
        case .constant(let value):
            return plain("\(value)")
        case .linear(let from, let to):
            return mapping([("linear", mapping([("from", plain("\(from)")), ("to", plain("\(to)"))]))])
        case .step(let from, let every, let factor):
            return mapping([("step", mapping([("from", plain("\(from)")), ("every", plain("\(every)")),
                                              ("factor", plain("\(factor)"))]))])
        case .cosine(let from, let to):
            return mapping([("cosine", mapping([("from", plain("\(from)")), ("to", plain("\(to)"))]))])
        }
    }
}

// Generated nodes have no place in a file; they all carry 1:1.
private let canonicalMark = Mark(line: 1, column: 1)
private let null = Node(.scalar(Node.Scalar(text: "null")), mark: canonicalMark)

/// A number, boolean or name, written plain so that it reads back as one.
private func plain(_ text: String) -> Node {
    Node(.scalar(Node.Scalar(text: text, isPlain: true)), mark: canonicalMark)
}

/// Free text (a name, a path): the emitter quotes it if plain would read as something else.
private func string(_ text: String) -> Node {
    Node(.scalar(Node.Scalar(text: text, isPlain: false)), mark: canonicalMark)
}

private func mapping(_ pairs: [(String, Node)]) -> Node {
    Node(.mapping(pairs.map { Node.Pair(key: plain($0.0), value: $0.1) }), mark: canonicalMark)
}
