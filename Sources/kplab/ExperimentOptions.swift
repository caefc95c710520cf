import ArgumentParser
import Experiments
import YAML

/// The options every command that reads experiment files shares (check, run, sweep).
struct ExperimentOptions: ParsableArguments {
    @Option(name: .customLong("set"),
            help: ArgumentHelp("Override one field of every experiment, typed like the file: "
                               + "'train.epochs=3', 'model.init.weights=he', 'model.layers.0.conv.filters=16', "
                               + "'train.learning_rate={linear: {from: 0.03, to: 0.0001}}', 'seed=' (empty: the default). "
                               + "Repeatable; later ones win.",
                               valueName: "dotted.key=value"))
    var overrides: [String] = []

    /// The parsed overrides; when any does not parse, prints every problem to standard error
    /// and exits with status 2 (the status of every invalid-input error).
    func parsedOverrides() throws -> [Override] {
        var parsed: [Override] = [], problems: [Diagnostic] = []
        for text in overrides {
            do {
                parsed.append(try Override(parsing: text))
            } catch {
                problems.append(error)
            }
        }
        guard problems.isEmpty else {
            problems.forEach { printError($0.description) }
            throw ExitCode(2)
        }
        return parsed
    }
}
