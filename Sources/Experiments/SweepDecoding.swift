import YAML

extension Sweep {
    static let keys = ["base", "name", "set", "grid", "variants"]

    /// True for a document that is a sweep rather than an experiment: its top level has a
    /// `grid:`, `variants:` or `base:` key (none of which an experiment has).
    public static func isSweep(_ root: Node) -> Bool {
        root.mapping?.contains { ["grid", "variants", "base"].contains($0.key.scalar?.text ?? "") } ?? false
    }

    /// Why a sweep cannot take a cascade (`what`: its file, or a base), and what to do instead.
    static func cascadeRefused(_ what: String) -> String {
        "\(what) is a cascade, and a sweep's runs are single networks: run the cascade once per "
            + "setting with kplab run --set (e.g. --set cascade.patch=32), or sweep its level 1's experiment"
    }

    /// Reads a sweep file and its base experiment files. The settings are checked only as
    /// dotted keys here; whether each value decodes is `expand(overrides:)`'s business.
    public static func load(contentsOfFile path: String) throws(Diagnostic) -> Sweep {
        let document: Document
        do {
            document = try Document(contentsOfFile: path)
        } catch {
            throw (error as? Diagnostic) ?? Diagnostic(path: path, mark: nil, message: "\(error)", sourceLine: nil)
        }
        return try Sweep(decoding: document.root, source: document.source, path: path)
    }

    /// Decodes a sweep from its document; `path` locates relative base paths.
    public init(decoding root: Node, source: SourceText, path: String) throws(Diagnostic) {
        let decoding = Decoding(source: source, overrides: [])
        let fields = try Fields(root, [], allowed: Self.keys,
                                expected: "a sweep: a mapping with keys \(listing(Self.keys))", decoding: decoding)
        self.path = path
        self.source = source
        let baseNode = try fields.required("base", example: "base: ../cnn4.yaml", decoding: decoding)
        bases = try Self.bases(baseNode, sweepPath: path, source: source, decoding: decoding)
        if let node = fields["name"] {
            _ = try decoding.string(node, ["name"])
            nameTemplate = node
        } else {
            nameTemplate = nil
        }
        fixed = try fields["set"].map { node throws(Diagnostic) in try Self.settings(node, what: "set", decoding: decoding) } ?? []
        grid = try fields["grid"].map { node throws(Diagnostic) in try Self.axes(node, decoding: decoding) } ?? []
        if let node = fields["variants"] {
            guard let items = node.sequence, !items.isEmpty else {
                throw decoding.error("variants must be a non-empty list of mappings of dotted keys, "
                                     + "e.g. variants: [{train.optimizer: adam}, {train.learning_rate: 0.03}]", at: node, path: [])
            }
            var variants: [[Setting]] = []
            for item in items { variants.append(try Self.settings(item, what: "each variant", decoding: decoding)) }
            self.variants = variants
        } else {
            variants = []
        }
        try checkRunCount(at: fields.keyNode("grid") ?? fields.keyNode("variants") ?? baseNode, decoding: decoding)
        try checkNameTemplate()
    }

    /// Counts the runs before anything expands them: a grid's runs are the product of its
    /// lists, so a few short lines can ask for 10⁹ runs.
    private func checkRunCount(at node: Node, decoding: Decoding) throws(Diagnostic) {
        let count = product(runFactors)
        guard let count, count <= Self.runLimit else {
            let factors = (bases.count > 1 ? ["\(bases.count) bases"] : [])
                + (variants.isEmpty ? [] : ["\(grouped(variants.count)) variants"])
                + (grid.isEmpty ? [] : [grid.map { grouped($0.values.count) }.joined(separator: " × ") + " grid values"])
            let total = count.map(grouped) ?? "more than \(grouped(Int.max))"
            throw decoding.error("the sweep expands to \(total) runs (\(factors.joined(separator: " × "))), more than "
                                 + "the \(grouped(Self.runLimit)) a sweep may have; split it into smaller sweeps",
                                 at: node, path: [])
        }
    }

    private static func bases(_ node: Node, sweepPath: String, source: SourceText,
                              decoding: Decoding) throws(Diagnostic) -> [Base] {
        if node.mapping != nil {
            guard !ExperimentFile.isCascade(node) else {
                throw decoding.error(cascadeRefused("this base"), at: node, path: [])
            }
            return [Base(root: node, source: source, defaultName: fileStem(sweepPath))]
        }
        let items = node.sequence ?? [node]
        guard !items.isEmpty else {
            throw decoding.error("base must name at least one experiment file", at: node, path: [])
        }
        var bases: [Base] = []
        for item in items {
            guard let written = item.scalar?.text, !item.isNull, !written.isEmpty else {
                throw decoding.error("expected a path to an experiment file (relative to this sweep), "
                                     + "a list of them, or an inline experiment mapping; found \(item.kindDescription)",
                                     at: item, path: [])
            }
            let path = resolve(written, relativeTo: sweepPath)
            let document: Document
            do {
                document = try Document(contentsOfFile: path)
            } catch let diagnostic as Diagnostic where diagnostic.mark == nil {
                throw decoding.error("base experiment '\(written)' (\(path)): \(diagnostic.message)", at: item, path: [])
            } catch {
                throw (error as? Diagnostic) ?? decoding.error("base experiment '\(written)': \(error)", at: item, path: [])
            }
            guard !isSweep(document.root) else {
                throw decoding.error("base '\(written)' is itself a sweep; a base must be an experiment file", at: item, path: [])
            }
            guard !ExperimentFile.isCascade(document.root) else {
                throw decoding.error(cascadeRefused("base '\(written)'"), at: item, path: [])
            }
            bases.append(Base(root: document.root, source: document.source, defaultName: fileStem(path)))
        }
        return bases
    }

    /// A mapping of dotted keys to values (`set:` or one variant).
    private static func settings(_ node: Node, what: String, decoding: Decoding) throws(Diagnostic) -> [Setting] {
        guard let pairs = node.mapping else {
            throw decoding.error("\(what) must be a mapping of dotted keys to values, e.g. {train.epochs: 5}, "
                                 + "found \(node.kindDescription)", at: node, path: [])
        }
        var settings: [Setting] = []
        for pair in pairs {
            let (key, keyPath) = try dottedKey(pair.key, decoding: decoding)
            settings.append(Setting(key: key, keyPath: keyPath, value: pair.value, keyMark: pair.key.mark))
        }
        return settings
    }

    private static func axes(_ node: Node, decoding: Decoding) throws(Diagnostic) -> [Axis] {
        guard let pairs = node.mapping else {
            throw decoding.error("grid must be a mapping of dotted keys to lists of values, "
                                 + "e.g. {model.init.weights: [xavier, he]}, found \(node.kindDescription)", at: node, path: [])
        }
        var axes: [Axis] = []
        for pair in pairs {
            let (key, keyPath) = try dottedKey(pair.key, decoding: decoding)
            guard let values = pair.value.sequence else {
                throw decoding.error("grid values of '\(key)' must be a list, e.g. [\(pair.value.flowText), …]; "
                                     + "to set one value for every run use 'set:'", at: pair.value, path: [])
            }
            guard !values.isEmpty else {
                throw decoding.error("grid key '\(key)' has no values, so the sweep would have no runs", at: pair.value, path: [])
            }
            axes.append(Axis(key: key, keyPath: keyPath, keyMark: pair.key.mark, values: values))
        }
        return axes
    }

    private static func dottedKey(_ node: Node, decoding: Decoding) throws(Diagnostic) -> (String, [String]) {
        guard let key = node.scalar?.text, !node.isNull else {
            throw decoding.error("a key must be a dotted name like train.epochs, found \(node.kindDescription)", at: node, path: [])
        }
        do {
            return (key, try Node.keyPath(key))
        } catch {
            throw decoding.error(error.message, at: node, path: [])
        }
    }

    /// Every `{…}` in the name template must be `name` or a key the sweep sets.
    private func checkNameTemplate() throws(Diagnostic) {
        guard let nameTemplate, let text = nameTemplate.scalar?.text else { return }
        let keys = ["name"] + fixed.map(\.key) + variants.flatMap { $0.map(\.key) } + grid.map(\.key)
        for placeholder in placeholders(in: text) where !keys.contains(placeholder) {
            let hint = suggestion(for: placeholder, among: keys).map { "did you mean '{\($0)}'?" }
                ?? "use {name} or one of the keys the sweep sets: \(listing(keys.map { "{\($0)}" }))"
            throw source.diagnostic(at: nameTemplate.mark, "'{\(placeholder)}' in the name is not a key of this sweep (\(hint))")
        }
    }
}

/// The `…` of every `{…}` in `text`, in order.
func placeholders(in text: String) -> [String] {
    var result: [String] = [], current: String?
    for character in text {
        if character == "{" {
            current = ""
        } else if character == "}", let name = current {
            result.append(name)
            current = nil
        } else if current != nil {
            current!.append(character)
        }
    }
    return result
}

/// `written` relative to the folder of `file` (unless it is absolute), with `.` and `name/..`
/// folded away: `../cnn4.yaml` in `experiments/sweeps/x.yaml` → `experiments/cnn4.yaml`.
func resolve(_ written: String, relativeTo file: String) -> String {
    guard !written.hasPrefix("/"), let slash = file.lastIndex(of: "/") else { return written }
    var parts: [Substring] = []
    for part in (file[...slash] + written).split(separator: "/", omittingEmptySubsequences: false) {
        if part == "." && !parts.isEmpty { continue }
        if part == "..", let last = parts.last, last != "..", last != "", last != "." {
            parts.removeLast()
            continue
        }
        parts.append(part)
    }
    return parts.joined(separator: "/")
}
