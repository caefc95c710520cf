import ArgumentParser
import Engine
import Foundation
import Results

@main
struct KPLab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kplab",
        abstract: "Facial keypoint detection experiments: describe them in YAML, train on the CPU, compare.",
        version: kplabVersion,
        subcommands: [CheckCommand.self, RunCommand.self, SweepCommand.self, CompareCommand.self, ReproduceCommand.self,
                      EvaluateCommand.self, PredictCommand.self, ShowCommand.self,
                      DiagnoseCommand.self, ServeCommand.self, SynthCommand.self, InspectCommand.self, BenchCommand.self]
    )

    /// Checks the command line (`CommandLineChecks`), parses it and runs the command.
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            try CommandLineChecks.check(arguments, root: self)
            var command = try parseAsRoot(CommandLineChecks.joiningNegativeNumbers(arguments))
            try command.run()
        } catch {
            exit(reporting: error)
        }
    }

    /// `exit(withError:)` with one difference: a usage error exits with status 2, as the
    /// README and every help page promise, not the parser's 64 (EX_USAGE).
    static func exit(reporting error: Error) -> Never {
        let status = exitCode(for: error)
        let text = fullMessage(for: error)
        if !text.isEmpty {
            // Help and --version are answers, not errors: standard output, as the parser does.
            if status.isSuccess { print(text) } else { printError(text) }
        }
        Foundation.exit(status == .validationFailure ? 2 : status.rawValue)
    }
}
