import Results

/// Appends each finished epoch's row to `metrics.csv`, made durable before the loop goes on.
/// When the run starts, the file is cut back to the epochs the loop's position holds, so a
/// resumed run continues exactly after its checkpoint's last epoch.
final class MetricsWriter: TrainingObserver {
    private let path: String
    private var log: MetricsLog?

    init(path: String) { self.path = path }

    func runStarted(_ loop: TrainingLoop) throws {
        log = try MetricsLog(path: path, keepingEpochs: loop.position.epochsDone)
    }

    func epochFinished(_ report: EpochReport, loop: TrainingLoop) throws {
        try log?.append(report.row)
    }
}
