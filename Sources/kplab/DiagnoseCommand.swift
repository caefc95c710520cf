import ArgumentParser
import Reports
import Results

/// `kplab diagnose RUN`: why a run fails, from what it recorded.
struct DiagnoseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diagnose",
        abstract: "Say, with the run's own numbers, what is wrong with a run and why.",
        discussion: """
            Reads the run's folder — run.json, metrics.csv, config.yaml and, when the run was \
            trained with --diagnostics, diagnostics.csv — and lists what it finds, strongest \
            evidence first: divergence; a net that never beat the mean face (every keypoint at \
            its training mean); steps too small or too large for the weights (update/weight \
            ratios; the momentum form); dead ReLU units; an output whose bias does all the work; \
            vanishing or exploding activations and gradients; over-fitting. A run with nothing \
            wrong gets one line saying so, with its margin over the mean face.

            Exit status: 0 when it could read the run, 1 when not.
            """)

    @Argument(help: ArgumentHelp("The run folder, results/<experiment>/<run-id>.", valueName: "run"))
    var runFolder: String

    func run() throws {
        let diagnosis = try reportingFailures { try Diagnosis(folder: RunFolder(path: runFolder)) }
        print(diagnosis.text)
    }
}
