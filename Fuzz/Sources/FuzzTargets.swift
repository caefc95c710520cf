import Experiments
import Faces
import Foundation
import Results
import Training
import YAML

/// The readers of files kplab did not write itself, each fed arbitrary bytes. A thrown error
/// is the right answer to a bad input; a crash, a trap, a sanitizer report or a hang is a bug.
enum FuzzTarget: String, CaseIterable {
    /// An experiment or sweep file (YAML through libyaml, then the typed decoder), optionally
    /// with `--set` overrides: the input's lines after a NUL byte are `dotted.key=value` texts.
    case experiment
    /// Kaggle's CSV formats: the first byte chooses training.csv, test.csv or IdLookupTable.csv.
    case csv
    /// A weights or checkpoint archive (`.kpw`), and the checkpoint's loop position in its metadata.
    case weights
    /// The engine's C kernels against their twins, at every level (`KernelFuzzing`): there a
    /// trap is a wrong result or a sanitizer report, never a bad input.
    case kernels

    /// The target a fuzzing binary runs: `KPLAB_FUZZ_TARGET`, by default `experiment`.
    static var selected: FuzzTarget {
        ProcessInfo.processInfo.environment["KPLAB_FUZZ_TARGET"].flatMap(FuzzTarget.init(rawValue:)) ?? .experiment
    }

    func run(_ input: [UInt8]) {
        switch self {
        case .experiment: Self.experiment(input)
        case .csv: Self.csv(input)
        case .weights: Self.weights(input)
        case .kernels: KernelFuzzing.run(input)
        }
    }

    private static func experiment(_ input: [UInt8]) {
        let parts = input.split(separator: 0, maxSplits: 1, omittingEmptySubsequences: false)
        let yaml = Array(parts[0])
        let sets = parts.count > 1 ? String(decoding: parts[1], as: UTF8.self).split(separator: "\n").map(String.init) : []
        guard let document = try? Document(bytes: yaml, path: "fuzz.yaml") else { return }
        let overrides = sets.compactMap { try? Override(parsing: $0) }
        if Sweep.isSweep(document.root) {
            guard let sweep = try? Sweep(decoding: document.root, source: document.source, path: "/nonexistent/fuzz.yaml")
            else { return }
            _ = try? sweep.expand(overrides: overrides)
        } else if document.root.mapping?.contains(where: { $0.key.scalar?.text == "cascade" }) == true {
            guard let cascade = try? CascadeExperiment.decode(text: String(decoding: yaml, as: UTF8.self), path: "fuzz.yaml",
                                                              overrides: overrides) else { return }
            // The same promise for a cascade's config.yaml (its data overrides belong to level 1).
            var recorded = cascade
            recorded.cascade.level1.dataOverrides = []
            let again = try? CascadeExperiment.decode(text: cascade.canonicalText, path: "fuzz.yaml")
            guard again == recorded else {
                fatalError("the cascade's canonical form does not read back:\n\(cascade.canonicalText)")
            }
        } else {
            guard let experiment = try? Experiment.decode(text: String(decoding: yaml, as: UTF8.self), path: "fuzz.yaml",
                                                          overrides: overrides) else { return }
            // What a run records as config.yaml must read back as the same experiment (names,
            // inputs and merges included), or resuming and reproducing it would train another.
            let again = try? Experiment.decode(text: experiment.canonicalText, path: "fuzz.yaml")
            guard again == experiment else {
                fatalError("the canonical form does not read back:\n\(experiment.canonicalText)")
            }
        }
    }

    private static func csv(_ input: [UInt8]) {
        guard let format = input.first else { return }
        let text = String(decoding: input.dropFirst(), as: UTF8.self)
        switch format % 3 {
        case 0: _ = try? TrainingFile(text: text, path: "training.csv")
        case 1: _ = try? UnlabeledFaces(text: text, path: "test.csv")
        default: _ = try? LookupTable(text: text, path: "IdLookupTable.csv")
        }
    }

    private static func weights(_ input: [UInt8]) {
        guard let archive = try? TensorArchive(bytes: input, path: "fuzz.kpw") else { return }
        guard let position = try? JSONDecoder().decode(LoopPosition.self, from: Data(archive.metadata.utf8)) else { return }
        try? position.validate(epochs: 10, batchesPerEpoch: 5, file: "fuzz.kpw")
    }
}
