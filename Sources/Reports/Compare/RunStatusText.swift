import Results

extension ComparedRun {
    /// The record's status as people should read it: `stopped` for a record that still says
    /// `running` while no process trains the run (it was killed: resume it with `--resume`),
    /// with `, collapsed` while its output is collapsed and `, no better than the mean face`
    /// when its best RMSE never beat predicting every keypoint at its training mean.
    public var statusText: String {
        let status = record.status == .running && !isBeingTrained ? "stopped" : record.status.rawValue
        return status + (record.collapsed != nil ? ", collapsed" : "") + (neverBeatTheMeanFace ? ", no better than the mean face" : "")
    }

    /// Its best validation RMSE is no better than the mean face's (known for runs that recorded it).
    public var neverBeatTheMeanFace: Bool {
        RunRecord.isNoBetterThanMeanFace(best: bestValidationRMSEPixels, meanFace: record.meanFaceRMSEPixels)
    }
}
