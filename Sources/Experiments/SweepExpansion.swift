import YAML

/// One run of a sweep: a complete experiment and what sets it apart from the others.
public struct SweepRun: Sendable {
    public var experiment: Experiment
    /// The file it came from: the sweep file, or a plain experiment file.
    public var origin: String
    /// The variant's and grid point's settings, `key=value` in the order applied
    /// (`model.init.weights=he`, `seed=2`); empty for a plain experiment file.
    public var settings: [String]

    public init(experiment: Experiment, origin: String, settings: [String]) {
        self.experiment = experiment
        self.origin = origin
        self.settings = settings
    }

    /// `<name>-<8 hex>`: the run's folder under `results/<name>/`.
    public var runID: String { experiment.runID }
}

extension Sweep {
    /// Every run of the sweep in expansion order (see `Sweep`), each decoded and checked like
    /// an experiment file, with the command line's `overrides` applied last.
    ///
    /// - Throws: every distinct problem, each once however many runs it spoils. An error in
    ///   a value from the sweep points at that value in the sweep file, an unknown or
    ///   unsettable key at the key; an error in a base file points into the base file.
    public func expand(overrides: [Override] = []) throws(SweepProblems) -> [SweepRun] {
        var runs: [SweepRun] = [], problems: [Diagnostic] = []
        func record(_ problem: Diagnostic) {
            if !problems.contains(problem) { problems.append(problem) }
        }
        // First each variant and each grid value alone on each base, keeping only the errors
        // that lie in the sweep: one bad key would otherwise fail every run first and hide the
        // others. Errors that need the other settings to make sense come from the full runs.
        let probes = variants + grid.flatMap { axis in axis.values.indices.map { [axis.setting($0)] } }
        for base in bases {
            for probe in probes {
                do {
                    _ = try run(base: base, varying: probe, overrides: overrides)
                } catch where error.isInSweep {
                    record(error.diagnostic)
                } catch {}
            }
        }
        guard problems.isEmpty else { throw SweepProblems(problems) }
        for base in bases {
            for variant in variants.isEmpty ? [[]] : variants {
                for point in gridPoints {
                    do {
                        runs.append(try run(base: base, varying: variant + point, overrides: overrides))
                    } catch {
                        record(error.diagnostic)
                    }
                }
            }
        }
        guard problems.isEmpty else { throw SweepProblems(problems) }
        return runs
    }

    /// A run's first problem, and whether it lies in the sweep file (a setting's key or value).
    private struct RunProblem: Error {
        var diagnostic: Diagnostic
        var isInSweep: Bool
    }

    private func run(base: Base, varying: [Setting], overrides: [Override]) throws(RunProblem) -> SweepRun {
        var settings = fixed + varying
        if let nameTemplate, let template = nameTemplate.scalar?.text {
            let name = Node(.scalar(Node.Scalar(text: renderName(template, base: base, settings: settings), isPlain: false)),
                            mark: nameTemplate.mark)
            settings.insert(Setting(key: "name", keyPath: ["name"], value: name, keyMark: nameTemplate.mark), at: 0)
        }
        // The decoder attributes an error to the most specific override covering its path, and
        // among equals to the first: the command line's come first because they are applied last.
        var root = base.root, attributions = overrides
        for (index, setting) in settings.enumerated() {
            let existing = root.existingDepth(along: setting.keyPath)
            do {
                root = try root.replacing(setting.keyPath, with: setting.value)
            } catch {
                throw RunProblem(diagnostic: source.diagnostic(at: setting.keyMark, error.message), isInSweep: true)
            }
            // Cover the first key the splice had to create, so that errors in the mappings it
            // made (not only in the value) are reported against the sweep rather than the base.
            attributions.append(Override(text: Self.marker + "\(index)", keyPath: Array(setting.keyPath.prefix(existing + 1)),
                                         value: setting.value, file: path))
        }
        let experiment: Experiment
        do {
            experiment = try Experiment(decoding: root.applying(overrides), source: base.source,
                                        defaultName: base.defaultName, overrides: attributions)
        } catch {
            throw located(error, settings: settings, varying: varying)
        }
        guard experiment.seed != nil else {
            throw RunProblem(diagnostic: Diagnostic(path: path, mark: nil, message: Self.missingSeed(experiment.name),
                                                    sourceLine: nil), isInSweep: false)
        }
        return SweepRun(experiment: experiment, origin: path, settings: varying.map(\.text))
    }

    /// The decoder's diagnostic, moved from a setting's marker to the place in the sweep file
    /// that holds the setting; an error in the base gains the run's settings as context.
    private func located(_ diagnostic: Diagnostic, settings: [Setting], varying: [Setting]) -> RunProblem {
        let prefix = "--set " + Self.marker
        guard diagnostic.path.hasPrefix(prefix), let index = Int(diagnostic.path.dropFirst(prefix.count)) else {
            if varying.isEmpty || diagnostic.path.hasPrefix("--set ") { return RunProblem(diagnostic: diagnostic, isInSweep: false) }
            var withContext = diagnostic
            withContext.message += " (in \(path) with \(varying.map(\.text).joined(separator: ", ")))"
            return RunProblem(diagnostic: withContext, isInSweep: false)
        }
        let setting = settings[index]
        // "unknown key 'model.init.weigths'" names the key (or a key on its way); anything
        // else is about the value.
        let isAboutKey = (1...setting.keyPath.count).contains { length in
            diagnostic.message.hasPrefix("unknown key '\(setting.keyPath.prefix(length).joined(separator: "."))'")
        }
        return RunProblem(diagnostic: source.diagnostic(at: isAboutKey ? setting.keyMark : setting.value.mark, diagnostic.message),
                          isInSweep: true)
    }

    /// Marks the overrides that stand for sweep settings; never shown to people.
    private static let marker = "\u{1}sweep-setting-"

    static func missingSeed(_ name: String) -> String {
        "the runs of '\(name)' have no seed, so each would draw one at random and the sweep's comparison could "
            + "not be repeated; add 'seed: N' to the base or a grid over seed (e.g. seed: [1, 2, 3])"
    }

    /// The template with `{name}` → the base's name and `{key}` → the last value set for `key`.
    private func renderName(_ template: String, base: Base, settings: [Setting]) -> String {
        var name = template
        for placeholder in Set(placeholders(in: template)) {
            let value = placeholder == "name"
                ? base.name
                : settings.last(where: { $0.key == placeholder }).map { $0.value.scalar?.text ?? $0.value.flowText } ?? ""
            name = name.replacingAll("{\(placeholder)}", with: value)
        }
        return name
    }
}

/// Every problem found in a sweep's inputs, in the order found; `description` is all of
/// them, one diagnostic after another.
public struct SweepProblems: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]
    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

extension Node {
    /// How many leading keys of `keyPath` already exist in this tree (a list index counts
    /// when it is in range), i.e. where a splice along it would start creating mappings.
    func existingDepth(along keyPath: [String]) -> Int {
        min(existingSteps(along: keyPath).count, keyPath.count - 1)
    }
}
