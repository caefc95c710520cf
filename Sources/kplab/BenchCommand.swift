import ArgumentParser
import Benchmarks
import Engine

extension BenchmarkArchitecture: ExpressibleByArgument {}

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure training and inference images/s of a benchmark network on random data.",
        discussion: """
            The networks are those of the peers' benchmark (mlp, cnn-small, cnn-large, nouri). \
            Prints one key=value line: arch, threads, batch, train_img_s, infer_img_s, gflop_s \
            (training), infer_gflop_s, peak_gflop_s (one core's peak fp32 FMA rate, measured by \
            a short register-only loop), train_peak_pct and infer_peak_pct (GFLOP/s as a \
            percentage of that peak × threads), peak_rss_mb, vector_kernels (the instruction set \
            of the engine's own kernels), train_img_cpu_s, infer_img_cpu_s. Rates are medians over the \
            timed windows after untimed warm-up steps; *_cpu_s count images per second of this \
            process's CPU time (steadier on a shared machine). gflop_s counts the conv and dense \
            FLOPs of a training step's dense products: forward, weight gradient and input \
            gradient of each layer, except the first layer's input gradient, which is never \
            computed (the peers' count). Gradients behind a ReLU, pool or dropout skip the \
            terms of their zeros, so the share of peak is nominal and can pass 100%. For one \
            thread, pin the process to one core too (taskset -c 0).
            """)

    static let maximumBatch = 4096

    @Option(help: "Network: \(BenchmarkArchitecture.allCases.map(\.rawValue).joined(separator: ", ")).")
    var arch: BenchmarkArchitecture

    @Option(help: "Threads the engine splits each batch across.")
    var threads: Int = 1

    @Option(help: "Batch size (default: the peers' size for the network, 100 or 128).")
    var batch: Int?

    @Option(help: "Steps per timed window.")
    var steps: Int = 5

    @Option(help: "Timed windows; the median is reported.")
    var windows: Int = 5

    @Flag(help: """
        Also print where the timed training steps spent their time: each step of the network's \
        plan (a layer, or a fused conv → activation → pool) forward and backward in ms per \
        step, its share of the step, GFLOP/s and % of peak; then the batch's copy (0 when the \
        network reads the batch in place), the optimizer, and the rest.
        """)
    var profile = false

    func validate() throws {
        try ThreadCount.check(threads)
        // The largest peers' batch is 128; past a few thousand faces the activations alone
        // outgrow a machine's memory, and an allocation that fails is a crash, not a message.
        if let batch, !(1 ... Self.maximumBatch).contains(batch) {
            throw ValidationError("--batch must be 1 to \(Self.maximumBatch), got \(batch)")
        }
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1, got \(steps)") }
        guard windows >= 1 else { throw ValidationError("--windows must be at least 1, got \(windows)") }
    }

    func run() throws {
        let benchmark = Benchmark(architecture: arch, threads: threads, batchSize: batch,
                                  steps: steps, windows: windows, profiles: profile)
        let result = try benchmark.run()
        print(result.line)
        if let table = result.profile { print(table) }
    }
}
