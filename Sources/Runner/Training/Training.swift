import Foundation
import Engine
import Experiments
import Faces

/// One run of one experiment: data, network and optimizer built from the spec, the epoch loop,
/// and everything it leaves in the run folder. Construct it with `Training.prepare`, then `run()`.
public final class Training {
    public struct Options: Sendable {
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

        public init(threads: Int, resume: Bool = false, overwrite: Bool = false, display: ProgressDisplay.Mode = .plain,
                    stopRequest: @escaping @Sendable () -> Int32? = { Interruption.requested }, epochLimit: Int? = nil,
                    diagnostics: Bool = false) {
            self.threads = threads
            self.resume = resume
            self.overwrite = overwrite
            self.display = display
            self.stopRequest = stopRequest
            self.epochLimit = epochLimit
            self.diagnostics = diagnostics
        }
    }

    /// Past this training loss (normalised MSE; predictions some 1000 image widths off) a run
    /// counts as diverged even while the numbers are still finite.
    public static let divergenceBound = 1e6

    /// A checkpoint is written at the end of an epoch once this many seconds have passed since
    /// the last one (and always when a run is stopped), so that a killed run loses at most
    /// about this much work while big networks do not spend their time writing weights.
    public static let checkpointInterval: TimeInterval = 30

    public let experiment: Experiment
    public let folder: RunFolder
    public let seed: UInt64
    let seedWasChosen: Bool
    let data: PreparedData
    let network: Network
    let optimizer: Optimizer
    let options: Options
    var record: RunRecord
    var position: LoopPosition
    var display: ProgressDisplay
    /// Held from `prepare` until the run ends, so no second process trains this folder.
    private var lock: RunLock?
    private var batch: FaceBatch
    private var outputGradient: [Float]
    private var lastCheckpoint = Date()

    /// Checks the folder, builds data, network and optimizer, and writes `config.yaml` and a
    /// `running` record, or loads the checkpoint when resuming.
    public static func prepare(_ experiment: Experiment, results: String, options: Options) throws -> Training {
        let folder = RunFolder(results: results, experiment: experiment.name, runID: experiment.runID)
        try folder.create()
        let lock = try folder.acquireLock()
        let previous = folder.exists ? try RunRecord.read(from: folder.record) : nil
        let unfinished = previous.map { [.interrupted, .running].contains($0.status) } == true
        let resuming = options.resume && unfinished && FileManager.default.fileExists(atPath: folder.checkpoint)
        if let previous, !resuming {
            // --resume of a run killed before its first checkpoint: nothing to keep, start again.
            let nothingToResume = options.resume && unfinished
            guard options.overwrite || nothingToResume else {
                let hint = [.interrupted, .running].contains(previous.status)
                    ? "continue it with --resume, or start again with --overwrite"
                    : "train it again with --overwrite, or check it with `kplab reproduce \(folder.path)`"
                throw RunnerError("\(folder.path) already holds a run (status \(previous.status.rawValue), \(previous.epochsRun) epochs); \(hint)")
            }
            try folder.clear()
        }
        // A seed the experiment leaves open is drawn once and recorded; a resumed run reuses it.
        let seed = experiment.seed ?? (resuming ? previous!.seed : UInt64.random(in: 0...UInt64.max))
        var resolved = experiment
        resolved.seed = seed
        return try Training(experiment: resolved, folder: folder, seedWasChosen: experiment.seed == nil,
                            specHash: experiment.configHash, runID: experiment.runID,
                            resumeFrom: resuming ? previous : nil, options: options, lock: lock)
    }

    private init(experiment: Experiment, folder: RunFolder, seedWasChosen: Bool, specHash: String, runID: String,
                 resumeFrom previous: RunRecord?, options: Options, lock: RunLock) throws {
        self.experiment = experiment
        self.folder = folder
        self.seed = experiment.seed!
        self.seedWasChosen = seedWasChosen
        self.options = options
        self.lock = lock
        display = ProgressDisplay(mode: options.display)
        data = try PreparedData(experiment.data, seed: seed)
        let capacity = max(experiment.train.batchSize, 1)
        var initialization = RandomGenerator(seed: seed, stream: .initialization)
        do {
            network = try experiment.makeNetwork(maxBatch: capacity, threads: options.threads, rng: &initialization)
        } catch {
            throw RunnerError("cannot build the network: \(error)")
        }
        optimizer = experiment.makeOptimizer(for: network)
        batch = FaceBatch(capacity: capacity)
        outputGradient = [Float](repeating: 0, count: capacity * network.outputShape.count)

        if let previous {
            record = previous
            position = try Checkpoint.load(from: folder.checkpoint, network: network, optimizer: optimizer, specHash: specHash)
            record.status = .running
            record.statusDetail = "resumed after epoch \(position.epochsDone), batch \(position.batchesDone)"
        } else {
            position = .start
            try writeAtomically(experiment.canonicalText, to: folder.config)
            record = RunRecord(
                experiment: experiment.name, runID: runID, status: .running, statusDetail: nil,
                seed: seed, seedWasChosen: seedWasChosen, configHash: specHash,
                dataFingerprint: data.fingerprint, software: .current(),
                machine: .init(os: MachineInfo.operatingSystem, cpu: MachineInfo.cpuModel,
                               blasLibrary: BLASKernel.configuration, blasKernel: BLASKernel.name,
                               threads: options.threads),
                startedAt: Self.timestamp(), endedAt: nil, epochsRun: 0, bestEpoch: nil,
                bestValidationRMSEPixels: nil, finalTrainLoss: nil, finalValidationLoss: nil,
                bestKeypointRMSE: nil, trainImagesPerSecond: nil,
                trainRows: data.training.count, validationRows: data.validation.count,
                meanFaceRMSEPixels: data.meanFaceRMSEPixels)
        }
        try record.write(to: folder.record)
    }

    /// How a run ended, in the record's words.
    typealias Outcome = (status: RunRecord.Status, detail: String?)

    /// What the epoch loop keeps between epochs of one `run()`.
    struct Loop {
        let metrics: MetricsLog
        var collapse: CollapseWatch
        let layers: LayerDiagnostics?
        let plan: BatchPlan
        let wallClockStart = Date()
    }

    /// Trains until the last epoch, early stopping, divergence, the wall-time limit or a signal,
    /// and returns the final record (also in `run.json`).
    @discardableResult
    public func run() throws -> RunRecord {
        let metrics = try MetricsLog(path: folder.metrics, keepingEpochs: position.epochsDone)
        var loop = Loop(metrics: metrics,
                        collapse: CollapseWatch(spreads: try MetricsLog.read(path: folder.metrics).map(\.outputSpread)),
                        layers: try layerDiagnostics(), plan: experiment.batchPlan(seed: seed))
        var outcome: Outcome = (.completed, nil)
        while position.epochsDone < experiment.train.epochs {
            let epoch = position.epochsDone
            let selections = data.training.epoch(epoch, plan: loop.plan)
            guard !selections.isEmpty else {
                throw RunnerError("\(data.training.count) training rows make no batch of \(experiment.train.batchSize) "
                                  + "with last_batch: \(experiment.train.lastBatch.rawValue)")
            }
            if let stop = try trainBatches(of: epoch, selections, loop: loop) {
                outcome = stop
                break
            }
            if let stop = try endEpoch(epoch, batches: selections.count, loop: &loop) {
                outcome = stop
                break
            }
        }
        return try finish(outcome)
    }

    /// The epoch's remaining batches (all of them, unless resumed mid-epoch). Returns why the
    /// run must stop — divergence (its row is written), a signal or the wall-time limit (a
    /// checkpoint is written) — or nil when the epoch's training is done.
    private func trainBatches(of epoch: Int, _ selections: [BatchSelection], loop: Loop) throws -> Outcome? {
        let learningRate = experiment.learningRate(epoch: epoch)
        let momentum = experiment.momentum(epoch: epoch)
        let start = Date()
        for (index, selection) in selections.enumerated().dropFirst(position.batchesDone) {
            data.training.fill(&batch, with: selection)
            // Dropout's masks come from a stream of their own per (epoch, batch), so a run
            // resumed mid-epoch draws exactly what the uninterrupted run drew.
            var dropout = RandomGenerator(seed: seed, stream: Self.dropoutStream(epoch: epoch, batch: index))
            if index == selections.count - 1 { loop.layers?.rememberWeights() }
            let loss = trainStep(count: batch.count, learningRate: learningRate, momentum: momentum, rng: &dropout)
            position.trainLossSum += Double(loss)
            position.batchesDone = index + 1
            position.epochImages += batch.count
            let seconds = position.epochSeconds + elapsed(since: start)
            if !loss.isFinite || Double(loss) > Self.divergenceBound {
                try loop.metrics.append(.init(epoch: epoch + 1, trainLoss: .nan, validationLoss: .nan, validationRMSEPixels: .nan,
                                              learningRate: learningRate, seconds: seconds))
                position.epochsDone += 1
                return (.diverged, "training loss \(loss) in epoch \(epoch + 1), batch \(index + 1)")
            }
            display.batchFinished(epoch: epoch + 1, epochs: experiment.train.epochs, batch: index + 1,
                                  batches: selections.count, images: position.epochImages, elapsed: seconds)
            var stop: Outcome?
            if let signal = options.stopRequest() {
                stop = (.interrupted, "\(Interruption.name(of: signal)) in epoch \(epoch + 1) after batch \(index + 1) of \(selections.count)")
            } else if let limit = experiment.train.maxWallTime, Date().timeIntervalSince(loop.wallClockStart) >= limit {
                stop = (.interrupted, "reached max_wall_time (\(limit) s) in epoch \(epoch + 1)")
            }
            if let stop {
                position.epochSeconds = seconds
                try saveCheckpoint()
                return stop
            }
        }
        position.epochSeconds += elapsed(since: start)
        return nil
    }

    /// Validation, the epoch's row, best weights, diagnostics, and the stopping rules. Returns
    /// why the run stops here, or nil to go on.
    private func endEpoch(_ epoch: Int, batches: Int, loop: inout Loop) throws -> Outcome? {
        let start = Date()
        let validation = Evaluation(network: network, dataset: data.validation, batch: &batch)
        let trainLoss = position.trainLossSum / Double(batches)
        let row = MetricsLog.Row(epoch: epoch + 1, trainLoss: trainLoss, validationLoss: validation.loss,
                                 validationRMSEPixels: validation.rmsePixels, outputSpread: validation.outputSpread,
                                 learningRate: experiment.learningRate(epoch: epoch),
                                 seconds: position.epochSeconds + elapsed(since: start))
        try loop.metrics.append(row)
        try loop.layers?.record(epoch: epoch + 1)
        note(loop.collapse.observe(validation.outputSpread), watch: loop.collapse, spread: validation.outputSpread)
        position.totalImages += position.epochImages
        position.totalTrainSeconds += position.epochSeconds
        let improved = noteValidation(validation, epoch: epoch + 1)
        position.epochsDone += 1
        position.batchesDone = 0
        position.trainLossSum = 0
        position.epochImages = 0
        position.epochSeconds = 0
        record.finalTrainLoss = trainLoss
        record.finalValidationLoss = validation.loss
        display.epochFinished(summary(row, improved: improved))

        var stop: Outcome?
        if !validation.loss.isFinite {
            stop = (.diverged, "validation loss \(validation.loss) after epoch \(epoch + 1)")
        } else if let stopping = experiment.train.earlyStopping, position.epochsWithoutImprovement >= stopping.patience {
            stop = (.earlyStopped, "no improvement of the validation loss for \(stopping.patience) epochs; best epoch \(position.bestEpoch ?? 0)")
        } else if let limit = options.epochLimit, position.epochsDone >= limit, position.epochsDone < experiment.train.epochs {
            stop = (.interrupted, "stopped after \(limit) of \(experiment.train.epochs) epochs as asked")
        }
        if stop?.status == .interrupted || (stop == nil && Date().timeIntervalSince(lastCheckpoint) >= Self.checkpointInterval) {
            try saveCheckpoint()
        }
        updateRecord()
        try record.write(to: folder.record)
        return stop
    }

    private func saveCheckpoint() throws {
        position.optimizerSteps = optimizer.stepCount
        try Checkpoint.save(network: network, optimizer: optimizer, position: position,
                            specHash: record.configHash, to: folder.checkpoint)
        lastCheckpoint = Date()
    }

    /// forward, masked MSE, backward, one optimizer step; returns the batch's loss.
    private func trainStep(count: Int, learningRate: Float, momentum: Float, rng: inout RandomGenerator) -> Float {
        let width = network.outputShape.count
        let predictions = batch.images.withUnsafeBufferPointer {
            network.forward($0, count: count, training: true, rng: &rng)
        }
        let loss = batch.targets.withUnsafeBufferPointer { targets in
            batch.mask.withUnsafeBufferPointer { mask in
                outputGradient.withUnsafeMutableBufferPointer { gradient in
                    meanSquaredError(predictions: predictions,
                                     targets: UnsafeBufferPointer(rebasing: targets[..<(count * width)]),
                                     mask: UnsafeBufferPointer(rebasing: mask[..<(count * width)]),
                                     gradient: UnsafeMutableBufferPointer(rebasing: gradient[..<(count * width)]))
                }
            }
        }
        outputGradient.withUnsafeBufferPointer { network.backward(outputGradient: UnsafeBufferPointer(rebasing: $0[..<(count * width)])) }
        optimizer.step(learningRate: learningRate, momentum: momentum)
        return loss
    }

    /// Tracks the best epoch (saving its weights) and the early-stopping count; true when improved.
    private func noteValidation(_ validation: Evaluation, epoch: Int) -> Bool {
        let minDelta = experiment.train.earlyStopping?.minDelta ?? 0
        guard validation.loss.isFinite else { return false }
        let improved = position.bestValidationLoss.map { validation.loss < $0 - minDelta } ?? true
        position.epochsWithoutImprovement = improved ? 0 : position.epochsWithoutImprovement + 1
        if position.bestValidationLoss.map({ validation.loss < $0 }) ?? true {
            position.bestValidationLoss = validation.loss
            position.bestEpoch = epoch
            record.bestEpoch = epoch
            record.bestValidationRMSEPixels = validation.rmsePixels
            record.bestKeypointRMSE = validation.keypoints.map {
                .init(keypoint: $0.keypoint.name, rmsePixels: $0.rmsePixels, count: $0.count)
            }
            try? weights().write(to: folder.bestWeights)
        }
        return improved
    }

    private func finish(_ outcome: (status: RunRecord.Status, detail: String?)) throws -> RunRecord {
        if outcome.status != .interrupted {
            try weights().write(to: folder.lastWeights)
            try? FileManager.default.removeItem(atPath: folder.checkpoint)
        }
        updateRecord()
        record.status = outcome.status
        record.statusDetail = outcome.detail
        record.endedAt = Self.timestamp()
        try record.write(to: folder.record)
        lock = nil
        return record
    }

    private func updateRecord() {
        record.epochsRun = position.epochsDone
        record.trainImagesPerSecond = position.totalTrainSeconds > 0
            ? Double(position.totalImages) / position.totalTrainSeconds : nil
    }

    private func weights() -> TensorArchive {
        TensorArchive(specHash: record.configHash, tensors: Checkpoint.parameterTensors(network))
    }

    private func summary(_ row: MetricsLog.Row, improved: Bool) -> String {
        let width = String(experiment.train.epochs).count
        let epoch = String(repeating: " ", count: max(0, width - String(row.epoch).count)) + String(row.epoch)
        return "epoch \(epoch)/\(experiment.train.epochs)  train \(fixed(row.trainLoss, decimals: 6))  val \(fixed(row.validationLoss, decimals: 6))"
            + "  val RMSE \(fixed(row.validationRMSEPixels, decimals: 3)) px  lr \(row.learningRate)  \(fixed(row.seconds, decimals: 1)) s"
            + (position.bestEpoch == row.epoch ? "  *best" : "")
    }

    static func dropoutStream(epoch: Int, batch: Int) -> UInt64 {
        RandomGenerator.Stream.dropout.rawValue | UInt64(epoch) << 8 | UInt64(batch) << 36
    }

    static func timestamp() -> String {
        ISO8601DateFormatter().string(from: Date())
    }

    private func elapsed(since start: Date) -> Double { Date().timeIntervalSince(start) }
}
