import Engine
import Experiments
import Faces
import Foundation
import Inference
import Results

/// The epoch loop of one run: batches, validation, the stopping rules — and nothing of files.
/// Everything a run leaves behind (metrics, weights, checkpoints, the record, the terminal's
/// lines) is an observer's work (`TrainingObserver`), so the loop can run with none at all.
///
/// Build it from an experiment whose seed is chosen, optionally move it to a checkpoint's
/// position (`resume(at:)`, after loading the checkpoint's weights), then `run()`.
public final class TrainingLoop {
    /// Past this training loss (normalised MSE; predictions some 1000 image widths off) a run
    /// counts as diverged even while the numbers are still finite.
    public static let divergenceBound = 1e6

    /// A checkpoint is due at the end of an epoch once this many seconds have passed since the
    /// last one (and always when a run stops early), so that a killed run loses at most about
    /// this much work while big networks do not spend their time writing weights.
    public static let checkpointInterval: TimeInterval = 30
    /// This loop's spacing of checkpoints (`checkpointInterval` unless a test wants every epoch).
    public var secondsBetweenCheckpoints = TrainingLoop.checkpointInterval

    public let experiment: Experiment
    public let seed: UInt64
    /// The faces: loaded, split and fingerprinted (for a cascade's level-2 net, level 1's).
    public let data: PreparedData
    /// What the loop trains and validates on: `data`'s faces, or patches cut from them.
    public let training: any TrainingSamples
    public let validation: any TrainingSamples
    public let network: Network
    public let optimizer: Optimizer
    /// Where the loop stands; saved in checkpoints.
    public private(set) var position = LoopPosition.start
    public var observers: [TrainingObserver]
    /// Asked after every batch; a signal number stops the run as interrupted.
    let stopRequest: @Sendable () -> Int32?
    /// Stop (as interrupted, resumable) once this many epochs are done; schedules still span
    /// `train.epochs`.
    let epochLimit: Int?
    /// The training batches, filled ahead of the step that needs them.
    private let prefetcher: BatchPrefetcher
    /// The validation batch.
    private var batch: FaceBatch
    private var outputGradient: [Float]
    private var lastCheckpoint = Date()
    private var wallClockStart = Date()

    /// Loads the data and builds the network (initial weights from the seed) and optimizer.
    /// - Parameter experiment: its `seed` must be set: choosing one is the caller's decision,
    ///   because the seed is part of the run's identity.
    public convenience init(experiment: Experiment, threads: Int, observers: [TrainingObserver] = [],
                            stopRequest: @escaping @Sendable () -> Int32? = { nil }, epochLimit: Int? = nil) throws {
        guard let seed = experiment.seed else { throw UserError("\(experiment.name): choose a seed before training") }
        let data = try PreparedData(experiment.data, seed: seed)
        try self.init(experiment: experiment, data: data, training: data.training, validation: data.validation,
                      threads: threads, observers: observers, stopRequest: stopRequest, epochLimit: epochLimit)
    }

    /// The loop of a network (`experiment.model`, with its own input and outputs) on samples of
    /// prepared faces: a cascade's level-2 net on its patches.
    public init(experiment: Experiment, data: PreparedData, training: any TrainingSamples, validation: any TrainingSamples,
                threads: Int, observers: [TrainingObserver] = [],
                stopRequest: @escaping @Sendable () -> Int32? = { nil }, epochLimit: Int? = nil) throws {
        guard let seed = experiment.seed else { throw UserError("\(experiment.name): choose a seed before training") }
        self.experiment = experiment
        self.seed = seed
        self.observers = observers
        self.stopRequest = stopRequest
        self.epochLimit = epochLimit
        self.data = data
        self.training = training
        self.validation = validation
        // No batch holds more samples than there are training rows (a batch of 20000 on 240 faces
        // would size every buffer for 20000); validation runs in chunks of the same size, and
        // its numbers do not depend on the chunking.
        let capacity = max(min(experiment.train.batchSize, training.count), 1)
        var initialization = RandomGenerator(seed: seed, stream: .initialization)
        do {
            network = try experiment.makeNetwork(maxBatch: capacity, threads: threads, rng: &initialization)
        } catch {
            throw UserError("cannot build the network: \(error)")
        }
        optimizer = experiment.makeOptimizer(for: network)
        batch = validation.makeBatch(capacity: capacity)
        prefetcher = BatchPrefetcher(samples: training, capacity: capacity)
        outputGradient = [Float](repeating: 0, count: capacity * network.outputShape.count)
    }

    /// Seconds this process's training steps have waited for their batch to be prepared
    /// (see `BatchPrefetcher`); with `trainingSeconds`, the share of training spent on data.
    public var dataWaitSeconds: Double { prefetcher.waitSeconds }
    /// Seconds this process has spent in training batches (validation not included).
    public private(set) var trainingSeconds = 0.0

    /// Training batches in an epoch (the same in every epoch: only their order changes). Counted
    /// from the plan's ranges: drawing an epoch's order, flips and transforms to count them
    /// would be work thrown away.
    public var batchesPerEpoch: Int {
        experiment.batchPlan(seed: seed).ranges(count: training.count).count
    }

    /// Continues from `position`, whose weights and optimizer state are already loaded.
    public func resume(at position: LoopPosition) {
        self.position = position
    }

    /// Trains until the last epoch, early stopping, divergence, the wall-time limit, the epoch
    /// limit or a stop request, telling the observers as it goes; returns why it stopped.
    @discardableResult
    public func run() throws -> TrainingOutcome {
        try start()
        var outcome = TrainingOutcome(.completed)
        while !isFinished {
            if let stop = try trainEpoch() {
                outcome = stop
                break
            }
        }
        try finish(outcome)
        return outcome
    }

    /// `run()` one epoch at a time, for a caller that trains several loops in step (a
    /// cascade's level-2 nets): `start()`, then `trainEpoch()` until it returns why to stop or
    /// `isFinished`, then `finish(_:)` with the outcome.
    public func start() throws {
        wallClockStart = Date()
        try emit { try $0.runStarted(self) }
    }

    /// Every epoch of `train.epochs` is done.
    public var isFinished: Bool { position.epochsDone >= experiment.train.epochs }

    /// Trains and validates the next epoch; returns why the run must stop, or nil to go on.
    public func trainEpoch() throws -> TrainingOutcome? {
        let epoch = position.epochsDone
        let selections = training.epoch(epoch, plan: experiment.batchPlan(seed: seed))
        guard !selections.isEmpty else {
            throw UserError("\(training.count) training rows make no batch of \(experiment.train.batchSize) "
                            + "with last_batch: \(experiment.train.lastBatch.rawValue)")
        }
        if let stop = try trainBatches(of: epoch, selections) { return stop }
        return try endEpoch(epoch, batches: selections.count)
    }

    /// Tells the observers the run is over, for the reason in `outcome`.
    public func finish(_ outcome: TrainingOutcome) throws {
        try emit { try $0.runStopped(outcome, loop: self) }
    }

    /// The epoch's remaining batches (all of them, unless resumed mid-epoch). Returns why the
    /// run must stop — divergence (its row is reported), a signal or the wall-time limit (a
    /// checkpoint is due) — or nil when the epoch's training is done.
    private func trainBatches(of epoch: Int, _ selections: [BatchSelection]) throws -> TrainingOutcome? {
        let learningRate = experiment.learningRate(epoch: epoch)
        let momentum = experiment.momentum(epoch: epoch)
        let start = Date()
        defer {
            prefetcher.cancel()
            trainingSeconds += Date().timeIntervalSince(start)
        }
        if position.batchesDone < selections.count { prefetcher.prefetch(selections[position.batchesDone]) }
        for index in selections.indices.dropFirst(position.batchesDone) {
            let place = BatchPosition(epoch: epoch + 1, batch: index + 1, batches: selections.count)
            let batch = prefetcher.take()
            if index + 1 < selections.count { prefetcher.prefetch(selections[index + 1]) }
            // Dropout's masks come from a stream of their own per (epoch, batch), so a run
            // resumed mid-epoch draws exactly what the uninterrupted run drew.
            var dropout = RandomGenerator(seed: seed, stream: Self.dropoutStream(epoch: epoch, batch: index))
            for observer in observers { observer.batchStarting(place, loop: self) }
            let loss = trainStep(on: batch, learningRate: learningRate, momentum: momentum, rng: &dropout)
            position.trainLossSum += Double(loss)
            position.batchesDone = index + 1
            position.epochImages += batch.count
            let seconds = position.epochSeconds + Date().timeIntervalSince(start)
            if !loss.isFinite || Double(loss) > Self.divergenceBound {
                position.epochsDone += 1
                let row = MetricsLog.Row(epoch: epoch + 1, trainLoss: .nan, validationLoss: .nan, validationRMSEPixels: .nan,
                                         learningRate: learningRate, seconds: seconds)
                try emit { try $0.epochFinished(EpochReport(row: row, validation: nil, isBest: false), loop: self) }
                return TrainingOutcome(.diverged, "training loss \(loss) in epoch \(epoch + 1), batch \(index + 1)")
            }
            let progress = BatchProgress(position: place, loss: loss, epochImages: position.epochImages, epochSeconds: seconds)
            try emit { try $0.batchFinished(progress, loop: self) }
            var stop: TrainingOutcome?
            if let signal = stopRequest() {
                stop = TrainingOutcome(.interrupted, "\(Interruption.name(of: signal)) in epoch \(epoch + 1) "
                                       + "after batch \(index + 1) of \(selections.count)")
            } else if let limit = experiment.train.maxWallTime, Date().timeIntervalSince(wallClockStart) >= limit {
                stop = .wallTimeReached(limit, epoch: epoch + 1)
            }
            if let stop {
                position.epochSeconds = seconds
                try checkpoint()
                return stop
            }
        }
        position.epochSeconds += Date().timeIntervalSince(start)
        return nil
    }

    /// Validation, the epoch's report, and the stopping rules. Returns why the run stops here,
    /// or nil to go on.
    private func endEpoch(_ epoch: Int, batches: Int) throws -> TrainingOutcome? {
        let start = Date()
        let validation = Evaluation(network: network, dataset: self.validation, batch: &batch, tta: experiment.train.tta)
        let trainLoss = position.trainLossSum / Double(batches)
        let row = MetricsLog.Row(epoch: epoch + 1, trainLoss: trainLoss, validationLoss: validation.loss,
                                 validationRMSEPixels: validation.rmsePixels, outputSpread: validation.outputSpread,
                                 learningRate: experiment.learningRate(epoch: epoch),
                                 seconds: position.epochSeconds + Date().timeIntervalSince(start))
        let isBest = noteValidation(validation, epoch: epoch + 1)
        position.totalImages += position.epochImages
        position.totalTrainSeconds += position.epochSeconds
        position.epochsDone += 1
        position.batchesDone = 0
        position.trainLossSum = 0
        position.epochImages = 0
        position.epochSeconds = 0
        try emit { try $0.epochFinished(EpochReport(row: row, validation: validation, isBest: isBest), loop: self) }

        var stop: TrainingOutcome?
        // No label to validate against (a cascade's level-2 net whose keypoints the validation
        // faces never mark) gives no loss, which is not divergence.
        let hasLabels = validation.presentCounts.contains { $0 > 0 }
        if !validation.loss.isFinite && hasLabels {
            stop = TrainingOutcome(.diverged, "validation loss \(validation.loss) after epoch \(epoch + 1)")
        } else if let stopping = experiment.train.earlyStopping, position.epochsWithoutImprovement >= stopping.patience {
            stop = TrainingOutcome(.earlyStopped, "no improvement of the validation loss for \(stopping.patience) epochs; "
                                   + "best epoch \(position.bestEpoch ?? 0)")
        } else if let limit = epochLimit, position.epochsDone >= limit, position.epochsDone < experiment.train.epochs {
            stop = TrainingOutcome(.interrupted, "stopped after \(limit) of \(experiment.train.epochs) epochs as asked")
        }
        // After the last epoch the run completes at once and its checkpoint would be deleted
        // unread: writing it (weights and optimizer state) would only cost time.
        let isLast = position.epochsDone >= experiment.train.epochs
        if stop?.status == .interrupted
            || (stop == nil && !isLast && Date().timeIntervalSince(lastCheckpoint) >= secondsBetweenCheckpoints) {
            try checkpoint()
        }
        return stop
    }

    private func checkpoint() throws {
        position.optimizerSteps = optimizer.stepCount
        try emit { try $0.checkpointDue(self) }
        lastCheckpoint = Date()
    }

    /// forward, masked MSE, backward, one optimizer step; returns the batch's loss.
    private func trainStep(on batch: FaceBatch, learningRate: Float, momentum: Float, rng: inout RandomGenerator) -> Float {
        let width = network.outputShape.count, count = batch.count
        // The images stay where they are until the backward has read them: the network reads them
        // in place rather than copying the batch (`inputKept`).
        let loss = batch.images.withUnsafeBufferPointer { images in
            let predictions = network.forward(images, count: count, training: true, inputKept: true, rng: &rng)
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
            return loss
        }
        optimizer.step(learningRate: learningRate, momentum: momentum)
        return loss
    }

    /// Tracks the best epoch and the early-stopping count; true when this epoch is the best so far.
    private func noteValidation(_ validation: Evaluation, epoch: Int) -> Bool {
        let minDelta = experiment.train.earlyStopping?.minDelta ?? 0
        guard validation.loss.isFinite else { return false }
        let improved = position.bestValidationLoss.map { validation.loss < $0 - minDelta } ?? true
        position.epochsWithoutImprovement = improved ? 0 : position.epochsWithoutImprovement + 1
        guard position.bestValidationLoss.map({ validation.loss < $0 }) ?? true else { return false }
        position.bestValidationLoss = validation.loss
        position.bestEpoch = epoch
        return true
    }

    private func emit(_ event: (TrainingObserver) throws -> Void) throws {
        for observer in observers { try event(observer) }
    }

    static func dropoutStream(epoch: Int, batch: Int) -> UInt64 {
        RandomGenerator.Stream.dropout.rawValue | UInt64(epoch) << 8 | UInt64(batch) << 36
    }
}
