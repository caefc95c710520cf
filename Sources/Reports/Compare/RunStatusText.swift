import Results

extension ComparedRun {
    /// The record's status as people should read it: `stopped` for a record that still says
    /// `running` while no process trains the run (it was killed: resume it with `--resume`),
    /// with `, collapsed` while its output is collapsed (a cascade: `, 2 level-2 nets collapsed`)
    /// and `, no better than the mean face` when its best RMSE never beat predicting every
    /// keypoint at its training mean.
    public var statusText: String {
        let status = record.status == .running && !isBeingTrained ? "stopped" : record.status.rawValue
        let nets = record.cascade?.collapsedNets?.count ?? 0
        return status + (record.collapsed != nil ? ", collapsed" : "")
            + (nets > 0 ? ", \(nets) level-2 net\(nets == 1 ? "" : "s") collapsed" : "")
            + (neverBeatTheMeanFace ? ", no better than the mean face" : "")
    }

    /// Its output is collapsed, or a cascade's level-2 net's is.
    public var isCollapsed: Bool { record.collapsed != nil || record.cascade?.collapsedNets?.isEmpty == false }

    /// Its best validation RMSE is no better than the mean face's (known for runs that recorded it).
    public var neverBeatTheMeanFace: Bool {
        RunRecord.isNoBetterThanMeanFace(best: bestValidationRMSEPixels, meanFace: record.meanFaceRMSEPixels)
    }
}
