import ArgumentParser
import Experiments

/// What kplab checks of the raw command line before the argument parser sees it: the
/// mistakes the parser lets through or answers unhelpfully.
enum CommandLineChecks {
    /// Refuses an unknown command (naming the closest one), `help` for a command that does not
    /// exist (the parser would print the main help and exit 0), and empty arguments: nothing
    /// kplab takes means anything when empty, and an empty path would silently mean the
    /// working folder (`--out ''` trained into it).
    /// - Parameter arguments: the command line without the program's name.
    /// - Throws: `ValidationError`, a usage error (exit status 2).
    static func check(_ arguments: [String], root: ParsableCommand.Type) throws {
        try checkEmptyValues(arguments)
        guard let first = arguments.first, !first.hasPrefix("-") else { return }
        if first == "help" {
            var command = root
            for name in arguments.dropFirst() where !name.hasPrefix("-") {
                guard let next = subcommand(name, of: command) else {
                    throw ValidationError("help: \(unknownCommand(name, of: command))")
                }
                command = next
            }
        } else if subcommand(first, of: root) == nil {
            throw ValidationError(unknownCommand(first, of: root))
        }
    }

    /// The argument parser reads `-1` as a short option, so `--threads -1` would say "Missing
    /// value" instead of what is wrong with -1. Joined as `--threads=-1`, the number reaches
    /// the option and its own check. (No kplab option takes a negative number, and no value
    /// starts with a digit after a dash otherwise.)
    static func joiningNegativeNumbers(_ arguments: [String]) -> [String] {
        var joined: [String] = []
        var options = true  // until "--", after which everything is positional
        for argument in arguments {
            if argument == "--" { options = false }
            if options, isNegativeNumber(argument), let previous = joined.last, isLongOptionWithoutValue(previous) {
                joined[joined.count - 1] = previous + "=" + argument
            } else {
                joined.append(argument)
            }
        }
        return joined
    }

    private static func checkEmptyValues(_ arguments: [String]) throws {
        let hint = "give a value (an empty path would mean the working folder)"
        for (index, argument) in arguments.enumerated() {
            if argument.isEmpty {
                throw ValidationError(index == 0 ? "the first argument is empty: give a command"
                                                 : "empty argument after '\(arguments[index - 1])': \(hint)")
            }
            if isLongOption(argument), argument.hasSuffix("="), argument.firstIndex(of: "=") == argument.index(before: argument.endIndex) {
                throw ValidationError("'\(argument)' has an empty value: \(hint)")
            }
        }
    }

    private static func subcommand(_ name: String, of command: ParsableCommand.Type) -> ParsableCommand.Type? {
        command.configuration.subcommands.first { $0._commandName == name }
    }

    /// "unknown command 'rnu' (did you mean 'run'?)"
    private static func unknownCommand(_ name: String, of command: ParsableCommand.Type) -> String {
        let names = command.configuration.subcommands.map { $0._commandName }
        if names.isEmpty { return "'\(command._commandName)' has no command '\(name)'" }
        if name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            return "unknown command '\(name)' (to train it: kplab run \(name))"
        }
        return "unknown command '\(name)'" + (closest(to: name, among: names).map { " (did you mean '\($0)'?)" } ?? "")
    }

    /// The command that starts with `name` (when only one does), else the one an experiment
    /// file's did-you-mean would suggest (`Experiments.suggestion`).
    static func closest(to name: String, among names: [String]) -> String? {
        let extending = names.filter { $0.hasPrefix(name) }
        return extending.count == 1 ? extending[0] : suggestion(for: name, among: names)
    }

    private static func isLongOption(_ argument: String) -> Bool {
        argument.hasPrefix("--") && argument.count > 2
    }

    private static func isLongOptionWithoutValue(_ argument: String) -> Bool {
        isLongOption(argument) && !argument.contains("=")
    }

    /// `-1`, `-0.5`, `-.5`, `-1e3`: a dash, then a digit (or a point and a digit).
    private static func isNegativeNumber(_ argument: String) -> Bool {
        let rest = argument.utf8.dropFirst()
        guard argument.hasPrefix("-"), let next = rest.first else { return false }
        if next == UInt8(ascii: ".") { return rest.dropFirst().first.map { (0x30...0x39).contains($0) } ?? false }
        return (0x30...0x39).contains(next)
    }
}
