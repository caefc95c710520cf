import ArgumentParser
import Engine
import Results

@main
struct KPLab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kplab",
        abstract: "Facial keypoint detection experiments: describe them in YAML, train on the CPU, compare.",
        version: kplabVersion,
        subcommands: [CheckCommand.self, RunCommand.self, SweepCommand.self, CompareCommand.self, ReproduceCommand.self,
                      EvaluateCommand.self, PredictCommand.self, ShowCommand.self,
                      SynthCommand.self, InspectCommand.self, BenchCommand.self]
    )

    /// Chooses OpenBLAS's kernel before anything else runs: this may re-execute the
    /// process once with OPENBLAS_CORETYPE set (see `BLASKernel`).
    static func main() {
        BLASKernel.ensureFastKernel(arguments: CommandLine.arguments)
        main(nil)
    }
}
