import Engine
import Faces
import Inference
import Results

/// With diagnostics on: after each epoch, one `DiagnosticsLog.Row` per parameterised layer
/// from a `LayerProbe` pass and the parameters' norms, appended to `diagnostics.csv` (cut back
/// to the loop's finished epochs when the run starts, like `metrics.csv`).
///
/// It keeps every parameter before the epoch's last training step, so that the step can be
/// measured; a run without diagnostics has no such observer and the loop does nothing extra.
final class DiagnosticsWriter: TrainingObserver {
    private let path: String
    private var network: Network!
    private var probe: LayerProbe!
    private var log: DiagnosticsLog!
    /// Every parameter's values before the epoch's last optimizer step; nil when that step
    /// did not run in this process (a run resumed right at the end of an epoch).
    private var before: [[Float]]?

    init(path: String) { self.path = path }

    func runStarted(_ loop: TrainingLoop) throws {
        network = loop.network
        probe = LayerProbe(network: loop.network, validation: loop.data.validation)
        log = try DiagnosticsLog(path: path, keepingEpochs: loop.position.epochsDone)
    }

    // The weights do not change in forward or backward, only in the optimizer's step.
    func batchStarting(_ batch: BatchPosition, loop: TrainingLoop) {
        if batch.isLastOfEpoch { before = network.parameters.map(\.values) }
    }

    /// Measures the network as the epoch leaves it and appends the rows (not for an epoch cut
    /// short by divergence: there is nothing sound to measure).
    func epochFinished(_ report: EpochReport, loop: TrainingLoop) throws {
        guard report.validation != nil else { return }
        try log.append(rows(epoch: report.row.epoch))
        before = nil
    }

    func rows(epoch: Int) -> [DiagnosticsLog.Row] {
        let measurements = probe.measure()
        let position = Dictionary(uniqueKeysWithValues: network.parameters.enumerated().map { (ObjectIdentifier($1), $0) })
        func norms(_ parameter: Parameter?) -> DiagnosticsLog.Norms {
            guard let parameter else { return .missing }
            let values = parameter.values
            let earlier = before?[position[ObjectIdentifier(parameter)]!]
            return .init(norm: l2Norm(values),
                         gradientNorm: earlier == nil ? .nan : l2Norm(parameter.gradient),
                         updateNorm: earlier.map { l2Distance(values, $0) } ?? .nan)
        }
        return network.nodes.enumerated().compactMap { index, node in
            let parameters = node.operation.parameters
            guard let measurement = measurements[index], !parameters.isEmpty else { return nil }
            return DiagnosticsLog.Row(
                epoch: epoch, layer: node.name, activationMean: measurement.activations.mean,
                activationStandardDeviation: measurement.activations.standardDeviation,
                deadFraction: measurement.dead?.fraction, biasShare: measurement.biasShare,
                weight: norms(parameters.first { $0.role == .weight }),
                bias: norms(parameters.first { $0.role == .bias }))
        }
    }
}
