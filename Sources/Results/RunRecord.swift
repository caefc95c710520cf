import Foundation

/// `run.json`: everything needed to trust and repeat a run. Rewritten atomically whenever
/// its status changes and after every epoch, so it always describes the files beside it.
public struct RunRecord: Codable, Equatable, Sendable {
    public enum Status: String, Codable, Sendable {
        case running, completed, diverged, failed, interrupted
        case earlyStopped = "early-stopped"

        /// Ended as planned (all epochs, or early stopping): there is nothing left to train.
        public var isFinished: Bool { self == .completed || self == .earlyStopped }
        /// Interrupted, or recorded as running by a process that is gone: resumable.
        public var isUnfinished: Bool { self == .interrupted || self == .running }
    }

    public struct Software: Codable, Equatable, Sendable {
        public var kplabVersion: String
        public var gitCommit: String?
        public var gitDirty: Bool?
        public var swiftVersion: String

        enum CodingKeys: String, CodingKey {
            case kplabVersion = "kplab_version", gitCommit = "git_commit", gitDirty = "git_dirty"
            case swiftVersion = "swift_version"
        }
    }

    /// Where a run happened. Since the engine computes every sum in its own fixed order, none
    /// of this changes a run's numbers by itself; it is kept to explain a difference should
    /// one appear (a C library whose libm rounds otherwise, a record from an older kplab).
    public struct Machine: Codable, Equatable, Sendable {
        public var os: String
        public var cpu: String
        /// The CPU features that choose which code runs, those present of "avx512f avx2 fma":
        /// the engine's kernel level and the C library's libm variants follow them.
        public var cpuFeatures: String?
        /// The level the engine's vector kernels ran at: "avx512", "avx2" or "portable".
        public var vectorKernels: String?
        /// The C library, e.g. "glibc 2.36": its libm (log, cos, exp in initializers and
        /// synthetic faces) is the one arithmetic the engine does not own.
        public var libc: String?
        /// Records written before kplab 0.2 name the OpenBLAS build and kernel whose sums
        /// their numbers depended on; newer records have neither.
        public var blasLibrary: String?
        public var blasKernel: String?
        public var threads: Int

        public init(os: String, cpu: String, cpuFeatures: String?, vectorKernels: String?, libc: String?,
                    threads: Int) {
            self.os = os
            self.cpu = cpu
            self.cpuFeatures = cpuFeatures
            self.vectorKernels = vectorKernels
            self.libc = libc
            self.threads = threads
        }

        enum CodingKeys: String, CodingKey {
            case os, cpu, cpuFeatures = "cpu_features", vectorKernels = "vector_kernels", libc
            case blasLibrary = "blas_library", blasKernel = "blas_kernel", threads
        }
    }

    /// An output collapse (`CollapseDetector`) that lasted to the run's latest epoch.
    public struct Collapse: Codable, Equatable, Sendable {
        /// The first epoch of the run of low-spread epochs.
        public var sinceEpoch: Int
        /// The latest epoch's `output_spread`.
        public var outputSpread: Double

        public init(sinceEpoch: Int, outputSpread: Double) {
            self.sinceEpoch = sinceEpoch
            self.outputSpread = outputSpread
        }

        enum CodingKeys: String, CodingKey {
            case sinceEpoch = "since_epoch", outputSpread = "output_spread"
        }
    }

    public struct KeypointError: Codable, Equatable, Sendable {
        public var keypoint: String
        public var rmsePixels: Double
        public var count: Int

        public init(keypoint: String, rmsePixels: Double, count: Int) {
            self.keypoint = keypoint
            self.rmsePixels = rmsePixels
            self.count = count
        }

        enum CodingKeys: String, CodingKey {
            case keypoint, rmsePixels = "rmse_px", count
        }
    }

    public var experiment: String
    public var runID: String
    public var status: Status
    /// Why the run ended the way it did, in plain words (divergence epoch, signal, error…).
    public var statusDetail: String?
    public var seed: UInt64
    public var seedWasChosen: Bool
    public var configHash: String
    public var dataFingerprint: String
    public var software: Software
    public var machine: Machine
    public var startedAt: String
    public var endedAt: String?
    public var epochsRun: Int
    public var bestEpoch: Int?
    public var bestValidationRMSEPixels: Double?
    public var finalTrainLoss: Double?
    public var finalValidationLoss: Double?
    /// Per-keypoint validation RMSE in pixels at the best epoch.
    public var bestKeypointRMSE: [KeypointError]?
    public var trainImagesPerSecond: Double?
    /// The share of the last session's training time (`kplab run` or `--resume`) that steps
    /// spent waiting for their batch to be prepared; absent in records from before prefetching.
    public var trainDataWaitShare: Double? = nil
    public var trainRows: Int
    public var validationRows: Int
    /// Validation RMSE in pixels of predicting every coordinate as its training mean.
    public var meanFaceRMSEPixels: Double?
    /// Present while the output is collapsed (the predictions barely vary between faces);
    /// absent for a healthy run and in records from before collapse detection.
    public var collapsed: Collapse? = nil
    /// For a cascade's run: its level 1 and level-2 nets; nil for a single network's.
    public var cascade: Cascade? = nil

    /// What a cascade's record adds: which level 1 it refines, and how well level 1 alone did
    /// on the same validation faces (the bar level 2 must beat).
    public struct Cascade: Codable, Equatable, Sendable {
        /// Level 1's run folder, as the cascade found it.
        public var level1Run: String
        public var level1RunID: String
        /// Level 1's validation RMSE in pixels as the cascade measured it (its best weights),
        /// overall and per keypoint: what each level-2 net had to beat.
        public var level1ValidationRMSEPixels: Double
        public var level1KeypointRMSE: [KeypointError]?
        /// Each level-2 net's keypoints, `+`-joined: also its folder under `level2/`.
        public var groups: [String]
        /// The side of the patches, in pixels.
        public var patch: Int
        /// The level-2 nets whose output has collapsed (`CollapseDetector` on each net's own
        /// curve) up to the latest epoch, by group; nil when none has. The cascade's own output
        /// follows level 1's, so its `collapsed` cannot show them.
        public var collapsedNets: [String: Collapse]?

        public init(level1Run: String, level1RunID: String, level1ValidationRMSEPixels: Double,
                    level1KeypointRMSE: [KeypointError]?, groups: [String], patch: Int, collapsedNets: [String: Collapse]? = nil) {
            self.level1Run = level1Run
            self.level1RunID = level1RunID
            self.level1ValidationRMSEPixels = level1ValidationRMSEPixels
            self.level1KeypointRMSE = level1KeypointRMSE
            self.groups = groups
            self.patch = patch
            self.collapsedNets = collapsedNets
        }

        enum CodingKeys: String, CodingKey {
            case level1Run = "level1_run", level1RunID = "level1_run_id"
            case level1ValidationRMSEPixels = "level1_val_rmse_px", level1KeypointRMSE = "level1_keypoint_rmse_px", groups, patch
            case collapsedNets = "collapsed_nets"
        }
    }

    enum CodingKeys: String, CodingKey {
        case experiment, runID = "run_id", status, statusDetail = "status_detail", seed
        case seedWasChosen = "seed_chosen_at_random", configHash = "config_hash"
        case dataFingerprint = "data_fingerprint", software, machine
        case startedAt = "started_at", endedAt = "ended_at", epochsRun = "epochs_run"
        case bestEpoch = "best_epoch", bestValidationRMSEPixels = "best_val_rmse_px"
        case finalTrainLoss = "final_train_loss", finalValidationLoss = "final_val_loss"
        case bestKeypointRMSE = "best_keypoint_rmse_px", trainImagesPerSecond = "train_images_per_second"
        case trainDataWaitShare = "train_data_wait_share"
        case trainRows = "train_rows", validationRows = "validation_rows"
        case meanFaceRMSEPixels = "mean_face_rmse_px"
        case collapsed, cascade
    }

    /// The record of a run that starts now: `running`, with no results yet.
    public init(newRunOf experiment: String, runID: String, seed: UInt64, seedWasChosen: Bool, configHash: String,
                dataFingerprint: String, software: Software = .current(), machine: Machine,
                trainRows: Int, validationRows: Int, meanFaceRMSEPixels: Double?) {
        self.experiment = experiment
        self.runID = runID
        status = .running
        self.seed = seed
        self.seedWasChosen = seedWasChosen
        self.configHash = configHash
        self.dataFingerprint = dataFingerprint
        self.software = software
        self.machine = machine
        startedAt = Self.timestamp()
        epochsRun = 0
        self.trainRows = trainRows
        self.validationRows = validationRows
        self.meanFaceRMSEPixels = meanFaceRMSEPixels
    }

    /// Now, as the record writes times: ISO 8601 in UTC.
    public static func timestamp() -> String {
        ISO8601DateFormatter().string(from: Date())
    }

    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try writeAtomically(Array(try encoder.encode(self)) + [0x0A], to: path)
    }

    public static func read(from path: String) throws -> RunRecord {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw UserError("cannot read \(path)")
        }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do {
            return try decoder.decode(RunRecord.self, from: data)
        } catch {
            throw UserError("\(path): not a readable kplab run record (\(error))")
        }
    }
}

extension RunRecord.Software {
    /// This build of kplab: its version, the commit of the repository it was built from
    /// (found from the executable's location) and whether that tree's code had uncommitted
    /// changes: what builds kplab (`sourcePaths`), not results, documents or experiments —
    /// `make reference` deletes the committed reference run before training it again, and its
    /// record had said the code was modified.
    public static func current(executablePath: String = CommandLine.arguments.first ?? "") -> Self {
        let repository = Git.repositoryContaining(path: executablePath)
        return Self(kplabVersion: Results.kplabVersion,
                    gitCommit: repository.flatMap { Git.run(["rev-parse", "HEAD"], in: $0) },
                    gitDirty: repository.flatMap { Git.run(["status", "--porcelain", "--"] + sourcePaths, in: $0) }
                        .map { !$0.isEmpty },
                    swiftVersion: swiftCompilerVersion)
    }

    /// The paths, in kplab's repository, whose content builds kplab (new files there count).
    static let sourcePaths = ["Sources", "Package.swift"]
}

/// The compiler that built kplab, to the minor version (Swift has no finer compile-time test).
let swiftCompilerVersion: String = {
    #if compiler(>=6.4)
    return "6.4 or later"
    #elseif compiler(>=6.3)
    return "6.3"
    #elseif compiler(>=6.2)
    return "6.2"
    #elseif compiler(>=6.1)
    return "6.1"
    #else
    return "6.0"
    #endif
}()

extension RunRecord {
    /// Whether the best validation RMSE `best` is no better than the mean face's — every
    /// keypoint predicted at its training mean: a run that learnt nothing from the images.
    /// Within 1% below counts as no better: a collapsed net that has found the mean face
    /// scores a hair under it (4.702 against 4.705 px) from the faces' own noise. False when
    /// either is unknown.
    public static func isNoBetterThanMeanFace(best: Double?, meanFace: Double?) -> Bool {
        guard let best, let meanFace else { return false }
        return best > meanFace * (1 - meanFaceMargin)
    }

    /// How far below the mean face a run must get to count as having beaten it.
    public static let meanFaceMargin = 0.01

    /// `isNoBetterThanMeanFace` for this record's best epoch.
    public var neverBeatTheMeanFace: Bool {
        Self.isNoBetterThanMeanFace(best: bestValidationRMSEPixels, meanFace: meanFaceRMSEPixels)
    }
}
