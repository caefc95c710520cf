import Foundation
import Testing

/// `kplab sweep --slurm / --status / --resubmit` through the binary against stand-ins for
/// sbatch and squeue on the PATH (no cluster needed: SlurmClusterTests uses a real one).
@Suite struct SlurmCommandTests {
    static let sweep = """
        base: {name: tiny, seed: 1, data: {synthetic: {count: 40, seed: 2}, validation: {holdout: 8}},
               model: {layers: [flatten, {dense: 30}]}, train: {epochs: 1}}
        name: tiny-{seed}
        grid: {seed: [1, 2, 3]}
        """

    /// sbatch records its arguments and answers job 77; squeue says task 1 runs on node9; sacct
    /// knows of nothing.
    static func fakeTools(in scratch: Scratch) throws -> [String: String] {
        let bin = scratch.path("bin")
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try scratch.write("bin/sbatch", "#!/bin/sh\necho \"$@\" >> \"$(dirname \"$0\")/../sbatch-calls\"\necho 77\n")
        try scratch.write("bin/squeue", "#!/bin/sh\necho '77_1|RUNNING|node9|None'\n")
        try scratch.write("bin/sacct", "#!/bin/sh\n")   // accounting knows nothing yet
        for tool in ["sbatch", "squeue", "sacct"] { chmod(bin + "/" + tool, 0o755) }
        return ["PATH": bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")]
    }

    @Test func aSweepIsSubmittedSeenAndWhatIsMissingResubmitted() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try scratch.write("grid.yaml", Self.sweep)
        let environment = try Self.fakeTools(in: scratch)
        func kplab(_ arguments: String...) throws -> CommandResult { try runKplab(arguments, in: scratch.folder, environment: environment) }

        let dry = try kplab("sweep", "grid.yaml", "--out", "results", "--slurm", "--dry-run", "--time", "0:30:00")
        dry.expectSuccess()
        #expect(dry.standardOutput.contains("3 runs in 3 array tasks; not submitted (--dry-run)"))
        #expect(!FileManager.default.fileExists(atPath: scratch.path("sbatch-calls")))

        let submitted = try kplab("sweep", "grid.yaml", "--out", "results", "--slurm", "--runs-per-task", "2", "--array-limit", "4")
        submitted.expectSuccess()
        #expect(submitted.standardOutput.hasPrefix("submitted job 77: 3 runs in 2 array tasks"))
        let calls = try scratch.lines("sbatch-calls")
        #expect(calls.count == 1 && calls[0].hasPrefix("--parsable ") && calls[0].hasSuffix("/job.sh"))
        let script = try String(contentsOfFile: String(calls[0].dropFirst("--parsable ".count)), encoding: .utf8)
        #expect(script.contains("#SBATCH --array=0-1%4"))

        // Train the first run here; the queue says task 1 (runs 3) runs on node9; run 2 is in task 0, which has ended.
        try kplab("sweep", "grid.yaml", "--out", "results", "--shard", "1/3").expectSuccess()
        // A dry run marks what running the sweep would do with each run.
        let dryAfter = try kplab("sweep", "grid.yaml", "--out", "results", "--dry-run")
        let marks = dryAfter.standardOutput.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true)[1] }
        #expect(marks == ["done", "pending", "pending"])
        #expect(dryAfter.standardError == "3 runs: 1 done, 2 pending\n")
        let status = try kplab("sweep", "grid.yaml", "--out", "results", "--status")
        status.expectSuccess()
        let lines = status.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines[0].contains("completed") && lines[0].contains("seed=1"))
        #expect(lines[1].contains("lost") && lines[1].contains("seed=2") && lines[1].contains("Slurm knows nothing of (task 77_0)"))
        #expect(lines[2].contains("running") && lines[2].contains("on node9 (task 77_1)"))
        #expect(lines[3] == "3 runs: 1 completed, 1 running, 1 lost; from the run folders and sacct and squeue")

        let resubmitted = try kplab("sweep", "grid.yaml", "--out", "results", "--resubmit")
        resubmitted.expectSuccess()
        #expect(resubmitted.standardOutput.hasPrefix("submitted job 77: 1 of 3 runs in 1 array task"))
        let tasks = try FileManager.default.contentsOfDirectory(atPath: scratch.path("results/.slurm")).sorted()
        #expect(tasks.count == 3)   // the dry run, the submission, the resubmission
        #expect(try scratch.lines("results/.slurm/\(tasks[2])/tasks.tsv").count == 1)

        // Without sbatch the script is still written, and the message says where.
        try FileManager.default.createDirectory(atPath: scratch.path("empty"), withIntermediateDirectories: true)
        let noSbatch = try runKplab(["sweep", "grid.yaml", "--out", "results", "--slurm"], in: scratch.folder,
                                    environment: ["PATH": scratch.path("empty")])
        #expect(noSbatch.status == 1 && noSbatch.standardError.contains("sbatch is not on the PATH"))
    }
}
