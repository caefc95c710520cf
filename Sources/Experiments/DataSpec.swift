import Faces

/// Where the faces come from and how they are split, filtered and augmented.
public struct DataSpec: Hashable, Sendable {
    public enum Source: Hashable, Sendable {
        /// A Kaggle `training.csv`-format file, always an absolute path once decoded: a relative
        /// one is resolved against the folder of the experiment file that holds it (against
        /// the working directory for `--set data.train=…`, as the shell means it), so that a
        /// run's `config.yaml` finds the data from anywhere.
        case file(path: String)
        /// The built-in synthetic faces, generated in memory.
        case synthetic(SyntheticFaces)
    }

    public struct Augment: Hashable, Sendable {
        /// Mirror each training image with probability ½ (x → 95 − x, left/right keypoints
        /// swapped). Validation images are never flipped.
        public var flip: Bool
        /// Shifts, rotations, scaling, brightness and contrast of training faces, each drawn per
        /// face per epoch; none by default. Validation faces are never transformed.
        public var transforms: RandomTransforms

        public init(flip: Bool = Defaults.flip, transforms: RandomTransforms = RandomTransforms()) {
            self.flip = flip
            self.transforms = transforms
        }
    }

    public var source: Source
    /// Which rows are held out: the last N (the original report's split) or a fraction.
    public var validation: ValidationSplit
    public var rows: RowSelection
    /// What happens to a row with missing coordinates (only matters with `rows: all`).
    public var missing: MissingValues
    public var augment: Augment

    public init(source: Source = .synthetic(Defaults.syntheticFaces), validation: ValidationSplit = Defaults.validation,
                rows: RowSelection = Defaults.rows, missing: MissingValues = Defaults.missing, augment: Augment = Augment()) {
        self.source = source
        self.validation = validation
        self.rows = rows
        self.missing = missing
        self.augment = augment
    }
}

extension DataSpec {
    /// The faces this spec names: its file read, or its synthetic faces generated.
    public func loadFaces() throws -> LabeledFaces {
        switch source {
        case .file(let path): return try TrainingFile(path: path).faces
        case .synthetic(let generator): return generator.generate()
        }
    }

    /// `faces` as a run of this spec trains and validates on them: the rows it selects
    /// (`rows`, `missing`), split by `validation` (shuffled with `seed` where it shuffles).
    public func split(_ faces: LabeledFaces, seed: UInt64) -> (training: FaceDataset, validation: FaceDataset) {
        FaceDataset(faces, rows: rows, missing: missing).split(validation, seed: seed)
    }
}
