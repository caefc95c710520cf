import Experiments
import Foundation

extension Training {
    /// Whether this run writes `diagnostics.csv`: `train.diagnostics` or `--diagnostics`.
    public var writesDiagnostics: Bool { options.diagnostics || experiment.train.diagnostics }

    /// The per-layer recorder when diagnostics are on, its file cut back to the epochs the
    /// checkpoint holds; nil otherwise, and then the loop does no diagnostic work at all.
    func layerDiagnostics() throws -> LayerDiagnostics? {
        guard writesDiagnostics else { return nil }
        return try LayerDiagnostics(network: network, validation: data.validation, path: folder.diagnostics,
                                    keepingEpochs: position.epochsDone)
    }

    /// Keeps the record's collapse flag in step with the latest epoch and says once, in plain
    /// words, when the output collapses (and when it recovers).
    func note(_ change: CollapseWatch.Change?, watch: CollapseWatch, spread: Double) {
        record.collapsed = watch.onset.map { RunRecord.Collapse(sinceEpoch: $0, outputSpread: spread) }
        switch change {
        case .began(let epoch)?:
            display.note(CollapseDetector.warning(since: epoch, spread: spread))
        case .ended(let epoch)?:
            display.note("note: the output is no longer collapsed: output_spread \(fixed(spread, decimals: 3)) at epoch \(epoch)")
        case nil:
            break
        }
    }
}
