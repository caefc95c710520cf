/// Where the faces come from and how they are split, filtered and augmented.
public struct DataSpec: Hashable, Sendable {
    public enum Source: Hashable, Sendable {
        /// A Kaggle `training.csv`-format file; a relative path is relative to the working
        /// directory kplab runs in (so `--set data.train=…` means what the shell means).
        case file(path: String)
        /// The built-in synthetic faces, generated in memory.
        case synthetic(SyntheticFaces)
    }

    /// Parameters of the built-in synthetic face generator.
    public struct SyntheticFaces: Hashable, Sendable {
        /// Number of faces generated (training and validation together).
        public var count: Int
        /// The generator's own seed, separate from the experiment's, so that runs with
        /// different seeds still see the same faces.
        public var seed: UInt64
        /// Leave labels missing in Kaggle's pattern (most rows keep only the eye centres,
        /// nose tip and bottom lip).
        public var missingLabels: Bool

        public init(count: Int = Defaults.syntheticCount, seed: UInt64 = Defaults.syntheticSeed,
                    missingLabels: Bool = Defaults.syntheticMissingLabels) {
            self.count = count
            self.seed = seed
            self.missingLabels = missingLabels
        }
    }

    /// Which rows are held out for validation.
    public enum Validation: Hashable, Sendable {
        /// The last `rows` rows, in file order (the original report's split).
        case holdout(rows: Int)
        /// round(fraction × n) of the rows, either drawn with a
        /// generator seeded from the experiment's seed (`shuffle: true`) or taken from the
        /// end of the file (`shuffle: false`).
        case fraction(Double, shuffle: Bool)
    }

    /// Which rows enter the data set at all.
    public enum Rows: String, CaseIterable, Hashable, Sendable {
        /// Every row, whether or not all 30 coordinates are present.
        case all
        /// Only rows with all 30 coordinates (the report's 2140 of Kaggle's 7049).
        case complete
    }

    /// What happens to a row with missing coordinates (only matters with `rows: all`).
    public enum Missing: String, CaseIterable, Hashable, Sendable {
        /// Keep the row; the loss and the RMSE cover only its present coordinates.
        case mask
        /// Drop the row (with `rows: all` this selects the same rows as `rows: complete`).
        case drop
    }

    public struct Augment: Hashable, Sendable {
        /// Mirror each training image with probability ½ (x → 95 − x, left/right keypoints
        /// swapped). Validation images are never flipped.
        public var flip: Bool

        public init(flip: Bool = Defaults.flip) { self.flip = flip }
    }

    public var source: Source
    public var validation: Validation
    public var rows: Rows
    public var missing: Missing
    public var augment: Augment

    public init(source: Source = .synthetic(SyntheticFaces()), validation: Validation = Defaults.validation,
                rows: Rows = Defaults.rows, missing: Missing = Defaults.missing, augment: Augment = Augment()) {
        self.source = source
        self.validation = validation
        self.rows = rows
        self.missing = missing
        self.augment = augment
    }
}
