import Faces

/// A cascade (after Sun, Wang & Tang, CVPR 2013, "Deep Convolutional Network Cascade for
/// Facial Point Detection"): a level-1 network predicts every keypoint from the whole face;
/// level-2 networks each look at a small patch centred on level 1's prediction of their group of
/// keypoints and predict where those keypoints are within it.
///
/// Decoded from a file whose top level has `cascade:` (`CascadeExperiment.load`); trained by
/// `CascadeRun`. The faces are level 1's: the same file and the same validation rows, so that
/// level 2 is validated on faces neither level trained on.
public struct CascadeExperiment: Hashable, Sendable {
    /// Names the results folder `results/<name>/`, as for any experiment.
    public var name: String
    /// The seed the level-2 nets' draws derive from (weights, batch order, jitter, dropout);
    /// nil: chosen when the run starts and recorded.
    public var seed: UInt64?
    public var cascade: CascadeSpec
    /// How every level-2 net trains. Early stopping watches the cascade's validation loss (all
    /// keypoints after level 2), so every net stops at the same epoch.
    public var train: TrainSpec

    public init(name: String, seed: UInt64? = nil, cascade: CascadeSpec, train: TrainSpec) {
        self.name = name
        self.seed = seed
        self.cascade = cascade
        self.train = train
    }
}

public struct CascadeSpec: Hashable, Sendable {
    /// The level-1 network: a finished run's folder, or an experiment file that is trained
    /// first (into the same results folder) unless its run is already there.
    public struct Level1: Hashable, Sendable {
        /// Absolute: relative paths are resolved against the cascade file's folder.
        public var path: String
        /// True when `path` is an experiment file (it ends in `.yaml` or `.yml`).
        public var isExperimentFile: Bool
        /// Level 1's configuration hash and data fingerprint once its run is known: the
        /// cascade's identity includes them, so a cascade on another level 1 (or on level 1
        /// trained on other faces) is another run. Written into the recorded `config.yaml`;
        /// a run checks the folder still holds them.
        public var configHash: String?
        public var dataFingerprint: String?
        /// `--set data.…` given to the cascade, for an experiment file trained first: a
        /// cascade's faces are its level 1's, so they change there (and with them level 1's
        /// run and the cascade's identity).
        public var dataOverrides: [String] = []
        /// Where level 1's training file is now, when `kplab reproduce --data` found it away
        /// from the path level 1's `config.yaml` records; not part of the cascade's identity
        /// (the file's fingerprint is).
        public var movedDataFile: String?

        public init(path: String, isExperimentFile: Bool, configHash: String? = nil, dataFingerprint: String? = nil) {
            self.path = path
            self.isExperimentFile = isExperimentFile
            self.configHash = configHash
            self.dataFingerprint = dataFingerprint
        }
    }

    public var level1: Level1
    /// The side of the square patch each level-2 net reads, in pixels of the 96×96 face.
    public var patch: Int
    /// In training, each patch's centre moves by an offset drawn uniformly from ±`jitter`
    /// pixels on each axis, per (seed, epoch, face): level 1 is more accurate on the faces it
    /// trained on than on new ones, so without it level 2 would learn to correct errors smaller
    /// than those it meets. Validation and prediction use no jitter.
    public var jitter: Double
    /// One level-2 net per group; each keypoint in at most one group. A keypoint in none keeps
    /// level 1's prediction.
    public var groups: [[Keypoint]]
    /// The level-2 nets' layers; the cascade ends each with `dense: 2 × its keypoints`.
    public var model: ModelSpec

    public init(level1: Level1, patch: Int = Self.defaultPatch, jitter: Double = Self.defaultJitter,
                groups: [[Keypoint]] = Self.perKeypoint, model: ModelSpec) {
        self.level1 = level1
        self.patch = patch
        self.jitter = jitter
        self.groups = groups
        self.model = model
    }

    public static let defaultPatch = 24
    public static let defaultJitter = 2.0
    /// Sun et al.'s choice: a net for each keypoint.
    public static let perKeypoint = Keypoint.allCases.map { [$0] }
    /// A patch from 8 pixels (less holds no shape) to the whole face.
    public static let patchSides = 8...96

    /// The network of group `index`: on a patch, ending in its keypoints' coordinates.
    public func level2Model(group index: Int) -> ModelSpec {
        model.level2(patchSide: patch, outputs: 2 * groups[index].count)
    }

    /// `left_eye_center`, `mouth_left_corner+mouth_right_corner`: names the group's net, its
    /// folder and its tensors.
    public static func groupName(_ group: [Keypoint]) -> String {
        group.map(\.name).joined(separator: "+")
    }
}

extension CascadeExperiment {
    /// Plain words for `kplab check`:
    ///
    ///     cascade (seed 1; the run id follows from level 1's run)
    ///     level 1: results/realfaces/realfaces-1a2b3c4d (a run folder)
    ///     level 2: 15 nets (one per keypoint) on 24-px patches, jitter ±2 px
    ///     train: 30 epochs of batch 64 …
    public var overview: String {
        let identityText = seed.map { "seed \($0); the run id follows from level 1's run" } ?? "seed chosen at random when it runs"
        let level1 = cascade.level1
        let kind = level1.isExperimentFile ? "an experiment file, trained first unless its run is done" : "a run folder"
        let grouping = cascade.groups == CascadeSpec.perKeypoint ? "one per keypoint"
            : cascade.groups.map(CascadeSpec.groupName).joined(separator: ", ")
        return "\(name) (\(identityText))\n" + "level 1: \(level1.path) (\(kind))\n"
            + "level 2: \(cascade.groups.count) net\(cascade.groups.count == 1 ? "" : "s") (\(grouping)) on \(cascade.patch)-px patches, "
            + "jitter ±\(cascade.jitter) px\n" + "train: \(train.overview)"
    }
}
