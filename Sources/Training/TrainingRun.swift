import Engine
import Experiments
import Foundation
import Results

/// One run of one experiment in its folder: it chooses the seed, owns the run folder, its lock
/// and its record, and trains with a `TrainingLoop` whose observers write the folder's files.
/// Construct it with `TrainingRun.prepare`, then `run()`.
public final class TrainingRun {
    public struct Options {
        public var threads: Int
        public var resume: Bool
        /// Train again over a folder that already holds a finished run.
        public var overwrite: Bool
        public var display: ProgressDisplay.Mode
        /// Asked after every batch; a signal number stops the run as interrupted. Tests stop
        /// runs at chosen batches through it; the CLI passes the SIGINT/SIGTERM flag.
        public var stopRequest: @Sendable () -> Int32?
        /// Stop (as interrupted, resumable) once this many epochs are done, without changing
        /// the configuration: schedules still span `train.epochs`. `kplab reproduce --epochs`.
        public var epochLimit: Int?
        /// Write `diagnostics.csv` (per-layer statistics every epoch) even when the experiment's
        /// `train.diagnostics` is false. Outside the spec on purpose: diagnostics change no
        /// number the run produces, so they do not change its configuration hash or run-id.
        public var diagnostics: Bool
        /// Told everything the loop does, after the run's own file writers and display.
        public var observers: [TrainingObserver]

        public init(threads: Int, resume: Bool = false, overwrite: Bool = false, display: ProgressDisplay.Mode = .plain,
                    stopRequest: @escaping @Sendable () -> Int32? = { Interruption.requested }, epochLimit: Int? = nil,
                    diagnostics: Bool = false, observers: [TrainingObserver] = []) {
            self.threads = threads
            self.resume = resume
            self.overwrite = overwrite
            self.display = display
            self.stopRequest = stopRequest
            self.epochLimit = epochLimit
            self.diagnostics = diagnostics
            self.observers = observers
        }
    }

    /// The experiment as it is trained: its seed chosen.
    public let experiment: Experiment
    public let identity: RunIdentity
    public let folder: RunFolder
    public var seed: UInt64 { loop.seed }
    public let loop: TrainingLoop
    private let recordWriter: RecordWriter
    /// Held from `prepare` until the run ends, so no second process trains this folder.
    private var lock: RunLock?

    /// Chooses the seed, checks the folder, builds data, network and optimizer, and writes
    /// `config.yaml` and a `running` record — or loads the checkpoint when resuming.
    public static func prepare(_ experiment: Experiment, results: String, options: Options) throws -> TrainingRun {
        let seeded = try RunSeed.choose(for: experiment, results: results, resume: options.resume)
        let identity = seeded.experiment.identity
        let folder = RunFolder(results: results, experiment: experiment.name, runID: identity.runID)
        return try claim(folder, options: options) { lock, previous in
            try TrainingRun(experiment: seeded.experiment, identity: identity, seedWasChosen: seeded.wasChosen,
                            folder: folder, resumeFrom: previous, options: options, lock: lock)
        }
    }

    /// Takes `folder` for a run (a single network's or a cascade's): creates and locks it, and
    /// clears what it holds unless the run is to be resumed from it; then `start` builds the
    /// run, given the lock and the record to resume (nil to start afresh).
    /// - Throws: when the folder holds a run that neither `--resume` nor `--overwrite` lets go.
    static func claim<Run>(_ folder: RunFolder, options: Options,
                           start: (RunLock, RunRecord?) throws -> Run) throws -> Run {
        try folder.create()
        let lock = try folder.acquireLock()
        do {
            // Holding the lock, nobody else writes here: a temporary file is a dead writer's.
            try folder.removeTemporaries()
            let previous = folder.exists ? try RunRecord.read(from: folder.record) : nil
            let unfinished = previous?.status.isUnfinished == true
            let resuming = options.resume && unfinished && FileManager.default.fileExists(atPath: folder.checkpoint)
            if let previous, !resuming {
                // --resume of a run killed before its first checkpoint: nothing to keep, start again.
                let nothingToResume = options.resume && unfinished
                guard options.overwrite || nothingToResume else { throw alreadyHeld(folder, by: previous) }
                try folder.clear()
            }
            return try start(lock, resuming ? previous : nil)
        } catch {
            // A run that never started (bad data, a network that cannot be built) leaves no folder.
            if !folder.exists { folder.removeIfEmpty(releasing: lock) }
            throw error
        }
    }

    /// Why a folder's run is not trained again without `--overwrite` (or continued without `--resume`).
    private static func alreadyHeld(_ folder: RunFolder, by previous: RunRecord) -> UserError {
        let status = previous.status == .running
            ? "stopped without recording it (killed?) after \(previous.epochsRun) epochs"
            : "status \(previous.status.rawValue), \(previous.epochsRun) epochs"
        let hint = previous.status.isUnfinished
            ? "continue it with --resume, or start again with --overwrite"
            : "train it again with --overwrite, or check it with `kplab reproduce \(folder.path)`"
        return UserError("\(folder.path) already holds a run (\(status)); \(hint)")
    }

    private init(experiment: Experiment, identity: RunIdentity, seedWasChosen: Bool, folder: RunFolder,
                 resumeFrom previous: RunRecord?, options: Options, lock: RunLock) throws {
        self.experiment = experiment
        self.identity = identity
        self.folder = folder
        self.lock = lock
        loop = try TrainingLoop(experiment: experiment, threads: options.threads,
                                stopRequest: options.stopRequest, epochLimit: options.epochLimit)
        let record: RunRecord
        if var previous {
            let position = try Checkpoint.load(from: folder.checkpoint, network: loop.network, optimizer: loop.optimizer,
                                               model: experiment.model, specHash: identity.configHash, epochs: experiment.train.epochs,
                                               batchesPerEpoch: loop.batchesPerEpoch)
            try ResumeCheck.verify(position, folder: folder, record: previous, identity: identity,
                                   epochs: experiment.train.epochs)
            loop.resume(at: position)
            previous.status = .running
            previous.statusDetail = "resumed after epoch \(position.epochsDone), batch \(position.batchesDone)"
            record = previous
        } else {
            try writeAtomically(identity.canonicalText, to: folder.config)
            record = RunRecord(
                newRunOf: experiment.name, runID: identity.runID, seed: loop.seed, seedWasChosen: seedWasChosen,
                configHash: identity.configHash, dataFingerprint: loop.data.fingerprint,
                machine: .init(os: MachineInfo.operatingSystem, cpu: MachineInfo.cpuModel,
                               cpuFeatures: MachineInfo.cpuFeatures, vectorKernels: VectorKernels.level,
                               libc: MachineInfo.libc, threads: options.threads),
                trainRows: loop.data.training.count, validationRows: loop.data.validation.count,
                meanFaceRMSEPixels: loop.data.meanFaceRMSEPixels)
        }
        let display = ProgressDisplay(mode: options.display)
        let finishedEpochs = loop.position.epochsDone > 0 ? try MetricsLog.read(path: folder.metrics) : []
        let writesDiagnostics = options.diagnostics || experiment.train.diagnostics
        recordWriter = RecordWriter(record: record, path: folder.record,
                                    spreads: finishedEpochs.prefix(loop.position.epochsDone).map(\.outputSpread), display: display,
                                    recordingDiagnostics: writesDiagnostics)
        try recordWriter.write()

        // The files first and the record after them, so that run.json describes files already
        // written (when a run ends: last weights, checkpoint removed, then the final status);
        // the display last, so that a collapse warning comes before its epoch's line.
        loop.observers = [MetricsWriter(path: folder.metrics)]
            + (writesDiagnostics ? [DiagnosticsWriter(path: folder.diagnostics)] : [])
            + [WeightsWriter(folder: folder, configHash: identity.configHash),
               CheckpointWriter(path: folder.checkpoint, configHash: identity.configHash), recordWriter, display]
            + options.observers
    }

    /// Trains until the loop stops and returns the final record (also in `run.json`).
    ///
    /// - Throws: what stopped the run from going on (a file that cannot be written, data that
    ///   makes no batch); the record then says `failed`, with the error, where it can.
    @discardableResult
    public func run() throws -> RunRecord {
        defer { lock = nil }
        do {
            try loop.run()
        } catch {
            try? recordWriter.fail(because: error, loop: loop)  // the error itself is what the user must see
            throw error
        }
        return recordWriter.record
    }
}
