import ArgumentParser
import Foundation
import Reports
import Results

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare finished (or running) runs: one table, and optionally a plot and an HTML report.",
        discussion: """
        Each PATH may be a run folder (results/<experiment>/<run-id>), an experiment folder or a \
        whole results folder; every folder holding a run.json below it is compared. The table \
        shows the configuration keys that differ between the runs (the layer list as one \
        architecture column, model.layers), then the best validation RMSE in pixels, the mean \
        face's (every keypoint at its training mean: the bar to beat), the best epoch, the final \
        training and validation loss, epochs run, status (flagging a run no better than the \
        mean face), wall time and training images per second, sorted by best RMSE. Runs on \
        different faces (data fingerprints) get a data column and a note: their RMSEs do not \
        compare.

        Keys are the dotted paths of the resolved config.yaml: train.learning_rate, \
        model.init.weights, seed, model.layers (the architecture text) …

        Examples:
          kplab compare results/
          kplab compare results/init-sweep --group-by model.init.weights
          kplab compare results/ --where model.init.weights=he --format csv > he.csv
          kplab compare results/ --plot curves.svg --html report.html
          kplab compare results/init-sweep --plot init.svg --diagnostics
          kplab evaluate $(kplab compare results/sweep --best 3 --paths) --data faces.csv

        The status reads `completed, collapsed` for a run whose output collapsed (its \
        predictions barely vary from face to face; see output_spread in metrics.csv).
        """
    )

    @Argument(help: ArgumentHelp("Run folders, experiment folders or results folders.", valueName: "path"))
    var paths: [String]

    @Option(name: .customLong("where"),
            help: ArgumentHelp("Keep runs whose config has key=value (or key!=value). Repeat it: the same key "
                               + "repeated means any of the values, different keys must all hold.",
                               valueName: "key=value"))
    var filters: [String] = []

    @Option(name: .customLong("group-by"),
            help: ArgumentHelp("Group runs by these comma-separated keys and show mean ± std over each group "
                               + "(e.g. over seeds).", valueName: "key[,key…]"))
    var groupBy: String?

    @Option(help: ArgumentHelp("Show only these columns (comma-separated keys or titles, e.g. seed,best_val_rmse_px,status), after the run.", valueName: "a,b,…"))
    var columns: String?

    @Option(help: ArgumentHelp("Keep only the k runs with the lowest best validation RMSE.", valueName: "k"))
    var best: Int?

    @Flag(name: .customLong("paths"), help: "Print the run folders alone, best first, one per line (for evaluate, predict or show as an ensemble).")
    var printsPaths = false

    @Option(help: "Output format: table (aligned text), csv, json or markdown.")
    var format: Comparison.Format = .table

    @Option(help: ArgumentHelp("Write the per-epoch curves as SVG to this file: validation and training RMSE in pixels, with the mean face's as a line (--losses: the normalised losses).", valueName: "file.svg"))
    var plot: String?

    @Flag(help: "With --plot: draw the normalised losses (as metrics.csv records them) instead of RMSE in pixels.")
    var losses = false

    @Flag(help: ArgumentHelp("With --plot: draw each run's diagnostics panel under the curves (activation std per layer, "
                             + "dead ReLU units, weight gradient norms, bias share; from diagnostics.csv, written by "
                             + "`kplab run --diagnostics`)."))
    var diagnostics = false

    @Option(help: ArgumentHelp("Write a self-contained HTML report (table and curves) to this file.",
                               valueName: "file.html"))
    var html: String?

    func validate() throws {
        if let best, best < 1 { throw ValidationError("--best must be at least 1, got \(best)") }
        if printsPaths && (groupBy != nil || plot != nil || html != nil) {
            throw ValidationError("--paths prints run folders alone: leave out --group-by, --plot and --html")
        }
        if losses && plot == nil {
            throw ValidationError("--losses changes the plot: add --plot FILE.svg")
        }
        if diagnostics && plot == nil {
            throw ValidationError("--diagnostics draws into the plot: add --plot FILE.svg")
        }
        if let plot { try PathChecks.outputFile(plot, option: "--plot") }
        if let html { try PathChecks.outputFile(html, option: "--html") }
    }

    func run() throws {
        let discovery = try RunDiscovery.load(paths: paths)
        for warning in discovery.warnings { printError("warning: " + warning) }
        let groupKeys = (groupBy ?? "").split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        let comparison = try Comparison(runs: discovery.runs, filters: try filters.map(RunFilter.init(parsing:)),
                                        groupKeys: groupKeys, best: best,
                                        columns: columns.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } })
        if printsPaths {
            print(comparison.runs.map(\.folder).joined(separator: "\n"))
            return
        }
        print(comparison.text(format), terminator: "")
        if let note = comparison.dataNote { printError(note) }
        fflush(stdout)  // the table before the "wrote …" lines, also when stdout is a pipe
        if let plot {
            let measure: CurvePlot.Measure = losses ? .loss : .pixels
            try writeAtomically(diagnostics ? comparison.curvesWithDiagnostics(measure: measure) : comparison.curves(measure: measure).svg,
                                to: plot)
            printError("wrote \(plot)")
        }
        if let html {
            let command = (["kplab"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
            try writeAtomically(comparison.html(command: command), to: html)
            printError("wrote \(html)")
        }
    }
}

extension Comparison.Format: ExpressibleByArgument {}
