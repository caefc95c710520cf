import Foundation
import Testing

/// A sweep on a real Slurm cluster (`make test-slurm` starts a one-machine one with
/// Tests/Slurm/single-node.sh and sets KPLAB_SLURM_TESTS=1; without it these tests do not run):
/// submitted, one task requeued mid-run by Slurm and one told its time limit is near, and every
/// run completes bit-identical to the same sweep trained locally.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["KPLAB_SLURM_TESTS"] == "1"))
struct SlurmClusterTests {
    static let experiment = """
        name: tiny
        seed: 7
        data:
          synthetic: {count: 1200, seed: 3}
          validation: {holdout: 100}
          augment: {flip: true}
        model:
          layers:
            - conv: {filters: 8, kernel: 5, stride: 2}
            - relu
            - maxpool: 2
            - flatten
            - dense: 32
            - relu
            - dense: 30
        train: {epochs: 60, batch_size: 16, optimizer: adam}
        """
    static let sweep = "base: tiny.yaml\nname: tiny-{seed}\ngrid:\n  seed: [1, 2, 3]\n"

    func tool(_ arguments: String...) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// Waits (polling every half second, at most `seconds`) until `condition` holds.
    func wait(_ what: String, seconds: Double, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while try !condition() {
            guard Date() < deadline else { throw UserFacingTimeout(what: what) }
            usleep(500_000)
        }
    }

    struct UserFacingTimeout: Error, CustomStringConvertible {
        var what: String
        var description: String { "timed out waiting for \(what)" }
    }

    @Test func aSubmittedSweepSurvivesARequeueAndATimeLimitAndMatchesTheLocalSweep() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try scratch.write("tiny.yaml", Self.experiment)
        try scratch.write("sweep.yaml", Self.sweep)
        let submitted = try scratch.kplab("sweep", "sweep.yaml", "--out", "cluster", "--slurm", "--cpus-per-task", "1")
        submitted.expectSuccess()
        let job = try #require(submitted.standardOutput.split(separator: " ").dropFirst(2).first.map { String($0.dropLast()) })
        defer { _ = try? tool("scancel", job) }

        // Each run's metrics while it trains, to act mid-run.
        func epochs(_ seed: Int) -> Int {
            let runs = (try? FileManager.default.contentsOfDirectory(atPath: scratch.path("cluster/tiny-\(seed)"))) ?? []
            return runs.first.flatMap { try? scratch.lines("cluster/tiny-\(seed)/\($0)/metrics.csv").count - 1 } ?? 0
        }
        // Task 0: Slurm requeues it (SIGTERM to every process of the task, then back in the queue).
        try wait("run 1 to train 10 epochs", seconds: 240) { epochs(1) >= 10 }
        _ = try tool("scontrol", "requeue", "\(job)_0")
        // Task 1: the time-limit warning (SIGUSR1 to the batch shell, which is kplab).
        try wait("run 2 to train 10 epochs", seconds: 240) { epochs(2) >= 10 }
        _ = try tool("scancel", "--signal=USR1", "--batch", "\(job)_1")
        // Requeued tasks wait for a begin time; let them start now.
        for task in ["\(job)_0", "\(job)_1"] {
            try wait("\(task) to be requeued", seconds: 60) {
                try tool("squeue", "-h", "-j", task, "-o", "%T").contains("PENDING")
            }
            _ = try tool("scontrol", "update", "jobid=\(task)", "begintime=now")
        }
        let middle = try scratch.kplab("sweep", "sweep.yaml", "--out", "cluster", "--status")
        #expect(middle.standardOutput.contains("interrupted") || middle.standardOutput.contains("queued"))
        try wait("every run to complete", seconds: 420) {
            try scratch.kplab("sweep", "sweep.yaml", "--out", "cluster", "--status").standardOutput.contains("3 runs: 3 completed")
        }
        let logs = try FileManager.default.contentsOfDirectory(atPath: scratch.path("cluster/.slurm"))
        let log0 = try String(contentsOfFile: scratch.path("cluster/.slurm/\(logs[0])/task-\(job)_0.log"), encoding: .utf8)
        let log1 = try String(contentsOfFile: scratch.path("cluster/.slurm/\(logs[0])/task-\(job)_1.log"), encoding: .utf8)
        #expect(log0.contains("restart 1") && log0.contains("interrupted"))
        #expect(log1.contains("time limit near: runs checkpointed; requeueing \(job)_1") && log1.contains("restart 1"))

        // Bit for bit what the same sweep trains here, uninterrupted: every metric but the time, and the weights.
        try scratch.kplab("sweep", "sweep.yaml", "--out", "local", "--threads", "1").expectSuccess()
        for seed in 1...3 {
            let run = try FileManager.default.contentsOfDirectory(atPath: scratch.path("local/tiny-\(seed)"))[0]
            let folders = ["cluster", "local"].map { "\($0)/tiny-\(seed)/\(run)" }
            let metrics = try folders.map { folder in
                try scratch.lines(folder + "/metrics.csv").map { $0.split(separator: ",").dropLast().joined(separator: ",") }
            }
            #expect(metrics[0] == metrics[1] && metrics[0].count == 61, "seed \(seed)")
            let weights = try folders.map { try Data(contentsOf: URL(fileURLWithPath: scratch.path($0 + "/model.last.kpw"))) }
            #expect(weights[0] == weights[1], "seed \(seed)")
        }
    }
}
