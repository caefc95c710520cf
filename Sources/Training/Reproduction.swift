import Engine
import Experiments
import Foundation
import Results

/// Re-runs a recorded run from its `config.yaml` into a fresh folder and compares the two
/// `metrics.csv` files value by value (every column but `seconds`).
public struct Reproduction {
    /// How two runs' metrics compare.
    public struct Outcome {
        /// Epochs compared (the first `count` rows of both files).
        public var epochsCompared: Int
        /// The first epoch whose row differs, if any.
        public var firstDifferingEpoch: Int?
        /// Per differing column: the largest absolute and relative difference.
        public var differences: [(column: String, absolute: Double, relative: Double)]
        /// Row counts when they differ (e.g. one run diverged earlier).
        public var rowCounts: (original: Int, reproduction: Int)
        /// Facts of the two records that differ and could explain a difference.
        public var causes: [String]
        /// Facts that differ but cannot change the numbers (threads, kernel level, CPU model):
        /// said, so that a user sees they were not overlooked.
        public var harmless: [String]
        /// The weights files compared (none when only the first epochs were re-run), and
        /// those whose tensors differ, with what differs.
        public var weightsCompared: [String] = []
        public var weightDifferences: [(file: String, what: String)] = []

        public var isExact: Bool {
            firstDifferingEpoch == nil && rowCounts.original == rowCounts.reproduction && weightDifferences.isEmpty
        }
    }

    public let original: RunFolder
    public let record: RunRecord
    /// One network's experiment, or a cascade (which re-runs on the level 1 it recorded).
    public let experiment: ExperimentFile
    /// The epochs the record's `metrics.csv` holds.
    let recordedEpochs: Int
    /// The run's inputs (training file, level 1) found elsewhere than recorded.
    let moves: [RunInputs.Move]

    /// - Parameters:
    ///   - data: where the run's training file is now, when not at the path its `config.yaml`
    ///     records (a run folder from another machine or checkout); it must be the same file,
    ///     by the record's fingerprint.
    ///   - level1: where a cascade's level-1 run folder is now, likewise.
    public init(original: RunFolder, data: String? = nil, level1: String? = nil) throws {
        self.original = original
        guard original.exists else { throw UserError("\(original.path) holds no run record (run.json)") }
        // Its record grows while the reproduction trains: the two would be compared at
        // different epochs ("the record has 30 epochs, the reproduction 18").
        guard !original.isBeingTrained else {
            throw UserError("\(original.path) is being trained right now (another kplab process holds its lock): "
                            + "reproduce it once that run has finished or been stopped")
        }
        record = try RunRecord.read(from: original.record)
        var experiment: ExperimentFile
        do {
            experiment = try ExperimentFile.load(contentsOfFile: original.config, overrides: [])
        } catch {
            throw UserError("\(error)")
        }
        recordedEpochs = try Self.checkRecorded(original, record: record)
        moves = try RunInputs(of: &experiment, in: original, record: record, data: data, level1: level1).moves
        self.experiment = experiment
    }

    /// Refuses, before any training, a folder whose record could not be compared with: a
    /// `config.yaml` that is not the one the run recorded (re-running it would check another
    /// configuration, and an edited epoch count could even read "exact"), a `metrics.csv` that
    /// does not parse, whose epochs are not 1, 2, …, n, or that holds fewer than `run.json`
    /// counts (a file cut short, or emptied, read "exact: all 0 epochs"), a record of no
    /// finished epoch (nothing to compare), or a weights file that does not parse. Line ends
    /// converted to "\r\n" (a copy through Windows, or git's autocrlf) change nothing.
    /// Returns the epochs the record holds.
    private static func checkRecorded(_ original: RunFolder, record: RunRecord) throws -> Int {
        let fileHash = RunIdentity.configHash(of: String(contentsOfFileAtPath: original.config)?.withLineFeeds ?? "")
        guard fileHash == record.configHash else {
            throw UserError("\(original.config) is not the configuration this run recorded (config_hash "
                            + "\(record.configHash.prefix(8)) in run.json, the file's \(fileHash.prefix(8))): it was "
                            + "edited or replaced; restore it to reproduce the run, or train the edited one with `kplab run`")
        }
        for weights in [original.bestWeights, original.lastWeights] where FileManager.default.fileExists(atPath: weights) {
            _ = try TensorArchive(path: weights)
        }
        let epochs = try MetricsLog.read(path: original.metrics).map(\.epoch)
        guard MetricsLog.isConsecutiveFromOne(epochs) else {
            throw UserError("\(original.metrics) holds epochs \(MetricsLog.describe(epochs)), but a run writes its epochs "
                            + "from 1 in order: it was edited; restore it to compare a reproduction with it")
        }
        // The log is appended before the record counts an epoch, so it never holds fewer.
        guard epochs.count >= record.epochsRun else {
            throw UserError("\(original.metrics) holds \(epochs.count) epochs, but run.json records \(record.epochsRun) "
                            + "finished: the file was cut short or replaced; restore it to compare a reproduction with it")
        }
        guard !epochs.isEmpty else {
            throw UserError("\(original.path) finished no epoch (status \(record.status.rawValue)): there is nothing to "
                            + "compare a reproduction with (continue it with `kplab run --resume`, or train it again)")
        }
        return epochs.count
    }

    /// Refuses a results folder whose run folder for the reproduction already holds a run: the
    /// recorded run itself (`--out` the folder above it), or an earlier reproduction. Training
    /// there was refused as a run already held, with a hint (`--resume`, `--overwrite`, or
    /// "check it with kplab reproduce") that `reproduce` has no use for.
    public func checkDestination(results: String) throws {
        guard moves.isEmpty else { return }  // inputs on other paths: another run id
        let destination = RunFolder(results: results, experiment: experiment.name, runID: record.runID)
        guard !destination.isSameFolder(as: original) else {
            throw UserError("--out \(results): the reproduction would go into the recorded run's own folder "
                            + "(\(original.path)); choose another folder, or leave --out out for a temporary one")
        }
        guard !destination.exists else {
            throw UserError("--out \(results): \(destination.path) already holds a run (an earlier reproduction?); "
                            + "choose another folder, remove that one, or leave --out out for a temporary one")
        }
    }

    /// The epochs to train again: `epochs` when asked, else all; but a run that did not end by
    /// itself (interrupted, failed, or left running) only as far as it got, so that the two
    /// runs' weights files are from the same epochs.
    func epochLimit(asked epochs: Int?) -> Int? {
        let endedByItself = record.status.isFinished || record.status == .diverged
        return endedByItself ? epochs : min(epochs ?? recordedEpochs, recordedEpochs)
    }

    /// Trains the recorded configuration into `results` (at most `epochs` epochs) with the
    /// recorded thread count unless `threads` says otherwise, and compares.
    public func run(results: String, threads: Int?, epochs: Int?, display: ProgressDisplay.Mode)
        throws -> (folder: RunFolder, outcome: Outcome) {
        let options = TrainingRun.Options(threads: threads ?? record.machine.threads, display: display,
                                       epochLimit: epochLimit(asked: epochs))
        switch experiment {
        case .single(let experiment):
            let training = try TrainingRun.prepare(experiment, results: results, options: options)
            let rerun = try training.run()
            return (training.folder, try compare(with: training.folder, rerun: rerun, epochs: epochs))
        case .cascade(let cascade):
            let training = try CascadeRun.prepare(cascade, results: results, options: options, say: { _ in })
            let rerun = try training.run()
            return (training.folder, try compare(with: training.folder, rerun: rerun, epochs: epochs))
        }
    }

    /// The columns of the run's metrics.csv: a cascade's has its level-1 and keypoint columns too.
    private var metricsColumns: [String] {
        if case .cascade = experiment { return CascadeMetricsLog.columns }
        return MetricsLog.columns
    }

    func compare(with folder: RunFolder, rerun: RunRecord, epochs: Int?) throws -> Outcome {
        // Every row must parse (`read`; the record's was read before training); the comparison
        // itself is of the text as written.
        _ = try MetricsLog.read(path: folder.metrics)
        let originalRows = try MetricsLog.readFields(path: original.metrics)
        let reproducedRows = try MetricsLog.readFields(path: folder.metrics)
        let wanted = epochs.map { min($0, originalRows.count) } ?? originalRows.count
        let count = min(wanted, reproducedRows.count)
        var firstDifference: Int?
        var worst: [String: (absolute: Double, relative: Double)] = [:]
        // By name, over the columns both files have (one written before `output_spread`
        // existed lacks it), every one but `seconds`.
        let columns = metricsColumns.filter { column in
            column != "seconds" && originalRows.first?[column] != nil && reproducedRows.first?[column] != nil
        }
        for index in 0..<count {
            for column in columns {
                let a = originalRows[index][column]!, b = reproducedRows[index][column]!
                guard a != b else { continue }
                firstDifference = firstDifference ?? index + 1
                let x = Double(a) ?? .nan, y = Double(b) ?? .nan
                let absolute = abs(x - y)
                let relative = absolute / max(abs(x), abs(y), .leastNormalMagnitude)
                let previous = worst[column] ?? (0, 0)
                worst[column] = (max(previous.absolute, absolute.isNaN ? .infinity : absolute),
                                 max(previous.relative, relative.isNaN ? .infinity : relative))
            }
        }
        var causes: [String] = [], harmless: [String] = []
        func note(_ what: String, _ a: String?, _ b: String?, into list: inout [String]) {
            if a != b { list.append("\(what): recorded \(a ?? "unknown"), now \(b ?? "unknown")") }
        }
        let (was, now) = (record.machine, rerun.machine)
        note("data fingerprint", record.dataFingerprint, rerun.dataFingerprint, into: &causes)
        note("kplab version", record.software.kplabVersion, rerun.software.kplabVersion, into: &causes)
        note("git commit", record.software.gitCommit, rerun.software.gitCommit, into: &causes)
        if let kernel = was.blasKernel {
            // Before 0.2, OpenBLAS did the products, in an order that depends on the CPU.
            causes.append("recorded with OpenBLAS's \(kernel) kernel, whose sums depend on the CPU (kplab no longer uses OpenBLAS)")
        }
        note("C library", was.libc, now.libc, into: &causes)
        note("CPU features", was.cpuFeatures, now.cpuFeatures, into: &causes)
        note("threads", String(was.threads), String(now.threads), into: &harmless)
        note("vector kernels", was.vectorKernels, now.vectorKernels, into: &harmless)
        note("CPU", was.cpu, now.cpu, into: &harmless)
        for move in moves { harmless.append("\(move.what): recorded \(move.recorded), now \(move.now) (the same)") }
        var outcome = Outcome(epochsCompared: count, firstDifferingEpoch: firstDifference,
                              differences: metricsColumns.compactMap { column in worst[column].map { (column, $0.absolute, $0.relative) } },
                              rowCounts: (wanted, min(reproducedRows.count, wanted)), causes: causes, harmless: harmless)
        // The weights only when both runs trained the same epochs, all the record's: after the
        // first K of them they are not the record's last (nor, in general, its best). And only
        // when run.json counts every row as finished: a run killed between appending an epoch's
        // row and writing that epoch's weights (milliseconds) keeps the epoch before's.
        if wanted == originalRows.count && reproducedRows.count == originalRows.count && record.epochsRun == originalRows.count {
            (outcome.weightsCompared, outcome.weightDifferences) = try WeightsComparison.compare(recorded: original, reproduced: folder)
        }
        return outcome
    }
}

extension Reproduction.Outcome {
    /// What `kplab reproduce` prints.
    public var report: String {
        var lines: [String] = []
        let weights = weightsCompared.isEmpty ? "" : ", and so are the weights (\(weightsCompared.joined(separator: ", ")))"
        if isExact {
            let epochs = epochsCompared == 1 ? "its one epoch is" : "all \(epochsCompared) epochs are"
            lines.append("exact: \(epochs) bit-identical (every column but seconds)\(weights)")
        } else {
            if let epoch = firstDifferingEpoch {
                lines.append("differs: first at epoch \(epoch) of \(epochsCompared) compared")
                for difference in differences {
                    lines.append("  \(difference.column): largest difference \(shortest(difference.absolute)) "
                                 + "(relative \(shortest(difference.relative)))")
                }
            }
            if rowCounts.original != rowCounts.reproduction {
                lines.append("differs: the record has \(rowCounts.original) epochs, the reproduction \(rowCounts.reproduction)")
            }
            for difference in weightDifferences {
                lines.append("differs: \(difference.file): \(difference.what)")
            }
        }
        if causes.isEmpty {
            lines.append(isExact ? "same data, software, C library and CPU features"
                                 : "data, software, C library and CPU features are all the same as recorded")
        } else {
            lines.append((isExact ? "although " : "likely causes: ") + causes.joined(separator: "; "))
        }
        if !harmless.isEmpty {
            lines.append("also different, which does not change results: " + harmless.joined(separator: "; "))
        }
        return lines.joined(separator: "\n")
    }
}

private func shortest(_ value: Double) -> String {
    value.isFinite ? String(format: "%.3g", value) : roundTripText(value)
}
