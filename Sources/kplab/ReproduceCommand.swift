import ArgumentParser
import Foundation
import Results
import Training

/// `kplab reproduce RUN`: train a recorded run again and compare the curves.
struct ReproduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reproduce",
        abstract: "Re-run a recorded run from its config.yaml and compare the two metrics.csv files.",
        discussion: """
            The run is trained again from its config.yaml (which holds the seed it used) with \
            the thread count it recorded (or --threads: any count gives the same numbers), into \
            a fresh folder, and the two metrics.csv files are compared value by value, every \
            column but seconds; when every epoch was re-run, so are the weights files \
            (model.best.kpw, model.last.kpw), tensor by tensor. A run that did not end by \
            itself (interrupted, or stopped by an error) is trained again as far as it got. \
            'exact' means bit-identical. Otherwise it names the first \
            differing epoch, the largest absolute and relative difference per column, and what \
            differs from the record that could explain it: data fingerprint, kplab version or \
            commit, C library, CPU features, or a record made before kplab 0.2 (OpenBLAS). \
            Differences that cannot change the numbers (threads, kernel level, CPU model) are \
            listed on a line of their own.

            Exit status: 0 exact, 1 different (or the re-run failed), 2 invalid input.
            """)

    @Argument(help: ArgumentHelp("The recorded run's folder, results/<experiment>/<run-id>.", valueName: "run"))
    var runFolder: String

    @Option(help: "Compare only the first K epochs (a quick check; the configuration is unchanged).")
    var epochs: Int?

    @Option(help: ArgumentHelp("Where the re-run goes (default: a new temporary folder).", valueName: "folder"))
    var out: String?

    @Option(help: "Threads for the re-run (default: the recorded count; any count gives the same numbers).")
    var threads: Int?

    @Option(help: ArgumentHelp("Where the run's training file (a cascade's: its level 1's) is now, when not where "
                               + "its config.yaml says (a run folder from another machine or checkout): it must be "
                               + "the same file, by the record's fingerprint.", valueName: "file"))
    var data: String?

    @Option(help: ArgumentHelp("Where a cascade's level-1 run folder is now, when not where its config.yaml says: "
                               + "it must hold the same run, by its configuration hash.", valueName: "folder"))
    var level1: String?

    @Flag(help: "Print only the comparison.")
    var quiet = false

    func validate() throws {
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1") }
        try ThreadCount.check(threads)
        if let out { try PathChecks.folder(out, option: "--out") }
    }

    func run() throws {
        let reproduction: Reproduction
        do {
            reproduction = try Reproduction(original: RunFolder(path: runFolder), data: data, level1: level1)
            if let out { try reproduction.checkDestination(results: out) }
        } catch {
            printError("error: \(error)")
            throw ExitCode(2)
        }
        Interruption.install()
        let results = out ?? NSTemporaryDirectory() + "kplab-reproduce-\(UUID().uuidString.prefix(8))"
        do {
            let (folder, outcome) = try reproduction.run(results: results, threads: threads, epochs: epochs,
                                                         display: ProgressDisplay.forStandardOutput(quiet: quiet).mode)
            print("reproduction: \(folder.path)")
            print(outcome.report)
            if !outcome.isExact { throw ExitCode(1) }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            printError("error: \(error)")
            throw ExitCode(1)
        }
    }
}
