import Experiments
import Foundation
import Results

/// Why a run fails, in plain words and with its own numbers, ranked by evidence: what
/// `kplab diagnose RUN` prints and `kplab run` quotes when a run never beats the mean face.
///
/// It reads what a run leaves behind — `run.json` (status, mean face, collapse), `metrics.csv`
/// (the curves), `config.yaml` (optimizer and learning rate) and, when the run recorded them,
/// `diagnostics.csv`'s per-layer statistics of the last epoch — and checks, in turn:
/// divergence; collapse against the mean face; the effective step size (learning rate,
/// momentum form, update/weight ratios); dead units; a bias doing the output's work;
/// vanishing or exploding activations and gradients; over-fitting.
public struct Diagnosis: Sendable {
    /// Weights: divergence 100 and a net no better than the mean face 90 (what is wrong); the
    /// causes below them, step size up to 85, a cascade's collapsed level-2 nets 80, dead units up to 70, dropout up to 68, the bias
    /// up to 65, activations and gradients 30–35, over-fitting 25–50.
    public struct Finding: Sendable, Equatable {
        /// What was found, for the trials that test it.
        public enum Kind: Sendable, Equatable {
            case diverged, noBetterThanMeanFace, collapsed, tinySteps, hugeSteps, momentumForm, deadUnits, dropout,
                 biasShare, vanishingActivations, explodingActivations, vanishingGradients, overfitting
        }
        public var kind: Kind
        /// The finding in one line, with its numbers.
        public var summary: String
        /// The evidence and what to change, a line each.
        public var details: [String]
        /// How strongly the records point at it (findings are listed strongest first).
        public var weight: Double
    }

    public let folder: RunFolder
    /// Strongest first; empty for a run with nothing wrong.
    public let findings: [Finding]
    /// What was read, for the closing line: whether per-layer statistics were there.
    public let hasLayerStatistics: Bool
    let record: RunRecord

    /// The typical update/weight ratio of a layer that learns (Karpathy's rule of thumb).
    static let typicalUpdateRatio = 1e-3

    public init(folder: RunFolder) throws {
        self.folder = folder
        guard folder.exists else { throw UserError("\(folder.path) holds no run record (run.json)") }
        record = try RunRecord.read(from: folder.record)
        let rows = (try? MetricsLog.read(path: folder.metrics)) ?? []
        let file = try? ExperimentFile.load(contentsOfFile: folder.config)
        let experiment: Experiment? = if case .single(let experiment)? = file { experiment } else { nil }
        let cascade: CascadeExperiment? = if case .cascade(let cascade)? = file { cascade } else { nil }
        let layers = FileManager.default.fileExists(atPath: folder.diagnostics) ? (try? DiagnosticsLog.read(path: folder.diagnostics)) : nil
        let lastEpoch = layers?.map(\.epoch).max()
        let lastLayers = layers?.filter { $0.epoch == lastEpoch } ?? []
        hasLayerStatistics = !lastLayers.isEmpty
        var findings: [Finding] = []
        findings += Self.divergence(record, experiment)
        findings += Self.collapse(record, rows)
        findings += Self.level2Collapse(record, folder, cascade)
        findings += Self.stepSize(experiment, lastLayers)
        findings += Self.deadUnits(lastLayers)
        findings += Self.dropout(record, experiment, lastLayers)
        findings += Self.biasShare(lastLayers)
        findings += Self.activations(lastLayers)
        findings += Self.overfitting(record, rows)
        self.findings = findings.sorted { $0.weight > $1.weight }
    }

    /// One change that would test a suspect: `kplab diagnose --try` trains the run again with
    /// it, for a few epochs, beside the original.
    public struct Trial: Sendable, Equatable {
        /// What it changes and why, in words.
        public var change: String
        /// The `--set` overrides that make it.
        public var overrides: [String]
    }

    /// The changes worth trying for what was found, one thing each, strongest suspect first:
    /// the momentum form, the learning rate (×10 for tiny steps, ÷10 for huge ones, divergence
    /// or a cascade's collapsed level-2 nets), Adam, He initialisation for a ReLU net that
    /// learns nothing (a cascade: for its level-2 nets), and no dropout for a net that under-fits.
    public var trials: [Trial] {
        guard !findings.isEmpty, let file = try? ExperimentFile.load(contentsOfFile: folder.config) else { return [] }
        // A cascade's settings for its level-2 nets are under `cascade.`; its training under `train.`, as a run's.
        let (train, model, modelKey) = switch file {
        case .single(let experiment): (experiment.train, experiment.model, "model")
        case .cascade(let cascade): (cascade.train, cascade.cascade.model, "cascade.model")
        }
        var trials: [Trial] = []
        let kinds = Set(findings.map(\.kind))
        let level2Collapsed = record.cascade != nil && kinds.contains(.collapsed)
        let rate: Double? = if case .constant(let value) = train.learningRate { value } else { nil }
        if case .sgd(let momentum?) = train.optimizer, momentum.form == .ema || momentum.form == .emaLagged {
            trials.append(Trial(change: "classic momentum (the \(momentum.form.rawValue) form shrinks every step)",
                                overrides: ["train.optimizer.sgd.form=classic"]))
        }
        // 0.003 / 10 is 0.00030000000000000003 in binary: the rate as a person would write it.
        func written(_ rate: Double) -> String { "\(Double(String(format: "%.12g", rate))!)" }
        if let rate, kinds.contains(.tinySteps) {
            let faster = written(rate * 10)
            trials.append(Trial(change: "learning rate ×10 (\(rate) → \(faster))", overrides: ["train.learning_rate=\(faster)"]))
        }
        if let rate, kinds.contains(.hugeSteps) || kinds.contains(.diverged) || level2Collapsed {
            let slower = written(rate / 10)
            trials.append(Trial(change: "learning rate ÷10 (\(rate) → \(slower))", overrides: ["train.learning_rate=\(slower)"]))
        }
        if case .sgd = train.optimizer {
            trials.append(Trial(change: "Adam at 0.001 instead of SGD", overrides: ["train.optimizer=adam", "train.learning_rate=0.001"]))
        }
        if model.initializer.scheme != .he, kinds.contains(.noBetterThanMeanFace) || level2Collapsed {
            trials.append(Trial(change: "He initialisation (scaled for ReLU)", overrides: ["\(modelKey).init.weights=he"]))
        }
        if kinds.contains(.dropout) {
            trials.append(Trial(change: "no dropout (the net under-fits)",
                                overrides: Self.dropoutLayers(model).map { "\(modelKey).layers.\($0.index).dropout=0" }))
        }
        return trials
    }

    /// The trials made at once, for a net no single change fixes (the report's cnn4 needs Adam,
    /// He initialisation and no dropout together). A change of optimizer comes first and makes
    /// the changes to the old optimizer's settings moot (Adam sets each weight's step from its
    /// own gradients), so a trial that sets a key another one already set is left out. Nil
    /// when fewer than two remain.
    public static func combined(_ trials: [Trial]) -> Trial? {
        func key(_ override: String) -> Substring { override.prefix { $0 != "=" } }
        func conflict(_ a: Substring, _ b: Substring) -> Bool { a == b || a.hasPrefix(b + ".") || b.hasPrefix(a + ".") }
        let changesOptimizer = { (trial: Trial) in trial.overrides.contains { key($0) == "train.optimizer" } }
        var taken: [Trial] = []
        for trial in trials.filter(changesOptimizer) + trials.filter({ !changesOptimizer($0) }) {
            let clashes = trial.overrides.contains { mine in
                taken.contains { $0.overrides.contains { conflict(key(mine), key($0)) } }
            }
            if !clashes { taken.append(trial) }
        }
        guard taken.count >= 2 else { return nil }
        return Trial(change: "together: " + taken.map { $0.change.prefix { $0 != "(" }.trimmingCharacters(in: .whitespaces) }
                                                  .joined(separator: " + "),
                     overrides: taken.flatMap(\.overrides))
    }

    /// The verdict's first line: the strongest finding, or that nothing is wrong.
    public var headline: String {
        findings.first?.summary ?? healthySummary
    }

    private var healthySummary: String {
        guard let best = record.bestValidationRMSEPixels, let epoch = record.bestEpoch else {
            return "nothing to judge yet: no epoch finished"
        }
        let bar = record.meanFaceRMSEPixels.map { mean in
            ", \(Int(((1 - best / mean) * 100).rounded()))% below the mean face's \(fixed(mean, decimals: 3)) px"
        } ?? ""
        return "nothing wrong found: best validation RMSE \(fixed(best, decimals: 3)) px at epoch \(epoch)\(bar)"
    }

    /// Every finding, numbered, with its evidence, then what was read.
    public var text: String {
        var lines: [String] = []
        if findings.isEmpty {
            lines.append(healthySummary)
        } else {
            for (index, finding) in findings.enumerated() {
                lines.append("\(index + 1). \(finding.summary)")
                lines += finding.details.map { "   " + $0 }
            }
        }
        if let cascade = record.cascade {
            // A cascade's level-2 nets record no per-layer statistics; its level 1 is a run of its own.
            lines.append("(a cascade: from run.json and metrics.csv; its level 1 is diagnosed on its own: "
                         + "kplab diagnose \(cascade.level1Run))")
        } else {
            lines.append(hasLayerStatistics
                ? "(from run.json, metrics.csv, config.yaml and diagnostics.csv's last epoch)"
                : "(from run.json, metrics.csv and config.yaml; for per-layer evidence train it again with --diagnostics: "
                    + "same run-id, same numbers)")
        }
        return lines.joined(separator: "\n")
    }

    // MARK: - The checks

    static func divergence(_ record: RunRecord, _ experiment: Experiment?) -> [Finding] {
        guard record.status == .diverged else { return [] }
        let rate = experiment.map { " at learning rate \($0.train.learningRate.overview)" } ?? ""
        return [Finding(kind: .diverged, summary: "the run diverged\(rate): \(record.statusDetail ?? "a non-finite loss")",
                        details: ["the loss left the finite numbers: the steps were too large for the weights they moved",
                                  "try a learning rate 10× smaller (--set train.learning_rate=…), or Adam, "
                                    + "or an initializer that keeps activations near unit size (he for ReLU nets)"],
                        weight: 100)]
    }

    static func collapse(_ record: RunRecord, _ rows: [MetricsLog.Row]) -> [Finding] {
        guard let mean = record.meanFaceRMSEPixels, mean > 0, let best = record.bestValidationRMSEPixels else { return [] }
        let final = rows.last?.validationRMSEPixels ?? best
        guard record.neverBeatTheMeanFace || record.collapsed != nil else { return [] }
        let spread = rows.last?.outputSpread ?? .nan
        // A collapsed output that still beat the mean face (a collapse late in a run) is said as such.
        var summary = (record.neverBeatTheMeanFace ? "it never beat the mean face" : "its output collapsed")
            + ": best \(fixed(best, decimals: 3)) px against the mean face's \(fixed(mean, decimals: 3)) px"
        if final >= 1.5 * mean {
            summary += "; at the end \(fixed(final, decimals: 2)) px, \(fixed(final / mean, decimals: 1))× worse than the mean face"
        }
        var details = ["predicting every face's keypoints at their training means scores \(fixed(mean, decimals: 3)) px: "
                       + "a net that does no better has learnt nothing from the images"]
        if spread.isFinite {
            details.append("output_spread \(String(format: "%.3g", spread)) at the last epoch: the predictions vary from face to "
                           + "face \(spread < 0.1 ? "hardly at all (below 0.1: collapsed)" : "about as the keypoints do")")
        }
        return [Finding(kind: record.neverBeatTheMeanFace ? .noBetterThanMeanFace : .collapsed, summary: summary,
                        details: details, weight: 90)]
    }

    /// A cascade's level-2 nets whose output collapsed (`CollapseDetector` on each net's own
    /// `level2/<group>/metrics.csv`): each moves its keypoints from level 1's prediction by the
    /// same offset whatever its patch shows, so they keep level 1's error (or worse). The
    /// cascade's own output still varies with level 1's, so its `output_spread` cannot show it.
    /// `experiment`: the cascade's configuration, when it reads (it decides the remedies).
    static func level2Collapse(_ record: RunRecord, _ folder: RunFolder, _ experiment: CascadeExperiment?) -> [Finding] {
        let collapsed = Self.collapsedLevel2Nets(of: record, in: folder)
        guard let cascade = record.cascade, !collapsed.isEmpty else { return [] }
        let count = collapsed.count < cascade.groups.count ? "\(collapsed.count) of its \(cascade.groups.count)"
            : collapsed.count == 2 ? "both" : "all \(collapsed.count)"
        let names = collapsed.map(\.group).joined(separator: ", ")
        var remedies = "try a learning rate 10× smaller (--set train.learning_rate=…)"
        if let experiment, experiment.cascade.model.initializer.scheme != .he {
            remedies += " or He initialisation (--set cascade.model.init.weights=he)"
        }
        return [Finding(kind: .collapsed,
                        summary: "\(count) level-2 nets collapsed: \(names) predict\(collapsed.count == 1 ? "s" : "") the same "
                            + "offset for every face",
                        details: collapsed.map { net in
                            "\(net.group): output_spread below \(CollapseDetector.threshold) since epoch \(net.since) "
                                + "(\(String(format: "%.3g", net.spread)) at the last)"
                        } + ["each net's curve is its level2/<group>/metrics.csv; a collapsed net's keypoints keep level 1's error "
                             + "(their columns in metrics.csv); the usual cause is dead "
                             + "ReLUs after first steps too large: \(remedies)"],
                        weight: 80)]
    }

    /// A cascade's level-2 nets whose own curve shows a collapse lasting to its last epoch, or
    /// to epoch `epochs` when given (`diagnose --try` compares trials over their epochs).
    public static func collapsedLevel2Nets(of record: RunRecord, in folder: RunFolder, epochs: Int? = nil)
        -> [(group: String, since: Int, spread: Double)] {
        (record.cascade?.groups ?? []).compactMap { group in
            guard let rows = (try? MetricsLog.read(path: folder.level2Net(group).metrics)).map({ Array($0.prefix(epochs ?? $0.count)) }),
                  let since = CollapseDetector.onset(spreads: rows.map(\.outputSpread)) else { return nil }
            return (group, since, rows.last!.outputSpread)
        }
    }

    static func stepSize(_ experiment: Experiment?, _ layers: [DiagnosticsLog.Row]) -> [Finding] {
        let ratios = layers.map(\.weight.updateRatio).filter { $0.isFinite && $0 > 0 }.sorted()
        let median = ratios.isEmpty ? nil : ratios[ratios.count / 2]
        var details: [String] = []
        var weight = 0.0
        var summary: String?
        var kind = Finding.Kind.momentumForm
        if let median {
            let perLayer = layers.filter { $0.weight.updateRatio.isFinite }
                .map { "\($0.layer) \(String(format: "%.1e", $0.weight.updateRatio))" }.joined(separator: ", ")
            if median < typicalUpdateRatio / 30 {
                kind = .tinySteps
                summary = "the steps are tiny: each step moves the weights by about \(String(format: "%.0e", median)) of their size "
                    + "(median over layers; about \(String(format: "%.0e", typicalUpdateRatio)) is typical)"
                weight = min(85, 60 + 5 * log10(typicalUpdateRatio / median))
            } else if median > typicalUpdateRatio * 30 {
                kind = .hugeSteps
                summary = "the steps are huge: each step moves the weights by about \(String(format: "%.0e", median)) of their size "
                    + "(median over layers; about \(String(format: "%.0e", typicalUpdateRatio)) is typical)"
                weight = min(85, 60 + 5 * log10(median / typicalUpdateRatio))
            }
            details.append("weight update/weight ratio by layer at the last epoch: \(perLayer)")
        }
        if let experiment, case .sgd(let momentum?) = experiment.train.optimizer,
           momentum.form == .ema || momentum.form == .emaLagged {
            let m = momentum.coefficient.value(at: 0, of: experiment.train.epochs)
            let rate = experiment.train.learningRate.value(at: 0, of: experiment.train.epochs)
            details.append("the \(momentum.form.rawValue) momentum form scales every step by 1 − m = \(fixed(Double(1 - m), decimals: 2)): "
                           + "learning rate \(rate) steps like \(String(format: "%.2g", Double(rate * (1 - m)))) would with "
                           + "classic momentum; --set train.optimizer.sgd.form=classic gives the same rate \(String(format: "%.0f", Double(1 / (1 - m))))× the step")
            if summary == nil, median == nil {
                summary = "the \(momentum.form.rawValue) momentum form makes every step \(fixed(Double(1 - m), decimals: 2))× as long as "
                    + "the learning rate suggests"
                weight = 20
            } else {
                weight += 5
            }
        }
        guard let summary else { return [] }
        return [Finding(kind: kind, summary: summary, details: details, weight: weight)]
    }

    /// The layers at least half of whose units are dead, with that fraction, in layer order.
    static func mostlyDead(_ layers: [DiagnosticsLog.Row]) -> [(layer: String, fraction: Double)] {
        layers.compactMap { row in row.deadFraction.map { (row.layer, $0) } }.filter { $0.1 >= 0.5 }
    }

    static func deadUnits(_ layers: [DiagnosticsLog.Row]) -> [Finding] {
        let dead = mostlyDead(layers)
        guard let worst = dead.max(by: { $0.1 < $1.1 }) else { return [] }
        return [Finding(kind: .deadUnits, summary: "\(fixed(worst.1 * 100, decimals: 1))% of \(worst.0)'s units are dead: 0 for every probe face, "
                            + "so they pass no gradient and never recover",
                        details: ["dead fraction by layer at the last epoch: "
                                  + dead.map { "\($0.0) \(fixed($0.1 * 100, decimals: 1))%" }.joined(separator: ", "),
                                  "a learning rate too high at the start, or a negative bias, kills ReLU units; "
                                    + "a smaller rate, bias 0 or leaky_relu keeps them alive"],
                        weight: 40 + 30 * worst.1)]
    }

    /// Dropout fights over-fitting. A net that never beat the mean face under-fits, and at every
    /// step dropout silences a share of the few units that still pass a gradient.
    static func dropout(_ record: RunRecord, _ experiment: Experiment?, _ layers: [DiagnosticsLog.Row]) -> [Finding] {
        guard record.neverBeatTheMeanFace, let model = experiment?.model else { return [] }
        let dropouts = dropoutLayers(model)
        guard let strongest = dropouts.map(\.rate).max() else { return [] }
        var details = ["dropout fights over-fitting; a net no better than the mean face under-fits, and each step dropout "
                       + "silences up to \(fixed(Double(strongest) * 100, decimals: 0))% of the units that still pass a gradient"]
        if let dead = mostlyDead(layers).max(by: { $0.fraction < $1.fraction }) {
            details.append("with \(fixed(dead.1 * 100, decimals: 1))% of \(dead.0)'s units already dead, few are left to drop")
        }
        details.append("to train without it: " + dropouts.map { "--set model.layers.\($0.index).dropout=0" }.joined(separator: " "))
        let list = dropouts.map { "\($0.name) (model.layers.\($0.index)) \($0.rate)" }.joined(separator: ", ")
        return [Finding(kind: .dropout, summary: "dropout in a net that learns nothing: \(list)", details: details,
                        weight: 50 + 36 * Double(strongest))]
    }

    /// The dropout layers with a rate above 0: position in `model.layers` (as `check` and
    /// `--set model.layers.N` count), name and rate.
    static func dropoutLayers(_ model: ModelSpec) -> [(index: Int, name: String, rate: Float)] {
        guard let names = model.layerNames else { return [] }
        return model.layers.indices.compactMap { index in
            model.layers[index].dropoutRate.flatMap { $0 > 0 ? (index, names[index], $0) : nil }
        }
    }

    static func biasShare(_ layers: [DiagnosticsLog.Row]) -> [Finding] {
        guard let output = layers.last, output.biasShare.isFinite, output.biasShare > 0.9 else { return [] }
        return [Finding(kind: .biasShare, summary: "the output's bias does the work: bias share \(fixed(output.biasShare, decimals: 3)) in "
                            + "\(output.layer), so what the layers below say hardly changes the prediction",
                        details: ["bias share = rms(bias) / (rms(bias) + rms(W·x)); near 1 the output is the same face "
                                  + "whatever the image: the bias holds the mean face"],
                        weight: 45 + 20 * output.biasShare)]
    }

    static func activations(_ layers: [DiagnosticsLog.Row]) -> [Finding] {
        var findings: [Finding] = []
        if let vanishing = layers.first(where: { $0.activationStandardDeviation.isFinite && $0.activationStandardDeviation < 1e-4 }) {
            findings.append(Finding(kind: .vanishingActivations, summary: "activations vanish: \(vanishing.layer)'s outputs vary by "
                                        + "\(String(format: "%.1e", vanishing.activationStandardDeviation)) across the probe faces",
                                    details: ["an initializer scaled for the layer (he for ReLU, xavier otherwise) keeps them near 1"],
                                    weight: 35))
        }
        if let exploding = layers.first(where: { $0.activationStandardDeviation.isFinite && $0.activationStandardDeviation > 1e3 }) {
            findings.append(Finding(kind: .explodingActivations, summary: "activations explode: \(exploding.layer)'s outputs vary by "
                                        + "\(String(format: "%.1e", exploding.activationStandardDeviation))",
                                    details: ["a smaller initializer scale or batch normalisation keeps them near 1"], weight: 35))
        }
        let gradients = layers.map(\.weight.gradientNorm).filter(\.isFinite)
        if let first = layers.first, first.weight.gradientNorm.isFinite, let largest = gradients.max(), largest > 0,
           first.weight.gradientNorm < largest * 1e-4 {
            findings.append(Finding(kind: .vanishingGradients, summary: "gradients vanish before they reach \(first.layer): its gradient norm "
                                        + "\(String(format: "%.1e", first.weight.gradientNorm)) against \(String(format: "%.1e", largest)) "
                                        + "at the largest", details: [], weight: 30))
        }
        return findings
    }

    static func overfitting(_ record: RunRecord, _ rows: [MetricsLog.Row]) -> [Finding] {
        // A net that never beat the mean face has nothing to over-fit: its story is the collapse.
        if record.neverBeatTheMeanFace { return [] }
        guard let bestEpoch = record.bestEpoch, let best = record.bestValidationRMSEPixels, let last = rows.last,
              last.epoch >= bestEpoch + 3, last.validationRMSEPixels.isFinite, last.validationRMSEPixels > best * 1.05,
              let atBest = rows.first(where: { $0.epoch == bestEpoch }), last.trainLoss < atBest.trainLoss else { return [] }
        let rise = (last.validationRMSEPixels / best - 1) * 100
        return [Finding(kind: .overfitting, summary: "it over-fits: validation was best at epoch \(bestEpoch) (\(fixed(best, decimals: 3)) px) and rose "
                            + "\(String(format: "%.0f", rise))% by epoch \(last.epoch) while the training loss kept falling",
                        details: ["training loss \(String(format: "%.3g", atBest.trainLoss)) → \(String(format: "%.3g", last.trainLoss)); "
                                  + "the best weights (model.best.kpw) are kept",
                                  "more augmentation, dropout, l2, or early stopping (train.early_stopping) spend the epochs better"],
                        weight: 25 + min(rise, 50) / 2)]
    }
}
