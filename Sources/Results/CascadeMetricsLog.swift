import Faces

/// A cascade's `metrics.csv`: `MetricsLog`'s columns, so that `compare`, plots and `reproduce`
/// read it as any run's, where `val_loss` and `val_rmse_px` are the cascade's (every keypoint,
/// after level 2), followed by
/// - `level1_val_rmse_px`: level 1 alone on the same validation faces (the same every epoch);
/// - `<keypoint>_px` for each of the 15 keypoints: its validation RMSE after level 2 (level 1's
///   where no level-2 net refines it);
/// - `level1_<keypoint>_px`: level 1's alone, for the gain per keypoint.
/// `train_loss` is the mean of the level-2 nets' training losses (each on its own patch
/// scale), and `output_spread` is not measured (NaN).
public final class CascadeMetricsLog {
    public static let columns = MetricsLog.columns + ["level1_val_rmse_px"] + keypointColumns + level1KeypointColumns
    public static let keypointColumns = Keypoint.allCases.map { $0.name + "_px" }
    /// Level 1's own error per keypoint on the same faces: the same every epoch, beside each
    /// keypoint's after level 2 so a row reads as the gain.
    public static let level1KeypointColumns = Keypoint.allCases.map { "level1_" + $0.name + "_px" }

    private let file: EpochCSVFile

    /// Opens `path` for appending, cut back to `keepingEpochs` rows (as `MetricsLog`).
    public init(path: String, keepingEpochs: Int = 0) throws {
        file = try EpochCSVFile(path: path, header: Self.columns.joined(separator: ","), keepingEpochs: keepingEpochs)
    }

    /// - Parameters:
    ///   - keypointRMSEPixels: after level 2, 15 values in Kaggle's keypoint order.
    ///   - level1KeypointRMSEPixels: level 1's, the same.
    public func append(_ row: MetricsLog.Row, level1RMSEPixels: Double, keypointRMSEPixels: [Double],
                       level1KeypointRMSEPixels: [Double]) throws {
        precondition(keypointRMSEPixels.count == Self.keypointColumns.count && level1KeypointRMSEPixels.count == Self.keypointColumns.count)
        try file.append([([row.csvLine, roundTripText(level1RMSEPixels)] + (keypointRMSEPixels + level1KeypointRMSEPixels).map(roundTripText))
            .joined(separator: ",")])
    }
}
