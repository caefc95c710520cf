import ArgumentParser
import Experiments
import Foundation
import Reports
import Results
import Training
import YAML

/// `kplab run FILE`: train one experiment into `results/<experiment>/<run-id>/`.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Train one experiment and record every epoch.",
        discussion: """
            The run goes to OUT/<experiment>/<run-id>/, where run-id is the experiment's name and \
            the first 8 hex digits of its resolved configuration's SHA-256: the same \
            configuration always maps to the same folder. It holds config.yaml (the resolved \
            experiment), metrics.csv (one row per epoch, written as each epoch ends), run.json \
            (the record), model.best.kpw and model.last.kpw (weights).

            A run that diverges (a non-finite loss, or a training loss above 1e6) stops at once \
            and is recorded as diverged. Ctrl-C or SIGTERM stops after the current batch, writes \
            a checkpoint and records the run as interrupted; --resume continues it and gives the \
            same metrics.csv as a run that was never stopped. A folder that already holds a run \
            is never overwritten without --overwrite.

            --diagnostics (or train.diagnostics: true) also writes diagnostics.csv: per epoch and \
            parameterised layer, activation mean and std on a fixed probe batch, the fraction of \
            dead ReLU units, and the norms of weights, biases, their gradients and last updates. \
            The flag changes no number the run produces, so it keeps the run-id. Every run logs \
            output_spread in metrics.csv and warns once when the output collapses (the net \
            predicts nearly the same face for every input).

            A file with 'cascade:' at its top trains a cascade: its level 1 (a run folder, or an \
            experiment file trained first into the same results folder) predicts every face, \
            then one level-2 net per group of keypoints learns, on patches around level 1's \
            predictions, where the keypoints really are. The nets train side by side, epoch by \
            epoch; a signal stops them when the epoch under way ends. The folder also holds \
            level2/<group>/metrics.csv for each net.

            Exit status: 0 completed or early-stopped, 1 diverged or failed, 2 invalid input, \
            130 interrupted.
            """)

    @Argument(help: ArgumentHelp("The experiment file (.yaml).", valueName: "file"))
    var file: String

    @OptionGroup var experimentOptions: ExperimentOptions

    @Option(help: ArgumentHelp("Results folder.", valueName: "folder"))
    var out = "results"

    @Option(name: .customLong("threads"), help: "Threads to train with (default: every core of this machine). Results are bit-identical for the same thread count.")
    var threadOption: Int?

    /// `--threads`, or every core of this machine.
    var threads: Int { threadOption ?? ProcessInfo.processInfo.activeProcessorCount }

    @Flag(help: "Continue an interrupted run from its checkpoint.")
    var resume = false

    @Flag(help: "Train again over a folder that already holds a run, deleting its files first.")
    var overwrite = false

    @Flag(help: "Print only the final summary.")
    var quiet = false

    @Flag(help: "Also write diagnostics.csv: per-layer activations, dead units, gradient and update norms every epoch (same run-id).")
    var diagnostics = false

    func validate() throws {
        try ThreadCount.check(threadOption)
        try PathChecks.folder(out, option: "--out")
    }

    func run() throws {
        let file: ExperimentFile
        do {
            file = try ExperimentFile.load(contentsOfFile: self.file, overrides: try experimentOptions.parsedOverrides())
        } catch let diagnostic as Diagnostic {
            printError(diagnostic.description)
            throw ExitCode(2)
        }
        Interruption.install()
        let display = ProgressDisplay.forStandardOutput(quiet: quiet)
        let options = TrainingRun.Options(threads: threads, resume: resume, overwrite: overwrite,
                                          display: display.mode, diagnostics: diagnostics)
        let record: RunRecord
        let folder: RunFolder
        do {
            switch file {
            case .single(let experiment):
                let training = try TrainingRun.prepare(experiment, results: out, options: options)
                folder = training.folder
                if !quiet {
                    print("\(experiment.name): training into \(training.folder.path) (seed \(training.seed), \(threads) thread\(threads == 1 ? "" : "s"))")
                }
                record = try training.run()
            case .cascade(let cascade):
                // Each line as it comes, also when stdout is a file or a pipe (a log being watched).
                let training = try CascadeRun.prepare(cascade, results: out, options: options, say: { line in
                    guard !quiet else { return }
                    print(line)
                    fflush(stdout)
                })
                folder = training.folder
                if !quiet {
                    print("\(cascade.name): training the level-2 nets into \(training.folder.path) (seed \(training.experiment.seed!), "
                          + "\(threads) thread\(threads == 1 ? "" : "s"))")
                }
                record = try training.run()
            }
        } catch let interrupted as Level1Interrupted {
            printError("\(interrupted)")
            throw ExitCode(130)
        } catch {
            printError("error: \(error)")
            throw ExitCode(1)
        }
        // A quiet run prints no commentary, but a collapsed output must still be said, once.
        if quiet, let collapse = record.collapsed {
            print(CollapseDetector.warning(since: collapse.sinceEpoch, spread: collapse.outputSpread,
                                           recordingDiagnostics: FileManager.default.fileExists(atPath: folder.diagnostics)))
        }
        if quiet, let nets = record.cascade?.collapsedNets {
            for (net, collapse) in nets.sorted(by: { $0.key < $1.key }) {
                print(CollapseDetector.level2Warning(net: net, since: collapse.sinceEpoch, spread: collapse.outputSpread))
            }
        }
        print(RunSummary(record: record, folder: folder.path).text)
        // A run that learnt nothing, or a cascade with a collapsed level-2 net, gets the verdict's
        // first line, with where the evidence is.
        if record.collapsed != nil || record.neverBeatTheMeanFace || record.cascade?.collapsedNets != nil,
           let diagnosis = try? Diagnosis(folder: folder) {
            print("diagnosis: \(diagnosis.headline) (kplab diagnose \(folder.path) for the evidence)")
        }
        switch record.status {
        case .completed, .earlyStopped: return
        case .interrupted: throw ExitCode(130)
        default: throw ExitCode(1)
        }
    }
}
