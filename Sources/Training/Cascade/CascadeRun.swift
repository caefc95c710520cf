import Engine
import Experiments
import Faces
import Foundation
import Inference
import Results

/// One run of a cascade in its folder: level 1 found (or trained first), then the level-2 nets
/// trained in step, epoch by epoch, each on its patches, in parallel within the thread budget.
///
/// The folder holds what any run's does — `config.yaml`, `run.json` (with a `cascade`
/// section), `metrics.csv` (`CascadeMetricsLog`: the cascade's validation RMSE after level 2,
/// level 1's, and each keypoint's), `model.best.kpw` and `model.last.kpw` (every level-2 net's
/// weights, named `<group>/<tensor>`), `checkpoint.kpw` while unfinished — and
/// `level2/<group>/metrics.csv`, each net's own curve on its patches.
///
/// The nets stop together: early stopping watches the cascade's validation loss, and a signal or
/// the wall-time limit is honoured when the level-2 epoch under way ends (the nets are small:
/// an epoch takes seconds), so every checkpoint is at an epoch boundary and a resumed cascade
/// writes exactly the rows an uninterrupted one would.
public final class CascadeRun {
    /// One level-2 net: its loop, the report of its last finished epoch, and whether its
    /// output has collapsed (said once, as a single run says it).
    final class Level2Net: TrainingObserver {
        let name: String
        let loop: TrainingLoop
        var lastReport: EpochReport?
        var collapse = CollapseWatch()

        init(name: String, loop: TrainingLoop) {
            self.name = name
            self.loop = loop
        }

        func epochFinished(_ report: EpochReport, loop: TrainingLoop) throws { lastReport = report }
    }

    /// The cascade as it is trained: its seed chosen and level 1 recorded by run and hashes.
    public let experiment: CascadeExperiment
    public let identity: RunIdentity
    public let folder: RunFolder
    let level1: CascadeLevel1
    let nets: [Level2Net]
    /// Level 1's validation errors per keypoint, in pixels², from its predictions.
    let level1Squares: KeypointSquares
    private let options: TrainingRun.Options
    private var position: CascadePosition
    private var record: RunRecord
    private var lock: RunLock?
    /// Where each line of progress goes (the terminal).
    private let say: (String) -> Void

    /// Finds or trains level 1, chooses the seed, checks the folder, builds the level-2 nets on
    /// their patches and writes `config.yaml` and a `running` record — or loads the checkpoint
    /// when resuming.
    public static func prepare(_ cascade: CascadeExperiment, results: String, options: TrainingRun.Options,
                               say: @escaping (String) -> Void = { print($0) }) throws -> CascadeRun {
        if options.diagnostics || cascade.train.diagnostics {
            say("note: diagnostics.csv is not recorded for a cascade's level-2 nets (yet); level 1's run keeps its own")
        }
        var seeded = cascade
        let seedWasChosen = cascade.seed == nil
        if seedWasChosen { seeded.seed = UInt64.random(in: 0...UInt64.max) }
        let level1 = try CascadeLevel1.resolve(cascade.cascade.level1, results: results, options: options)
        seeded.cascade.level1 = CascadeSpec.Level1(path: PathText.absolute(level1.folder.path), isExperimentFile: false,
                                                   configHash: level1.record.configHash, dataFingerprint: level1.data.fingerprint)
        let identity = seeded.identity
        let folder = RunFolder(results: results, experiment: cascade.name, runID: identity.runID)
        return try TrainingRun.claim(folder, options: options) { lock, previous in
            try CascadeRun(experiment: seeded, identity: identity, seedWasChosen: seedWasChosen, folder: folder,
                           level1: level1, resumeFrom: previous, options: options, lock: lock, say: say)
        }
    }

    private init(experiment: CascadeExperiment, identity: RunIdentity, seedWasChosen: Bool, folder: RunFolder,
                 level1: CascadeLevel1, resumeFrom previous: RunRecord?, options: TrainingRun.Options, lock: RunLock,
                 say: @escaping (String) -> Void) throws {
        self.experiment = experiment
        self.identity = identity
        self.folder = folder
        self.level1 = level1
        self.options = options
        self.lock = lock
        self.say = say
        let spec = experiment.cascade, seed = experiment.seed!
        let predictions = try level1.predictions()
        level1Squares = Self.squares(of: predictions, on: level1.data.validation)
        // Nets run side by side, one per thread; threads left over go inside each net.
        let threadsPerNet = max(1, options.threads / spec.groups.count)
        nets = try spec.groups.enumerated().map { index, group in
            let name = CascadeSpec.groupName(group)
            let net = try Self.level2Experiment(experiment, group: index, level1: level1.model.experiment)
            // Only faces that mark one of the group's keypoints teach or test its net (in
            // Kaggle's file most rows mark 4 of the 15): the others would cost time for nothing.
            let patches = { (faces: FaceDataset) in
                PatchSamples(faces: Self.marking(group, of: faces), keypoints: group, side: spec.patch, level1: predictions)
            }
            let training = patches(level1.data.training)
            guard training.count > 0 else {
                throw UserError("level-2 net \(name): none of the \(level1.data.training.count) training faces marks "
                                + "\(group.count == 1 ? "this keypoint" : "these keypoints"), so there is nothing to learn; "
                                + "leave \(group.count == 1 ? "it" : "them") out of cascade.groups")
            }
            let loop: TrainingLoop
            do {
                loop = try TrainingLoop(experiment: net, data: level1.data, training: training,
                                        validation: patches(level1.data.validation), threads: threadsPerNet)
            } catch {
                throw UserError("level-2 net \(name): \(error)")
            }
            // The cascade decides when to save (at its epoch boundaries), never a net alone.
            loop.secondsBetweenCheckpoints = .infinity
            return Level2Net(name: name, loop: loop)
        }
        for net in nets {
            let netFolder = folder.level2Net(net.name)
            try netFolder.create()
            net.loop.observers = [MetricsWriter(path: netFolder.metrics), net]
        }
        if var previous {
            position = try CascadeCheckpoint.load(from: folder.checkpoint, nets: nets, configHash: identity.configHash,
                                                  epochs: experiment.train.epochs)
            for net in nets {
                net.loop.resume(at: position.nets[net.name]!)
                let finished = (try? MetricsLog.read(path: folder.level2Net(net.name).metrics)) ?? []
                net.collapse = CollapseWatch(spreads: finished.prefix(position.epochsDone).map(\.outputSpread))
            }
            previous.status = .running
            previous.statusDetail = "resumed after epoch \(position.epochsDone)"
            record = previous
        } else {
            position = CascadePosition(nets: Dictionary(uniqueKeysWithValues: nets.map { ($0.name, LoopPosition.start) }))
            try writeAtomically(identity.canonicalText, to: folder.config)
            record = RunRecord(
                newRunOf: experiment.name, runID: identity.runID, seed: seed, seedWasChosen: seedWasChosen,
                configHash: identity.configHash, dataFingerprint: level1.data.fingerprint,
                machine: .init(os: MachineInfo.operatingSystem, cpu: MachineInfo.cpuModel, cpuFeatures: MachineInfo.cpuFeatures,
                               vectorKernels: VectorKernels.level, libc: MachineInfo.libc, threads: options.threads),
                trainRows: level1.data.training.count, validationRows: level1.data.validation.count,
                meanFaceRMSEPixels: level1.data.meanFaceRMSEPixels)
            record.cascade = RunRecord.Cascade(level1Run: experiment.cascade.level1.path, level1RunID: level1.record.runID,
                                               level1ValidationRMSEPixels: Self.rmsePixels(level1Squares),
                                               level1KeypointRMSE: Self.keypointErrors(level1Squares),
                                               groups: nets.map(\.name), patch: spec.patch)
        }
        try record.write(to: folder.record)
    }

    /// Level-2 net `group` as an experiment of its own: level 1's faces without flips (a
    /// mirrored patch of one keypoint shows its twin) and with the jitter as a shift of the
    /// patch; the cascade's training settings, less the stopping rules the cascade applies to
    /// all nets at once; a seed of its own, drawn from the cascade's.
    static func level2Experiment(_ cascade: CascadeExperiment, group: Int, level1: Experiment) throws -> Experiment {
        let spec = cascade.cascade
        var data = level1.data
        data.augment = .init(flip: false, transforms: spec.jitter > 0
            ? RandomTransforms(shift: TransformRange(amount: Float(spec.jitter))) : RandomTransforms())
        var train = cascade.train
        train.earlyStopping = nil
        train.maxWallTime = nil
        var seeds = SplitMix64(seed: cascade.seed!, stream: UInt64(group))
        return Experiment(name: CascadeSpec.groupName(spec.groups[group]), seed: seeds.next(), data: data,
                          model: spec.level2Model(group: group), train: train)
    }

    /// Trains until the last epoch, early stopping, divergence, the wall-time limit, the epoch
    /// limit or a stop request; returns the final record (also in `run.json`).
    @discardableResult
    public func run() throws -> RunRecord {
        defer { lock = nil }
        do {
            let outcome = try trainEpochs()
            try finish(outcome)
        } catch {
            record.status = .failed
            record.statusDetail = "\(error)"
            record.endedAt = RunRecord.timestamp()
            try? record.write(to: folder.record)  // the error itself is what the user must see
            throw error
        }
        return record
    }

    private func trainEpochs() throws -> TrainingOutcome {
        for net in nets { try net.loop.start() }
        let metrics = try CascadeMetricsLog(path: folder.metrics, keepingEpochs: position.epochsDone)
        let train = experiment.train
        let wallClockStart = Date()
        var lastCheckpoint = Date()
        say("\(experiment.name): level 1 \(level1.folder.path) (\(fixed(Self.rmsePixels(level1Squares), decimals: 3)) px on "
            + "\(level1.data.validation.count) validation faces); \(nets.count) level-2 nets on \(experiment.cascade.patch)-px patches")
        while position.epochsDone < train.epochs {
            let epoch = position.epochsDone
            let start = Date()
            let stops = try trainNetsOneEpoch()
            if let (index, stop) = stops.enumerated().first(where: { $0.element != nil }).map({ ($0.offset, $0.element!) }) {
                // The epoch a net diverged in is recorded, as a single run records it: NaN.
                let nan = [Double](repeating: .nan, count: Keypoint.allCases.count)
                try metrics.append(MetricsLog.Row(epoch: epoch + 1, trainLoss: .nan, validationLoss: .nan, validationRMSEPixels: .nan,
                                                  learningRate: experiment.train.learningRate.value(at: epoch, of: experiment.train.epochs),
                                                  seconds: Date().timeIntervalSince(start)),
                                   level1RMSEPixels: Self.rmsePixels(level1Squares), keypointRMSEPixels: nan,
                                   level1KeypointRMSEPixels: Self.keypointErrors(level1Squares).map(\.rmsePixels))
                position.epochsDone += 1
                record.epochsRun = position.epochsDone
                return TrainingOutcome(stop.status, "level-2 net \(nets[index].name): \(stop.detail ?? stop.status.rawValue)")
            }
            var squares = level1Squares
            for net in nets {
                let validation = net.lastReport!.validation!
                for (point, value) in validation.keypointSquares { squares[point] = value }
                if case .began(let since)? = net.collapse.observe(validation.outputSpread) {
                    say(CollapseDetector.level2Warning(net: net.name, since: since, spread: validation.outputSpread))
                }
            }
            let collapsed = nets.compactMap { net in
                net.collapse.onset.map { (net.name, RunRecord.Collapse(sinceEpoch: $0, outputSpread: net.collapse.spreads.last!)) }
            }
            record.cascade?.collapsedNets = collapsed.isEmpty ? nil : Dictionary(uniqueKeysWithValues: collapsed)
            let scale = Double(Normalization.targetScale)
            let validationLoss = Self.meanSquare(squares) / (scale * scale)
            let trainLoss = nets.map { $0.lastReport!.row.trainLoss }.reduce(0, +) / Double(nets.count)
            let row = MetricsLog.Row(epoch: epoch + 1, trainLoss: trainLoss, validationLoss: validationLoss,
                                     validationRMSEPixels: Normalization.rmsePixels(meanSquaredError: validationLoss),
                                     learningRate: nets[0].lastReport!.row.learningRate, seconds: Date().timeIntervalSince(start))
            let keypointErrors = Self.keypointErrors(squares)
            try metrics.append(row, level1RMSEPixels: Self.rmsePixels(level1Squares), keypointRMSEPixels: keypointErrors.map(\.rmsePixels),
                               level1KeypointRMSEPixels: Self.keypointErrors(level1Squares).map(\.rmsePixels))
            position.epochsDone += 1
            position.totalTrainSeconds += row.seconds
            let isBest = validationLoss.isFinite && position.bestValidationLoss.map { validationLoss < $0 } ?? true
            let minDelta = train.earlyStopping?.minDelta ?? 0
            let improved = validationLoss.isFinite && position.bestValidationLoss.map { validationLoss < $0 - minDelta } ?? true
            position.epochsWithoutImprovement = improved ? 0 : position.epochsWithoutImprovement + 1
            if isBest {
                position.bestValidationLoss = validationLoss
                position.bestEpoch = epoch + 1
                try CascadeCheckpoint.saveWeights(nets: nets, configHash: identity.configHash, to: folder.bestWeights)
                record.bestEpoch = epoch + 1
                record.bestValidationRMSEPixels = row.validationRMSEPixels
                record.bestKeypointRMSE = keypointErrors
            }
            record.epochsRun = position.epochsDone
            record.finalTrainLoss = trainLoss
            record.finalValidationLoss = validationLoss
            try record.write(to: folder.record)
            say("epoch \(epoch + 1)/\(train.epochs)  val \(fixed(row.validationRMSEPixels, decimals: 3)) px after level 2"
                + " (level 1 \(fixed(Self.rmsePixels(level1Squares), decimals: 3)))  train_loss \(fixed(trainLoss, decimals: 5))"
                + "  \(fixed(row.seconds, decimals: 1)) s" + (isBest ? "  best" : ""))

            var stop: TrainingOutcome?
            if !validationLoss.isFinite {
                stop = TrainingOutcome(.diverged, "validation loss \(validationLoss) after epoch \(epoch + 1)")
            } else if let stopping = train.earlyStopping, position.epochsWithoutImprovement >= stopping.patience {
                stop = TrainingOutcome(.earlyStopped, "no improvement of the validation loss for \(stopping.patience) epochs; "
                                       + "best epoch \(position.bestEpoch ?? 0)")
            } else if let signal = options.stopRequest() {
                stop = TrainingOutcome(.interrupted, "\(Interruption.name(of: signal)) during epoch \(epoch + 1) (kept: it was finished)")
            } else if let limit = train.maxWallTime, Date().timeIntervalSince(wallClockStart) >= limit {
                stop = .wallTimeReached(limit, epoch: epoch + 1)
            } else if let limit = options.epochLimit, position.epochsDone >= limit, position.epochsDone < train.epochs {
                stop = TrainingOutcome(.interrupted, "stopped after \(limit) of \(train.epochs) epochs as asked")
            }
            let isLast = position.epochsDone >= train.epochs
            if stop?.status == .interrupted
                || (stop == nil && !isLast && Date().timeIntervalSince(lastCheckpoint) >= TrainingLoop.checkpointInterval) {
                position.nets = Dictionary(uniqueKeysWithValues: nets.map { net in
                    var saved = net.loop.position
                    saved.optimizerSteps = net.loop.optimizer.stepCount
                    return (net.name, saved)
                })
                try CascadeCheckpoint.save(nets: nets, position: position, configHash: identity.configHash, to: folder.checkpoint)
                lastCheckpoint = Date()
            }
            if let stop { return stop }
        }
        return TrainingOutcome(.completed)
    }

    /// Every net's next epoch, the nets spread over `options.threads` lanes; each net's numbers
    /// are its own, so the split changes none. Returns each net's reason to stop, if any.
    private func trainNetsOneEpoch() throws -> [TrainingOutcome?] {
        let lanes = max(1, min(options.threads, nets.count))
        let results = ResultBox(count: nets.count)
        let nets = self.nets
        DispatchQueue.concurrentPerform(iterations: lanes) { lane in
            for index in stride(from: lane, to: nets.count, by: lanes) {
                results.set(index, Result { try nets[index].loop.trainEpoch() })
            }
        }
        return try results.values.map { try $0!.get() }
    }

    private func finish(_ outcome: TrainingOutcome) throws {
        for net in nets { try net.loop.finish(outcome) }
        if position.epochsDone > 0 {
            try CascadeCheckpoint.saveWeights(nets: nets, configHash: identity.configHash, to: folder.lastWeights)
        }
        if outcome.status != .interrupted, FileManager.default.fileExists(atPath: folder.checkpoint) {
            try FileManager.default.removeItem(atPath: folder.checkpoint)
        }
        record.status = outcome.status
        record.statusDetail = outcome.detail
        record.endedAt = RunRecord.timestamp()
        record.trainImagesPerSecond = position.totalTrainSeconds > 0
            ? Double(position.epochsDone * nets.map(\.loop.training.count).reduce(0, +)) / position.totalTrainSeconds : nil
        try record.write(to: folder.record)
    }
}

/// Each net's result of a parallel epoch, written by the lane that trained it.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [Result<TrainingOutcome?, Error>?]

    init(count: Int) { values = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: Result<TrainingOutcome?, Error>) {
        lock.lock()
        values[index] = value
        lock.unlock()
    }
}
