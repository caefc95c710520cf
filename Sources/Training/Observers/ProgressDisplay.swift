#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Experiments

/// What a person sees while a run trains. On a terminal: a live bar per epoch (batches,
/// images/s, ETA) redrawn in place, then a one-line summary per epoch. Otherwise (CI, pipes,
/// files): the summary lines only, with no control characters. `quiet` prints nothing here;
/// the caller prints the final summary.
public final class ProgressDisplay: TrainingObserver {
    public enum Mode: Sendable { case live, plain, quiet }

    public let mode: Mode
    private var lastDraw: Double = 0

    public init(mode: Mode) { self.mode = mode }

    /// Live on a terminal, plain otherwise.
    public static func forStandardOutput(quiet: Bool) -> ProgressDisplay {
        ProgressDisplay(mode: quiet ? .quiet : (isatty(STDOUT_FILENO) != 0 ? .live : .plain))
    }

    /// Redraws the bar at most 10 times a second.
    func drawBar(epoch: Int, epochs: Int, batch: Int, batches: Int, images: Int, elapsed: Double) {
        guard mode == .live, elapsed - lastDraw >= 0.1 || batch == batches else { return }
        lastDraw = elapsed
        let width = 30
        let filled = batches > 0 ? width * batch / batches : width
        let rate = elapsed > 0 ? Double(images) / elapsed : 0
        let remaining = batch > 0 ? elapsed / Double(batch) * Double(batches - batch) : 0
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        emit("\r\u{1B}[2Kepoch \(epoch)/\(epochs) \(bar) \(batch)/\(batches)  \(Int(rate)) img/s  ETA \(Int(remaining.rounded()))s")
    }

    func printEpochLine(_ line: String) {
        lastDraw = 0
        switch mode {
        case .live: emit("\r\u{1B}[2K" + line + "\n")
        case .plain: emit(line + "\n")
        case .quiet: break
        }
    }

    /// A message that must be seen even in quiet mode is the caller's to print; this one is
    /// for running commentary.
    public func note(_ line: String) {
        guard mode != .quiet else { return }
        emit((mode == .live ? "\r\u{1B}[2K" : "") + line + "\n")
    }

    public func batchFinished(_ progress: BatchProgress, loop: TrainingLoop) {
        let place = progress.position
        drawBar(epoch: place.epoch, epochs: loop.experiment.train.epochs, batch: place.batch, batches: place.batches,
                images: progress.epochImages, elapsed: progress.epochSeconds)
    }

    /// One line per epoch that ended with a validation pass (a diverged epoch is told by the
    /// run's summary instead).
    public func epochFinished(_ report: EpochReport, loop: TrainingLoop) {
        guard report.validation != nil else { return }
        printEpochLine(Self.summary(report, epochs: loop.experiment.train.epochs))
    }

    /// `epoch  3/20  train 0.012345  val 0.010000  val RMSE 4.800 px  lr 0.01  1.2 s  *best`
    static func summary(_ report: EpochReport, epochs: Int) -> String {
        let row = report.row
        let width = String(epochs).count
        let epoch = String(repeating: " ", count: max(0, width - String(row.epoch).count)) + String(row.epoch)
        return "epoch \(epoch)/\(epochs)  train \(fixed(row.trainLoss, decimals: 6))  val \(fixed(row.validationLoss, decimals: 6))"
            + "  val RMSE \(fixed(row.validationRMSEPixels, decimals: 3)) px  lr \(row.learningRate)  \(fixed(row.seconds, decimals: 1)) s"
            + (report.isBest ? "  *best" : "")
    }

    private func emit(_ text: String) {
        fputs(text, stdout)
        fflush(stdout)
    }
}
