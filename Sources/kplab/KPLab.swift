import ArgumentParser
import Runner

@main
struct KPLab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kplab",
        abstract: "Facial keypoint detection experiments: describe them in YAML, train on the CPU, compare.",
        version: kplabVersion,
        subcommands: [CheckCommand.self, SweepCommand.self]
    )
}
