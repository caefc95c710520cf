import Engine
import Faces

/// Plain-words descriptions of an experiment's settings, for `kplab check` and run logs.
extension Experiment {
    /// Three lines: the experiment, its data, its training.
    ///
    ///     nouri-adam (run id nouri-adam-3f9c2a1b, seed 42)
    ///     data:  synthetic faces (2000, seed 1); validation: last 400 rows; rows: all; missing: mask; flip: no
    ///     train: 100 epochs of batch 128 (shuffled, last batch: keep); adam (β1 0.9, β2 0.999, ε 1e-08); …
    public var overview: String {
        // A seedless experiment has no run id yet: the seed drawn when it runs is part of it.
        let identityText = seed.map { "run id \(runID), seed \($0)" } ?? "seed chosen at random when it runs, and with it the run id"
        return "\(name) (\(identityText))\n" + "data:  \(data.overview)\n" + "train: \(train.overview)"
    }
}

extension DataSpec {
    public var overview: String {
        let sourceText: String
        switch source {
        case .file(let path): sourceText = path
        case .synthetic(let faces):
            sourceText = "synthetic faces (\(faces.count), seed \(faces.seed)\(faces.missingLabels ? ", missing labels" : ""))"
        }
        let validationText: String
        switch validation {
        case .holdout(let rows): validationText = "last \(rows) rows"
        case .fraction(let fraction, let shuffle): validationText = "\(fraction) of the rows, \(shuffle ? "shuffled" : "the last ones")"
        }
        return "\(sourceText); validation: \(validationText); rows: \(rows.rawValue); missing: \(missing.rawValue); "
            + "flip: \(augment.flip ? "yes" : "no")" + augment.transforms.overview
    }
}

extension TrainSpec {
    public var overview: String {
        var parts = ["\(epochs) epochs of batch \(batchSize) (\(shuffle ? "shuffled" : "file order"), last batch: \(lastBatch.rawValue))",
                     optimizer.overview, "learning rate \(learningRate.overview)", "l2 \(l2)"]
        if let earlyStopping {
            parts.append("early stopping after \(earlyStopping.patience) epochs without improvement > \(earlyStopping.minDelta)")
        }
        if let maxWallTime { parts.append("at most \(maxWallTime) s") }
        if diagnostics { parts.append("diagnostics") }
        if tta == .flip { parts.append("validation with test-time flips") }
        return parts.joined(separator: "; ")
    }
}

extension OptimizerSpec {
    public var overview: String {
        switch self {
        case .sgd(nil): return "sgd"
        case .sgd(let momentum?): return "sgd with \(momentum.form.rawValue) momentum \(momentum.coefficient.overview)"
        case .adam(let beta1, let beta2, let epsilon): return "adam (β1 \(beta1), β2 \(beta2), ε \(epsilon))"
        }
    }
}

extension Schedule {
    /// `0.01`, `0.03 → 0.0001 linear`, `0.01 ×0.5 every 10 epochs`, `0.01 → 0.0 cosine`.
    public var overview: String {
        switch self {
        case .constant(let value): return "\(value)"
        case .linear(let from, let to): return "\(from) → \(to) linear"
        case .step(let from, let every, let factor): return "\(from) ×\(factor) every \(every) epochs"
        case .cosine(let from, let to): return "\(from) → \(to) cosine"
        }
    }
}

extension RandomTransforms {
    /// "; shift ±4 (p 0.5), rotate ±10" for the transforms that are set, or nothing.
    var overview: String {
        let named: [(String, TransformRange?)] = [("shift", shift), ("rotate", rotate), ("scale", scale),
                                                  ("brightness", brightness), ("contrast", contrast)]
        let parts = named.compactMap { name, range in
            range.map { "\(name) ±\($0.amount)" + ($0.probability < 1 ? " (p \($0.probability))" : "") }
        }
        return parts.isEmpty ? "" : "; " + parts.joined(separator: ", ")
    }
}
