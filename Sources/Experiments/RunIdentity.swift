import Faces

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

extension RunIdentity {
    /// The identity of the run of experiment `name` whose configuration is `canonicalText`.
    public init(name: String, canonicalText text: String) {
        let hash = Self.configHash(of: text)
        self.init(canonicalText: text, configHash: hash, runID: "\(name)-\(hash.prefix(8))")
    }

    /// The configuration hash of a canonical text (a run's `config.yaml` as written).
    public static func configHash(of canonicalText: String) -> String {
        Fingerprint.sha256(Array(canonicalText.utf8))
    }
}

extension Experiment {
    /// The canonical text, its hash and the run-id, in one pass. Choose the seed first: a
    /// seed is part of the configuration, so a seedless experiment has no run of its own.
    public var identity: RunIdentity { RunIdentity(name: name, canonicalText: canonicalText) }
}

extension CascadeExperiment {
    /// As for an experiment; choose the seed and resolve level 1 (`CascadeSpec.Level1`'s hash
    /// and fingerprint) first: both are part of the configuration.
    public var identity: RunIdentity { RunIdentity(name: name, canonicalText: canonicalText) }
}
