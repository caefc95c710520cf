import ArgumentParser
import Experiments
import Foundation
import Reports
import Results
import Training

/// `kplab diagnose RUN [--try]`: why a run fails, from what it recorded — and, with `--try`,
/// which change fixes it, by training it again with each.
struct DiagnoseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diagnose",
        abstract: "Say, with the run's own numbers, what is wrong with a run and why; --try tests the fixes.",
        discussion: """
            Reads the run's folder — run.json, metrics.csv, config.yaml and, when the run was \
            trained with --diagnostics, diagnostics.csv — and lists what it finds, strongest \
            evidence first: divergence; a net that never beat the mean face (every keypoint at \
            its training mean); steps too small or too large for the weights (update/weight \
            ratios; the momentum form); dead ReLU units; an output whose bias does all the work; \
            vanishing or exploding activations and gradients; over-fitting; for a cascade, its \
            collapsed level-2 nets. A run with nothing wrong gets one line saying so, with its \
            margin over the mean face.

            --try confirms the suspects by experiment: the run's configuration is trained again \
            once per change (the momentum form, the learning rate, Adam, He initialisation, no \
            dropout: each alone), into sibling run folders of the same results folder, and a \
            table says which change beats the mean face (by at least 1%). When none does alone, \
            they are tried together as well. Each trial trains --epochs epochs: by default as \
            many as take about a minute at the run's own pace (at least 5, at most the run's \
            own). A change already tried is not trained again. A cascade's trials re-train its \
            level-2 nets on the level 1 it recorded.

            Exit status: 0 when it could read the run (and train the trials), 1 when not.
            """)

    @Argument(help: ArgumentHelp("The run folder, results/<experiment>/<run-id>.", valueName: "run"))
    var runFolder: String

    @Flag(name: .customLong("try"), help: "Train the run again with each suspected fix, for --epochs epochs, and show which fixes it.")
    var tryFixes = false

    @Option(help: "With --try: epochs of each trial (default: about a minute's worth at the run's own pace, at least 5; at most the run's own).")
    var epochs: Int?

    @Option(name: .customLong("threads"), help: "With --try: threads to train with (default: every core of this machine).")
    var threadOption: Int?

    func validate() throws {
        try ThreadCount.check(threadOption)
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1") }
    }

    func run() throws {
        let folder = RunFolder(path: runFolder)
        let diagnosis = try reportingFailures { try Diagnosis(folder: folder) }
        print(diagnosis.text)
        guard tryFixes else { return }
        let trials = diagnosis.trials
        guard !trials.isEmpty else {
            print("nothing to try: " + (diagnosis.findings.isEmpty ? "nothing is wrong" : "no change to test for these findings"))
            return
        }
        try reportingFailures { try runTrials(trials, of: folder) }
    }

    /// How long a trial should take when --epochs is not given: long enough for a net that
    /// learns slowly to leave the mean face (the report's cnn4 needs about 100 epochs).
    static let trialSeconds = 60.0

    /// Trains each trial and prints the table: the run as recorded (its best RMSE within the
    /// same epochs), then each change, then all of them together when none fixes it alone.
    private func runTrials(_ trials: [Diagnosis.Trial], of folder: RunFolder) throws {
        let record = try RunRecord.read(from: folder.record)
        let original = try ExperimentFile.load(contentsOfFile: folder.config)
        let rows = try MetricsLog.read(path: folder.metrics)
        let epochs = trialEpochs(recorded: rows, ownEpochs: original.train.epochs)
        let results = PathText.folder(of: PathText.folder(of: folder.path))
        let threads = threadOption ?? ProcessInfo.processInfo.activeProcessorCount
        let mean = record.meanFaceRMSEPixels
        let recorded = rows.prefix(epochs).map(\.validationRMSEPixels).filter(\.isFinite).min()
        // A cascade's trials also count its collapsed level-2 nets (the finding they test), from
        // the nets' curves: the run as recorded over the trials' epochs, as its best RMSE is.
        func collapsedNets(_ record: RunRecord, in folder: RunFolder, epochs: Int? = nil) -> Int? {
            record.cascade.map { _ in Diagnosis.collapsedLevel2Nets(of: record, in: folder, epochs: epochs).count }
        }
        var table: [(change: String, best: Double?, collapsed: Int?, folder: String)] =
            [("as recorded", recorded, collapsedNets(record, in: folder, epochs: epochs), folder.path)]
        func train(_ trial: Diagnosis.Trial) throws -> Double? {
            let overrides = try (trial.overrides + ["train.epochs=\(epochs)"]).map { try Override(parsing: $0) }
            let file = try ExperimentFile.load(contentsOfFile: folder.config, overrides: overrides)
            let sibling = RunFolder(results: results, experiment: file.name, runID: file.identity.runID)
            let outcome: RunRecord
            let options = TrainingRun.Options(threads: threads, resume: true, display: .quiet)
            if let done = try? RunRecord.read(from: sibling.record), done.status.isFinished {
                outcome = done
            } else {
                switch file {
                case .single(let experiment): outcome = try TrainingRun.prepare(experiment, results: results, options: options).run()
                case .cascade(let cascade): outcome = try CascadeRun.prepare(cascade, results: results, options: options, say: { _ in }).run()
                }
            }
            print("  \(trial.change): \(outcome.bestValidationRMSEPixels.map { String(format: "%.3f px", $0) } ?? "no result")")
            table.append((trial.change, outcome.bestValidationRMSEPixels, collapsedNets(outcome, in: sibling), sibling.path))
            return outcome.bestValidationRMSEPixels
        }
        let seconds = rows.isEmpty ? "" : String(format: ", about %.0f s each", Double(epochs) * Self.secondsPerEpoch(rows))
        print("\ntrying \(trials.count) change\(trials.count == 1 ? "" : "s"), \(epochs) epoch\(epochs == 1 ? "" : "s") each\(seconds):")
        let bests = try trials.map(train)
        let fixes = { (best: Double?) in best.map { !RunRecord.isNoBetterThanMeanFace(best: $0, meanFace: mean) } ?? false }
        if !bests.contains(where: fixes), let together = Diagnosis.combined(trials) {
            print("no change fixes it alone; all together:")
            _ = try train(together)
        }
        print("")
        let width = table.map(\.change.count).max()!
        let meanText = mean.map { String(format: "%.3f px", $0) } ?? "unknown"
        let cascade = record.cascade != nil
        let against = "against the mean face (\(meanText))"
        print("change".padding(toLength: width, withPad: " ", startingAt: 0) + "  best RMSE px  "
              + (cascade ? against.padding(toLength: 37, withPad: " ", startingAt: 0) + "  collapsed nets" : against)
              + "  run, \(epochs) epochs each")
        for row in table {
            let verdict: String
            switch (row.best, mean) {
            case let (best?, mean?) where fixes(best): verdict = "fixes it: \(Int(((1 - best / mean) * 100).rounded()))% below"
            case let (best?, mean?): verdict = "no better: \(String(format: "%.2f", best / mean))× the mean face"
            case (_?, nil): verdict = "no mean face recorded"
            case (nil, _): verdict = "no result (diverged?)"
            }
            print(row.change.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                  + (row.best.map { String(format: "%12.3f", $0) } ?? String(repeating: " ", count: 11) + "-") + "  "
                  + verdict.padding(toLength: 37, withPad: " ", startingAt: 0)
                  + (cascade ? "  " + String(format: "%14d", row.collapsed ?? 0) : "") + "  " + row.folder)
        }
    }

    /// --epochs, or as many epochs as take `trialSeconds` at the run's own pace; at least 5,
    /// at most the run's own.
    private func trialEpochs(recorded rows: [MetricsLog.Row], ownEpochs: Int) -> Int {
        if let epochs { return min(epochs, ownEpochs) }
        let perEpoch = Self.secondsPerEpoch(rows)
        let affordable = perEpoch > 0 ? Int((Self.trialSeconds / perEpoch).rounded(.down)) : 5
        return min(ownEpochs, max(5, affordable))
    }

    /// The median epoch's wall time in the run's metrics (0 when none is recorded).
    static func secondsPerEpoch(_ rows: [MetricsLog.Row]) -> Double {
        let seconds = rows.map(\.seconds).filter { $0.isFinite && $0 > 0 }.sorted()
        return seconds.isEmpty ? 0 : seconds[seconds.count / 2]
    }
}
