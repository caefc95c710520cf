import Engine
import Faces

/// With diagnostics on: after each epoch, one `DiagnosticsLog.Row` per parameterised layer
/// from a `LayerProbe` pass and the parameters' norms, appended to `diagnostics.csv`.
///
/// The training loop's only part is `rememberWeights()` before the epoch's last batch, so
/// that the last update can be measured; with diagnostics off the loop does nothing extra.
final class LayerDiagnostics {
    private let network: Network
    private let probe: LayerProbe
    private let log: DiagnosticsLog
    /// Every parameter's values before the epoch's last optimizer step; nil when that step
    /// did not run in this process (a run resumed right at the end of an epoch).
    private var before: [[Float]]?

    init(network: Network, validation: FaceDataset, path: String, keepingEpochs: Int) throws {
        self.network = network
        probe = LayerProbe(network: network, validation: validation)
        log = try DiagnosticsLog(path: path, keepingEpochs: keepingEpochs)
    }

    /// Call before the epoch's last training step (the weights do not change in forward or backward).
    func rememberWeights() {
        before = network.parameters.map(\.values)
    }

    /// Measures the network as `epoch` (1-based) leaves it and appends the rows.
    func record(epoch: Int) throws {
        try log.append(rows(epoch: epoch))
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
        return network.layers.enumerated().compactMap { index, layer in
            guard let measurement = measurements[index], let first = layer.parameters.first else { return nil }
            // "layer4.conv.weight" → "layer4.conv"
            let name = first.name.split(separator: ".").dropLast().joined(separator: ".")
            return DiagnosticsLog.Row(
                epoch: epoch, layer: name, activationMean: measurement.activations.mean,
                activationStandardDeviation: measurement.activations.standardDeviation,
                deadFraction: measurement.dead?.fraction, biasShare: measurement.biasShare,
                weight: norms(layer.parameters.first { $0.role == .weight }),
                bias: norms(layer.parameters.first { $0.role == .bias }))
        }
    }
}
