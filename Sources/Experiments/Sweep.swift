import YAML

/// A sweep file: one or more base experiments, settings fixed for every run, and the settings
/// that vary — a grid (every combination of its values) and/or a list of variants.
///
///     base: ../cnn4.yaml                  # a path relative to this file, a list of them, or an inline experiment
///     name: init-{model.init.weights}     # optional: the runs' experiment name (see `nameTemplate`)
///     set: {train.epochs: 30}             # optional: dotted keys applied to every run
///     grid:                               # every combination: 2 × 2 × 3 = 12 runs
///       model.init.weights: [xavier, he]
///       model.init.distribution: [normal, uniform]
///       seed: [1, 2, 3]
///     variants:                           # optional: each one run (× the grid when both are given)
///       - {train.optimizer: adam}
///       - {train.optimizer: {sgd: {momentum: 0.9}}, train.learning_rate: 0.03}
///
/// Expansion order is fixed, so that run *k* is the same run on every machine (`--shard`):
/// bases in the order given, then variants in the order listed, then the grid as nested loops
/// written in file order — the first key changes slowest, the last key fastest.
///
/// Each run is its base with these applied in order (a later one wins): the name template,
/// `set`, the variant, the grid point, then the command line's `--set`.
public struct Sweep: Sendable {
    /// One base experiment, not yet decoded: a sweep's settings are spliced into its tree first.
    public struct Base: Sendable {
        public var root: Node
        /// The text `root`'s marks point into (the base file, or the sweep file for an inline base).
        public var source: SourceText
        /// The name when the experiment gives none: its file's name, or the sweep's for an inline base.
        public var defaultName: String

        /// `name:` as written in the base, else `defaultName`; the `{name}` of a name template.
        public var name: String {
            root.mapping?.first(where: { $0.key.scalar?.text == "name" })?.value.scalar?.text ?? defaultName
        }
    }

    /// One dotted key and its value as written in the sweep file.
    public struct Setting: Sendable {
        /// As written: `model.init.weights`.
        public var key: String
        public var keyPath: [String]
        public var value: Node
        /// Where the key is written, for errors about the key itself (unknown, not settable).
        public var keyMark: Mark

        /// `key=value`, the value in YAML flow style: `seed=2`, `train.optimizer={sgd: {momentum: 0.9}}`.
        public var text: String { "\(key)=\(value.flowText)" }
    }

    /// One key of the grid and the values it takes.
    public struct Axis: Sendable {
        public var key: String
        public var keyPath: [String]
        public var keyMark: Mark
        public var values: [Node]

        func setting(_ index: Int) -> Setting {
            Setting(key: key, keyPath: keyPath, value: values[index], keyMark: keyMark)
        }
    }

    /// The sweep file's path, as given.
    public var path: String
    public var source: SourceText
    public var bases: [Base]
    /// `name:` — the experiment name of every run, with `{dotted.key}` replaced by the run's
    /// value for that key (as written in the sweep) and `{name}` by the base's name, e.g.
    /// `init-{model.init.weights}-{model.init.distribution}`. Without it every run keeps its
    /// base's name and runs differ by run-id (`results/<name>/<name>-<8 hex>/`).
    public var nameTemplate: Node?
    public var fixed: [Setting]
    public var grid: [Axis]
    public var variants: [[Setting]]

    /// The most runs one sweep may expand to. Each run is a decoded experiment kept in memory
    /// (and listed by `--dry-run`), so a grid of 10⁸ points would fill memory before anything
    /// ran; 10⁵ runs is already far more than one machine trains.
    public static let runLimit = 100_000

    /// How many runs the sweep expands to: bases × max(1, variants) × Π grid values (`Int.max`
    /// when that product does not fit an `Int`; decoding refuses more than `runLimit`).
    public var runCount: Int { product(runFactors) ?? Int.max }

    /// The factors of `runCount`: bases, variants (when any), then each grid axis's values.
    var runFactors: [Int] {
        [bases.count] + (variants.isEmpty ? [] : [variants.count]) + grid.map(\.values.count)
    }

    /// The grid's points in expansion order (first key slowest); one empty point when there is no grid.
    var gridPoints: [[Setting]] {
        var points: [[Setting]] = [[]]
        for axis in grid {
            points = points.flatMap { point in axis.values.indices.map { point + [axis.setting($0)] } }
        }
        return points
    }
}

extension Node {
    /// The node in YAML flow style on one line, for listings: `he`, `[8, 16]`,
    /// `{linear: {from: 0.03, to: 0.0001}}`; a quoted scalar keeps its quotes.
    public var flowText: String {
        switch content {
        case .scalar(let scalar):
            return scalar.isPlain ? scalar.text : "'\(scalar.text.replacingAll("'", with: "''"))'"
        case .sequence(let items):
            return "[" + items.map(\.flowText).joined(separator: ", ") + "]"
        case .mapping(let pairs):
            return "{" + pairs.map { "\($0.key.flowText): \($0.value.flowText)" }.joined(separator: ", ") + "}"
        }
    }
}

extension String {
    /// Without Foundation: every `target` replaced by `replacement`.
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = "", rest = Substring(self)
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound] + replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
