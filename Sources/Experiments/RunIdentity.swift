import Crypto

/// Who a run is: its experiment's canonical text, that text's SHA-256 and the run-id naming
/// its folder. Computed once, by `Experiment.identity`, from the experiment with its seed.
public struct RunIdentity: Sendable, Equatable {
    /// `Experiment.canonicalText`: what the run records as `config.yaml`.
    public var canonicalText: String
    /// SHA-256 of `canonicalText`, 64 lowercase hex digits.
    public var configHash: String
    /// `<name>-<first 8 hex digits of configHash>`, the run's folder under `results/<name>/`.
    public var runID: String
}

extension Experiment {
    /// The canonical text, its hash and the run-id, in one pass. Choose the seed first: a
    /// seed is part of the configuration, so a seedless experiment has no run of its own.
    public var identity: RunIdentity {
        let text = canonicalText
        let hash = SHA256.hash(data: Array(text.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
        return RunIdentity(canonicalText: text, configHash: hash, runID: "\(name)-\(hash.prefix(8))")
    }
}
