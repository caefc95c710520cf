import Results

extension ComparedRun {
    /// The record's status as people should read it: `stopped` for a record that still says
    /// `running` while no process trains the run (it was killed: resume it with `--resume`),
    /// with `, collapsed` while its output is collapsed.
    public var statusText: String {
        let status = record.status == .running && !isBeingTrained ? "stopped" : record.status.rawValue
        return status + (record.collapsed != nil ? ", collapsed" : "")
    }
}
