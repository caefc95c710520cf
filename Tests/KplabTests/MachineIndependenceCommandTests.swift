import Foundation
import Testing

/// What `kplab reproduce` promises, tried on the real binary: one experiment and seed give the
/// same metrics.csv, weights and predictions however this machine runs it — any thread count,
/// every kernel level the CPU has, the C library's libm without its FMA variants, and any
/// OPENBLAS_CORETYPE (kplab no longer uses OpenBLAS; the variable must change nothing).
@Suite(.serialized) struct MachineIndependenceCommandTests {
    /// Every way the engine computes a convolution or a product (the direct kernel fused with
    /// ReLU and pooling on a one-channel 96×96 input, as every benchmark network's first layer;
    /// im2col; per-tap GEMMs fused with ReLU and pooling; dense layers both ways, the first one's
    /// forward, 32 × 96 units × 1200 deep, computed as Cᵀ where a thread takes 48 units or more),
    /// seeded flips and dropout, Adam.
    static let experiment = """
        name: anywhere
        seed: 5
        data:
          synthetic: {count: 120, seed: 3}
          validation: {holdout: 24}
          augment: {flip: true}
        model:
          layers:
            - conv: {filters: 4, kernel: 3}
            - relu
            - maxpool: 2
            - conv: {filters: 8, kernel: 5, stride: 2}
            - relu
            - conv: {filters: 12, kernel: 3}
            - relu
            - maxpool: 2
            - flatten
            - dense: 96
            - relu
            - dropout: 0.25
            - dense: 30
        train: {epochs: 2, batch_size: 32, optimizer: adam, learning_rate: 0.002}

        """

    /// A way to run the experiment: its thread count and what it adds to the environment.
    struct Variant: CustomStringConvertible {
        var threads: Int
        var environment: [String: String] = [:]
        var description: String { "\(threads) threads \(environment)" }
    }

    static let variants: [Variant] = [
        Variant(threads: 2), Variant(threads: 1), Variant(threads: 3), Variant(threads: 4), Variant(threads: 7),
        Variant(threads: 2, environment: ["KPLAB_VECTOR_KERNELS": "avx2"]),
        Variant(threads: 2, environment: ["KPLAB_VECTOR_KERNELS": "portable"]),
        Variant(threads: 2, environment: ["GLIBC_TUNABLES": "glibc.cpu.hwcaps=-AVX2,-FMA"]),
        Variant(threads: 2, environment: ["OPENBLAS_CORETYPE": "Prescott"]),
        Variant(threads: 2, environment: ["OPENBLAS_CORETYPE": "Haswell"]),
        Variant(threads: 2, environment: ["OPENBLAS_CORETYPE": "SkylakeX"]),
    ]

    /// metrics.csv without its `seconds` column, the last weights, and predictions on faces it
    /// never saw, as bytes.
    static func outcome(of variant: Variant, in scratch: Scratch) throws -> [Data] {
        let results = "results-\(variant.threads)-\(variant.environment.values.joined())"
        let run = try runKplab(["run", "anywhere.yaml", "--out", results, "--threads", String(variant.threads), "--quiet"],
                               in: scratch.folder, environment: variant.environment)
        #expect(run.status == 0, "\(variant): \(run.standardError)")
        let experimentFolder = scratch.path(results + "/anywhere")
        let folder = experimentFolder + "/" + (try FileManager.default.contentsOfDirectory(atPath: experimentFolder)[0])
        let submission = results + ".csv"
        let predict = try runKplab(["predict", folder, "--data", "test.csv", "--submission", submission,
                                    "--threads", String(variant.threads)], in: scratch.folder, environment: variant.environment)
        #expect(predict.status == 0, "\(variant): \(predict.standardError)")
        let metrics = try String(contentsOfFile: folder + "/metrics.csv", encoding: .utf8).split(separator: "\n").map { line in
            line.split(separator: ",", omittingEmptySubsequences: false).dropLast().joined(separator: ",")
        }
        #expect(try String(contentsOfFile: folder + "/metrics.csv", encoding: .utf8).hasPrefix("epoch,") && metrics[0].hasSuffix(",learning_rate"),
                "seconds is the last column")
        return [Data(metrics.joined(separator: "\n").utf8),
                try Data(contentsOf: URL(fileURLWithPath: folder + "/model.last.kpw")),
                try Data(contentsOf: URL(fileURLWithPath: scratch.path(submission)))]
    }

    @Test func everyThreadCountKernelLevelAndLibraryVariantGivesTheSameBits() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try scratch.write("anywhere.yaml", Self.experiment)
        try scratch.kplab("synth", "--count", "12", "--seed", "9", "--out", "faces.csv").expectSuccess()
        let faces = try scratch.trainingRows("faces.csv")
        try scratch.write("test.csv", "ImageId,Image\n" + faces.enumerated().map { "\($0.offset + 1),\($0.element.image)" }
            .joined(separator: "\n") + "\n")
        let reference = try Self.outcome(of: Self.variants[0], in: scratch)
        for variant in Self.variants.dropFirst() {
            let outcome = try Self.outcome(of: variant, in: scratch)
            for (what, index) in [("metrics.csv", 0), ("weights", 1), ("predictions", 2)] {
                let difference = Self.firstDifference(outcome[index], reference[index])
                #expect(difference == nil, "\(what) differ with \(variant) from byte \(difference ?? 0)")
            }
        }
    }

    /// Where two files' bytes first differ (the shorter one's end, if one is a prefix of the
    /// other), or nil. `#expect(a == b)` on two Data would diff them byte by byte when they
    /// differ: for weights files, minutes in a debug build before the failure is reported.
    static func firstDifference(_ a: Data, _ b: Data) -> Int? {
        if a == b { return nil }
        return zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
    }
}
