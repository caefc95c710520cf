@testable import Experiments
import YAML

/// The minimal experiment (`model: {layers: [flatten, {dense: 30}]}`, `train: {epochs: 1}`)
/// with `lines` in place of the section they name, or added when it is not there yet; a
/// list replaces the whole document.
func minimalExperiment(with lines: String) -> String {
    if lines.hasPrefix("[") { return lines }
    var sections = ["model": "model: {layers: [flatten, {dense: 30}]}", "train": "train: {epochs: 1}"]
    if !lines.isEmpty { sections[String(lines.prefix { $0 != ":" })] = lines }
    return ["name", "seed", "data", "model", "train"].compactMap { sections[$0] }.joined(separator: "\n")
}

/// The first line of the error from decoding `minimalExperiment(with: lines)` as `x.yaml`
/// with `sets` applied, without the `x.yaml:` in front of a file position; nil when it
/// decodes. The caret lines follow from the position (BadFileTests checks those).
func firstLineOfError(_ lines: String, _ sets: [String]) -> String? {
    do {
        var overrides: [Override] = []
        for text in sets { overrides.append(try Override(parsing: text)) }
        _ = try Experiment.decode(text: minimalExperiment(with: lines), path: "x.yaml", overrides: overrides)
        return nil
    } catch {
        let first = String(error.description.prefix { $0 != "\n" })
        return first.hasPrefix("x.yaml:") ? String(first.dropFirst("x.yaml:".count)) : first
    }
}
