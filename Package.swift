// swift-tools-version:6.0
// KeypointLab: a command-line experiment runner for facial keypoint detection.
// Dependencies run one way: C shims → YAML / Engine → Faces → Experiments → Results, then
// Results → Inference → Training, Results → Sweeps, Results → Reports; Dashboard builds on
// Reports, Sweeps and Inference; Benchmarks needs Experiments and the Engine; kplab uses them all.
import PackageDescription

let package = Package(
    name: "KeypointLab",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "kplab", targets: ["kplab"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // `kplab serve`'s HTTP and WebSocket server: no dependencies of its own (no SwiftNIO), so
        // it adds seconds, not minutes, to a cold build on 2 cores.
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
    ],
    targets: [
        // C shims: the only places that see C headers.
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        // Fixed-order vector kernels (matrix product, pooling, direct convolution), each compiled
        // for AVX-512, AVX2+FMA and portable C and chosen at run time; every version gives the
        // same bits. No contraction: an FMA happens only where the code asks for one.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3", "-ffp-contract=off"])]),

        // libyaml events → node tree with line:column marks. Knows nothing of experiments.
        .target(name: "YAML", dependencies: ["CYAML"]),
        // Tensors, layers, initializers, losses, optimizers. Knows nothing of YAML, files or Kaggle.
        .target(name: "Engine", dependencies: ["CKernels"], swiftSettings: optimized),
        // Kaggle CSV, keypoint names, datasets, splits, batches, augmentation, synthetic faces.
        .target(name: "Faces", dependencies: [.product(name: "Crypto", package: "swift-crypto")],
                swiftSettings: optimized),
        // The typed experiment spec, its decoding with precise errors (one key table per section,
        // shared with the canonical form), overrides, sweep expansion, run identity, the model builder.
        .target(name: "Experiments", dependencies: ["YAML", "Engine", "Faces"]),
        // A run folder's layout and every file in it: the record (run.json) with its status,
        // metrics.csv, diagnostics.csv, weights archives, the lock, run discovery. Knows no network.
        .target(name: "Results", dependencies: ["Faces"]),
        // A network applied to faces: evaluation (RMSE per keypoint, output spread), trained
        // models loaded from run folders, predictions and Kaggle submissions.
        .target(name: "Inference", dependencies: ["Results", "Experiments", "Engine", "Faces"]),
        // One run: the epoch loop and the observers it reports to (terminal, metrics, checkpoints,
        // weights, diagnostics, the record), resumption and reproduction.
        .target(name: "Training", dependencies: ["Inference", "Results", "Experiments", "Engine", "Faces"]),
        // Many runs: which runs of a sweep plan still need training, and executors that train them
        // (today: local child processes).
        .target(name: "Sweeps", dependencies: ["Results", "Experiments", "Faces"]),
        // What people read: comparison tables, SVG plots, HTML reports, PNG contact sheets.
        .target(name: "Reports", dependencies: ["Results", "Experiments", "YAML", "Faces", "CPNG"]),
        // `kplab serve`: a live view over run folders in the browser. An index of run summaries
        // kept fresh by polling the folders, JSON and pictures on request, epochs pushed over a
        // WebSocket. Reads the folders only.
        .target(name: "Dashboard", dependencies: ["Reports", "Sweeps", "Inference", "Results", "Experiments", "Faces",
                                                  .product(name: "FlyingFox", package: "FlyingFox")]),
        // The benchmark networks (the peers' four and the residual net, written as experiment files), timed.
        .target(name: "Benchmarks", dependencies: ["Experiments", "Engine"]),
        // The thin command-line interface.
        .executableTarget(name: "kplab", dependencies: [
            "Training", "Sweeps", "Reports", "Dashboard", "Inference", "Benchmarks", "Results", "Experiments", "Faces", "Engine", "YAML",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Fuzz targets for the readers of files kplab did not write and for the C kernels against
        // their twins (`make fuzz`); built without the fuzzer it replays the committed corpus
        // (Fuzz/corpus).
        .executableTarget(name: "kplab-fuzz", dependencies: ["CKernels", "Engine", "Experiments", "Faces", "Results",
                                                           "Training", "YAML"],
                          path: "Fuzz/Sources"),

        .testTarget(name: "YAMLTests", dependencies: ["YAML"], resources: [.copy("Fixtures")]),
        .testTarget(name: "EngineTests", dependencies: ["Engine"], exclude: ["optimizer_golden.py"]),
        .testTarget(name: "FacesTests", dependencies: ["Faces"]),
        .testTarget(name: "ExperimentsTests", dependencies: ["Experiments", "YAML"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ResultsTests", dependencies: ["Results"]),
        .testTarget(name: "InferenceTests", dependencies: ["Inference", "Results", "Experiments", "Faces", "Engine"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Reports", "Inference", "Results", "Experiments", "Faces", "Engine"]),
        .testTarget(name: "SweepsTests", dependencies: ["Sweeps", "Results", "Experiments"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "Results", "Experiments", "Faces"]),
        .testTarget(name: "DashboardTests", dependencies: ["Dashboard", "Sweeps", "Reports", "Results"]),
        .testTarget(name: "BenchmarksTests", dependencies: ["Benchmarks", "Experiments", "Engine"]),
        .testTarget(name: "KplabTests", dependencies: ["kplab", "kplab-fuzz"]),
    ],
    swiftLanguageModes: [.v5]
)

/// Numeric code is unusable at -Onone (10–50× slower), and the tests train small networks:
/// the engine and the data pipeline are always compiled with optimisation.
var optimized: [SwiftSetting] { [.unsafeFlags(["-O"])] }
