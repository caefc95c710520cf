/// Which rows of a labeled file take part (the experiment's `data.rows`).
public enum RowSelection: String, Sendable, CaseIterable {
    /// Only rows with all 30 coordinates (the report's choice: 2140 of Kaggle's 7049).
    case complete
    /// Every row; what happens to missing coordinates is `MissingValues`.
    case all
}

/// What to do with missing coordinates (the experiment's `data.missing`).
public enum MissingValues: String, Sendable, CaseIterable {
    /// Keep the row; its missing coordinates get mask 0 (and target 0), so a masked loss
    /// ignores them.
    case mask
    /// Drop every row with any missing coordinate. With `rows: all` this is the same as
    /// `rows: complete`; it exists so that an experiment can say it outright.
    case drop
}

/// How the validation rows are chosen (the experiment's `data.validation`).
public enum ValidationSplit: Sendable, Hashable {
    /// The last `count` rows, in file order, unshuffled (the report's split; on files sorted by
    /// person this keeps people apart).
    case holdout(Int)
    /// round(fraction × n) rows; when `shuffle`, chosen by a seeded permutation, otherwise the last ones.
    case fraction(Double, shuffle: Bool)
}

/// Row order within an epoch.
public enum BatchOrder: Sendable, Hashable {
    /// File order every epoch (the report's loop: no shuffling).
    case file
    /// A fresh seeded permutation each epoch: epoch e uses stream e of the plan's seed.
    case shuffled
}

/// What to do with the rows that do not fill a last whole batch.
/// Raw values are the names experiment files use.
public enum LastBatch: String, Sendable, Hashable, CaseIterable {
    /// A smaller final batch.
    case keep
    /// Only whole batches; the n mod b leftover rows sit out this epoch.
    case dropPartial = "drop"
    /// The report's loop exactly: `zip(range(0, n, b), range(b, n, b))`, i.e. whole batches
    /// that end strictly before row n — which also drops the final whole batch when b divides n.
    case reportZip = "end-before-last-row"
}
