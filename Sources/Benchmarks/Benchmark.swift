import Engine
import Experiments
#if canImport(Glibc)
import Glibc
#endif

/// Throughput of one benchmark network, measured the way the peers' scripts measure it:
/// random inputs (a pool of 8 batches), SGD with classic momentum 0.9 (PyTorch's form),
/// plain MSE; warm-up steps untimed, then `windows` windows of `steps` steps each, and the
/// median images/s over the windows.
public struct Benchmark: Sendable {
    public var architecture: BenchmarkArchitecture
    public var threads: Int
    public var batchSize: Int
    public var steps: Int
    public var windows: Int
    /// Whether to time the training windows step by step of the plan too (`StepProfileTable`).
    public var profiles: Bool

    public init(architecture: BenchmarkArchitecture, threads: Int = 1, batchSize: Int? = nil,
                steps: Int = 5, windows: Int = 5, profiles: Bool = false) {
        self.architecture = architecture
        self.threads = threads
        self.batchSize = batchSize ?? architecture.batchSize
        self.steps = steps
        self.windows = windows
        self.profiles = profiles
    }

    public struct Result: Sendable {
        public var architecture: BenchmarkArchitecture
        public var threads: Int
        public var batchSize: Int
        public var trainImagesPerSecond: Double
        public var inferImagesPerSecond: Double
        /// Achieved training GFLOP/s: the conv and dense FLOPs of a step's dense products
        /// (`BenchmarkArchitecture.trainingFLOPs`, no input gradient for the first layer); the
        /// sparse gradient kernels perform fewer, so this is nominal.
        public var gigaflopsPerSecond: Double
        /// Achieved inference GFLOP/s: the conv and dense FLOPs of a forward pass.
        public var inferenceGigaflopsPerSecond: Double
        /// One core's peak fp32 FMA rate, measured (`PeakRate`).
        public var peakGigaflopsPerCore: Double
        /// Training and inference GFLOP/s as a percentage of the peak × threads.
        public var trainingPercentOfPeak: Double { 100 * gigaflopsPerSecond / (peakGigaflopsPerCore * Double(threads)) }
        public var inferencePercentOfPeak: Double {
            100 * inferenceGigaflopsPerSecond / (peakGigaflopsPerCore * Double(threads))
        }
        public var peakResidentMegabytes: Double
        /// The instruction set the engine's own vector kernels run on ("avx512", "avx2", "portable").
        public var vectorKernels: String
        /// Each timed window's training images/s, in order.
        public var trainWindows: [Double]
        /// Training and inference images per second of this process's CPU time (all its
        /// threads), median over the windows: steadier than wall-clock rates on a shared
        /// machine, where other processes take turns on the same cores.
        public var trainImagesPerCPUSecond: Double
        public var inferImagesPerCPUSecond: Double
        /// Where the timed training steps spent their time, when the benchmark `profiles`.
        public var profile: StepProfileTable?

        /// One `key=value` line in the peers' form.
        public var line: String {
            func format(_ value: Double) -> String {
                let scaled = (value * 10).rounded() / 10
                return String(describing: scaled)
            }
            return ["arch=\(architecture.rawValue)", "threads=\(threads)", "batch=\(batchSize)",
                    "train_img_s=\(format(trainImagesPerSecond))", "infer_img_s=\(format(inferImagesPerSecond))",
                    "gflop_s=\(format(gigaflopsPerSecond))", "infer_gflop_s=\(format(inferenceGigaflopsPerSecond))",
                    "peak_gflop_s=\(format(peakGigaflopsPerCore))", "train_peak_pct=\(format(trainingPercentOfPeak))",
                    "infer_peak_pct=\(format(inferencePercentOfPeak))", "peak_rss_mb=\(format(peakResidentMegabytes))",
                    "vector_kernels=\(vectorKernels)", "train_img_cpu_s=\(format(trainImagesPerCPUSecond))",
                    "infer_img_cpu_s=\(format(inferImagesPerCPUSecond))"].joined(separator: " ")
        }
    }

    public func run() throws -> Result {
        let input = BenchmarkArchitecture.input
        var initialization = RandomGenerator(seed: 1, stream: .initialization)
        var dropout = RandomGenerator(seed: 1, stream: .dropout)
        let network = try architecture.experiment.makeNetwork(maxBatch: batchSize, threads: threads, rng: &initialization)
        let optimizer = Optimizer(.classicMomentum, parameters: network.parameters)
        optimizer.threads = threads

        var data = RandomGenerator(seed: 1, stream: .dataOrder)
        let poolSize = 8
        let images = (0..<(poolSize * batchSize * input.count)).map { _ in data.uniform() }
        let targets = (0..<(poolSize * batchSize * 30)).map { _ in data.uniform(low: -0.5, high: 0.5) }
        var gradient = [Float](repeating: 0, count: batchSize * 30)
        var next = 0
        var optimizerSeconds = 0.0

        func trainStep() {
            let batch = next % poolSize
            next += 1
            images.withUnsafeBufferPointer { all in
                // The batch stays in `images` until the backward has read it, as a training run's does.
                let slice = UnsafeBufferPointer(rebasing: all[(batch * batchSize * input.count)..<((batch + 1) * batchSize * input.count)])
                let output = network.forward(slice, count: batchSize, training: true, inputKept: true, rng: &dropout)
                targets.withUnsafeBufferPointer { allTargets in
                    let wanted = UnsafeBufferPointer(rebasing: allTargets[(batch * batchSize * 30)..<((batch + 1) * batchSize * 30)])
                    gradient.withUnsafeMutableBufferPointer {
                        _ = meanSquaredError(predictions: output, targets: wanted, mask: nil, gradient: $0)
                    }
                }
                gradient.withUnsafeBufferPointer { network.backward(outputGradient: $0) }
            }
            let start = network.profile == nil ? 0 : MonotonicClock.seconds()
            optimizer.step(learningRate: 0.01, momentum: 0.9)
            if network.profile != nil { optimizerSeconds += MonotonicClock.seconds() - start }
        }

        func inferStep() {
            let batch = next % poolSize
            next += 1
            images.withUnsafeBufferPointer { all in
                let slice = UnsafeBufferPointer(rebasing: all[(batch * batchSize * input.count)..<((batch + 1) * batchSize * input.count)])
                _ = network.forward(slice, count: batchSize, training: false, rng: &dropout)
            }
        }

        // The peak is the best probe run of the whole benchmark: runs between the windows as well
        // as after them. A probe is register-only, so no run can beat the core's true rate, but on
        // a shared host one can lose cycles to other guests, and a peak read low inflates every
        // share of it (one Zen 3 run's 9 probes, all taken in such a minute, read 68.1 GFLOP/s
        // against 103 in the runs before and after).
        var peak = 0.0
        func probePeak(runs: Int) { peak = max(peak, PeakRate.measure(runs: runs)) }

        /// Images/s per window by the wall clock and by the process's CPU time, and the timed
        /// windows' seconds in all; `timing` is called once the untimed warm-up steps are done.
        func measure(_ step: () -> Void, timing: () -> Void = {}) -> (wall: [Double], cpu: [Double], seconds: Double) {
            for _ in 0..<max(3, steps) { step() }
            timing()
            var wall: [Double] = [], cpu: [Double] = [], seconds = 0.0
            for _ in 0..<windows {
                let start = MonotonicClock.seconds(), cpuStart = processCPUSeconds()
                for _ in 0..<steps { step() }
                let elapsed = MonotonicClock.seconds() - start
                seconds += elapsed
                wall.append(Double(steps * batchSize) / elapsed)
                cpu.append(Double(steps * batchSize) / (processCPUSeconds() - cpuStart))
                probePeak(runs: 2)  // outside the window's clocks
            }
            return (wall, cpu, seconds)
        }

        let (train, trainCPU, trainSeconds) = measure(trainStep) { if profiles { network.startProfiling() } }
        let stepProfile = network.profile
        network.stopProfiling()
        let (infer, inferCPU, _) = measure(inferStep)
        let trainRate = median(train), inferRate = median(infer)
        probePeak(runs: 9)
        let profile = stepProfile.map { profile in
            StepProfileTable(profile: profile, summary: try! ModelSummary(model: architecture.experiment.model),
                             batchSize: batchSize, optimizerSeconds: optimizerSeconds,
                             stepSeconds: trainSeconds,
                             peakGigaflops: peak * Double(threads))
        }
        return Result(architecture: architecture, threads: threads, batchSize: batchSize,
                      trainImagesPerSecond: trainRate, inferImagesPerSecond: inferRate,
                      gigaflopsPerSecond: trainRate * Double(architecture.trainingFLOPs) / 1e9,
                      inferenceGigaflopsPerSecond: inferRate * Double(architecture.forwardFLOPs) / 1e9,
                      peakGigaflopsPerCore: peak,
                      peakResidentMegabytes: peakResidentMegabytes(),
                      vectorKernels: VectorKernels.level,
                      trainWindows: train, trainImagesPerCPUSecond: median(trainCPU),
                      inferImagesPerCPUSecond: median(inferCPU), profile: profile)
    }
}

/// One core's peak fp32 FMA rate in GFLOP/s: the best of several short runs (about 8 ms each) of
/// a loop of independent FMAs held in registers (`VectorKernels.fmaPeakProbe`), on the calling
/// thread.
public enum PeakRate {
    public static func measure(runs: Int = 9, iterations: Int = 4_000_000) -> Double {
        var best = 0.0
        for _ in 0..<runs {
            let start = MonotonicClock.seconds()
            let flops = VectorKernels.fmaPeakProbe(iterations: iterations)
            best = max(best, Double(flops) / (MonotonicClock.seconds() - start) / 1e9)
        }
        return best
    }
}

private func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

/// CPU seconds this process has used, all threads together.
private func processCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

/// Peak resident set size of this process (Linux reports ru_maxrss in KiB).
private func peakResidentMegabytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}
