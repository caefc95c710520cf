import Foundation
import YAML

/// What `kplab sweep PATH…` will run: every run of every input, in order, each once.
///
/// An input is an experiment file (one run), a sweep file (recognised by a top-level `base:`,
/// `grid:` or `variants:`; see `Sweep`), or a folder, which contributes every `*.yaml` and
/// `*.yml` directly inside it in sorted order. The order of the runs is the order of the
/// inputs, then each sweep's expansion order, so every machine that expands the same inputs
/// numbers the runs alike.
public struct SweepPlan: Sendable {
    public var runs: [SweepRun]
    /// Runs dropped because an earlier run has the same configuration (the same run-id):
    /// each pair is (the dropped run, the index in `runs` of the one kept).
    public var duplicates: [(run: SweepRun, keptIndex: Int)]

    /// Reads and expands every input, applying the command line's `overrides` to every run.
    ///
    /// - Throws: every problem in every file (each distinct one once), so that nothing starts
    ///   until all inputs are right.
    /// - Parameter grid: `--grid key=a,b` axes: every experiment file becomes the sweep
    ///   `base: FILE` with this grid (the same expansion, run-ids and skipping as a sweep file).
    public static func load(paths: [String], overrides: [Override] = [], grid: [GridAxis] = []) throws(SweepProblems) -> SweepPlan {
        var runs: [SweepRun] = [], problems: [Diagnostic] = []
        for file in experimentFiles(in: paths, problems: &problems) {
            do {
                runs += try expand(file: file, overrides: overrides, grid: grid)
            } catch {
                problems += error.diagnostics.filter { !problems.contains($0) }
            }
        }
        guard problems.isEmpty else { throw SweepProblems(problems) }
        var plan = SweepPlan(runs: [], duplicates: [])
        var indexByRunID: [String: Int] = [:]
        for run in runs {
            if let kept = indexByRunID[run.runID] {
                plan.duplicates.append((run, kept))
            } else {
                indexByRunID[run.runID] = plan.runs.count
                plan.runs.append(run)
            }
        }
        return plan
    }

    private static func expand(file: String, overrides: [Override], grid: [GridAxis]) throws(SweepProblems) -> [SweepRun] {
        var document: Document
        do {
            document = try Document(contentsOfFile: file)
        } catch {
            throw SweepProblems([(error as? Diagnostic) ?? Diagnostic(path: file, mark: nil, message: "\(error)", sourceLine: nil)])
        }
        do {
            guard !ExperimentFile.isCascade(document.root) else {
                throw Diagnostic(path: file, mark: nil, message: Sweep.cascadeRefused("this file"), sourceLine: nil)
            }
            if !grid.isEmpty {
                guard !Sweep.isSweep(document.root) else {
                    throw Diagnostic(path: file, mark: nil, message: "--grid applies to experiment files; this is a sweep file: "
                                         + "add the axis to its grid", sourceLine: nil)
                }
                // The sweep a user would write: `base: FILE` and the grid, in a text of its own.
                let base = absolute(file, relativeToFolderOf: nil)
                let text = "base: '\(base.replacingOccurrences(of: "'", with: "''"))'\ngrid:\n"
                    + grid.map { "  \($0.key): [\($0.values.joined(separator: ", "))]\n" }.joined()
                document = try Document(bytes: Array(text.utf8), path: "--grid (on \(file))")
            }
            if Sweep.isSweep(document.root) {
                return try Sweep(decoding: document.root, source: document.source, path: file).expand(overrides: overrides)
            }
            let experiment = try Experiment(decoding: document.root.applying(overrides), source: document.source,
                                            defaultName: fileStem(file), overrides: overrides)
            guard experiment.seed != nil else {
                throw Diagnostic(path: file, mark: nil,
                                 message: "no seed, so the run would draw one at random and the sweep's comparison "
                                     + "could not be repeated; add 'seed: N' (or --set seed=N)", sourceLine: nil)
            }
            return [SweepRun(experiment: experiment, origin: file, settings: [])]
        } catch let problems as SweepProblems {
            throw problems
        } catch let diagnostic as Diagnostic {
            throw SweepProblems([diagnostic])
        } catch {
            throw SweepProblems([Diagnostic(path: file, mark: nil, message: "\(error)", sourceLine: nil)])
        }
    }

    /// The files the inputs stand for: folders listed (sorted), files as given.
    static func experimentFiles(in paths: [String], problems: inout [Diagnostic]) -> [String] {
        var files: [String] = []
        for path in paths {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
                problems.append(Diagnostic(path: path, mark: nil, message: "no such file or folder", sourceLine: nil))
                continue
            }
            guard isFolder.boolValue else {
                files.append(path)
                continue
            }
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [])
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
            if names.isEmpty {
                problems.append(Diagnostic(path: path, mark: nil, message: "the folder holds no .yaml files", sourceLine: nil))
            }
            let folder = path.hasSuffix("/") ? path : path + "/"
            files += names.map { folder + $0 }
        }
        return files
    }
}

/// One `--grid key=a,b,…` of `kplab sweep`: a key and its values, as YAML texts.
public struct GridAxis: Sendable, Equatable {
    public var key: String
    public var values: [String]

    /// Parses `key=a,b,…`; commas inside brackets or braces (`{sgd: {momentum: 0.9}}`) stay in their value.
    public init(parsing text: String) throws(Diagnostic) {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
            throw Diagnostic(path: "--grid \(text)", mark: nil, message: "expected key=value,value,… e.g. "
                             + "--grid model.init.weights=xavier,he", sourceLine: nil)
        }
        key = String(text[..<equals])
        var values: [String] = [], current = "", depth = 0
        for character in text[text.index(after: equals)...] {
            if "[{".contains(character) { depth += 1 }
            if "]}".contains(character) { depth -= 1 }
            if character == ",", depth == 0 {
                values.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
            } else {
                current.append(character)
            }
        }
        values.append(current.trimmingCharacters(in: .whitespaces))
        guard key.allSatisfy({ $0.isLetter || $0.isNumber || "._-".contains($0) }), !values.contains(where: \.isEmpty) else {
            throw Diagnostic(path: "--grid \(text)", mark: nil, message: "expected key=value,value,… with no empty value, "
                             + "e.g. --grid seed=1,2,3", sourceLine: nil)
        }
        self.values = values
    }
}
