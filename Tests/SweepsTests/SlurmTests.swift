import Experiments
import Foundation
import Results
@testable import Sweeps
import Testing

/// Submitting a sweep to Slurm without a cluster: how runs are packed into array tasks, the
/// batch script, what squeue and sacct say, and each run's status from its folder and its task.
@Suite struct SlurmTests {
    @Test func runsArePackedIntoTasksWithinTheClustersArrayLimit() {
        let one = SlurmSettings(runsPerTask: 1)
        #expect(one.tasks(runCount: 3, maxArraySize: nil) == [[0], [1], [2]])
        #expect(SlurmSettings(runsPerTask: 2).tasks(runCount: 5, maxArraySize: nil) == [[0, 1], [2, 3], [4]])
        // 2500 runs, indices below 1001: 3 runs a task, 834 tasks.
        let packed = one.tasks(runCount: 2500, maxArraySize: 1001)
        #expect(packed.count == 834 && packed.allSatisfy { $0.count <= 3 } && packed.joined().elementsEqual(0 ..< 2500))
        #expect(one.tasks(runCount: 0, maxArraySize: 10).isEmpty)
    }

    @Test func theScriptAsksForTheSettingsAWarningBeforeTheLimitAndRequeueing() {
        let settings = SlurmSettings(partition: "gpu", timeLimit: "2:00:00", cpusPerTask: 4, concurrency: 8,
                                     extraLines: ["--mem=8G", "#SBATCH --account=lab"])
        let script = settings.script(jobName: "kplab-grid", folder: "/r/.slurm/s1", taskCount: 12, kplab: "/opt/kplab",
                                     results: "/r esults")
        let lines = script.split(separator: "\n").map(String.init)
        for expected in ["#SBATCH --job-name=kplab-grid", "#SBATCH --array=0-11%8", "#SBATCH --cpus-per-task=4",
                         "#SBATCH --time=2:00:00", "#SBATCH --partition=gpu", "#SBATCH --requeue",
                         "#SBATCH --signal=B:USR1@90", "#SBATCH --output=/r/.slurm/s1/task-%A_%a.log",
                         "#SBATCH --mem=8G", "#SBATCH --account=lab"] {
            #expect(lines.contains(expected), "\(expected)")
        }
        // kplab replaces the shell, so the USR1 that Slurm sends the batch shell reaches it.
        #expect(lines.last == "exec /opt/kplab sweep \"${files[@]}\" --out '/r esults' --shard 1/1 --threads \"${SLURM_CPUS_PER_TASK:-4}\" --slurm-task")
        #expect(!SlurmSettings().script(jobName: "j", folder: "/f", taskCount: 1, kplab: "k", results: "r").contains("--time"))
    }

    @Test func anArrayTaskKnowsItsIDFromSlurmsEnvironment() {
        #expect(slurmTaskID(environment: ["SLURM_ARRAY_JOB_ID": "12", "SLURM_ARRAY_TASK_ID": "3", "SLURM_JOB_ID": "15"]) == "12_3")
        #expect(slurmTaskID(environment: ["SLURM_JOB_ID": "15"]) == "15")
        #expect(slurmTaskID(environment: [:]) == nil)
    }

    @Test func squeueAndSacctLinesBecomeTaskStates() {
        let squeue = SlurmQueue.parseSqueue("12_0|RUNNING|node7|None\n12_1|PENDING||Resources\n12_[2-4%2]|PENDING||JobArrayTaskLimit\n")
        #expect(squeue["12_0"] == .running(node: "node7"))
        #expect(squeue["12_1"] == .pending(reason: "Resources"))
        #expect(squeue["12_3"] == .pending(reason: "JobArrayTaskLimit") && squeue.count == 5)
        let sacct = SlurmQueue.parseSacct("12_0|COMPLETED|node7|0:0\n12_1|CANCELLED by 0|node7|0:15\n12_[2,5]|PENDING|None assigned|0:0\n13|TIMEOUT|node2|0:0\n")
        #expect(sacct["12_0"] == .ended(state: "COMPLETED", exitCode: "0:0"))
        #expect(sacct["12_1"] == .ended(state: "CANCELLED", exitCode: "0:15"))
        #expect(sacct["12_5"] == .pending(reason: "PENDING") && sacct["12_3"] == nil)
        #expect(sacct["13"] == .ended(state: "TIMEOUT", exitCode: "0:0"))
    }

    /// Six runs of a sweep in a results folder, one submission of them all as job 40.
    struct Fixture {
        let results = FileManager.default.temporaryDirectory.appendingPathComponent("kplab-slurm-\(UUID().uuidString)").path
        let runs: [SweepRun]

        init() throws {
            runs = try (1...6).map { seed in
                let text = "name: tiny\nseed: \(seed)\nmodel: {layers: [flatten, {dense: 30}]}\ntrain: {epochs: 1}\n"
                return SweepRun(experiment: try Experiment.decode(text: text, path: "tiny.yaml"), origin: "tiny.yaml",
                                settings: ["seed=\(seed)"])
            }
        }

        func record(_ run: Int, _ status: String, detail: String = "") throws {
            let folder = RunFolder(results: results, experiment: "tiny", runID: runs[run].runID)
            try FileManager.default.createDirectory(atPath: folder.path, withIntermediateDirectories: true)
            try "{\"status\": \"\(status)\"}".write(toFile: folder.record, atomically: true, encoding: .utf8)
        }

        func submission() throws -> SlurmSubmission {
            var submission = try SlurmSubmission.prepare(runs, results: results, settings: SlurmSettings(), jobName: "j",
                                                         kplab: "/bin/false", maxArraySize: nil)
            submission.jobID = "40"
            return submission
        }
    }

    @Test func eachRunsStatusComesFromItsFolderAndItsTask() throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(atPath: fixture.results) }
        try fixture.record(0, "completed")
        try fixture.record(1, "interrupted")
        try fixture.record(2, "failed")
        try fixture.record(4, "interrupted")
        let queue = SlurmQueue(tasks: ["40_3": .running(node: "n1"), "40_4": .pending(reason: "BeginTime"),
                                       "40_5": .ended(state: "TIMEOUT", exitCode: "0:0"), "40_1": .ended(state: "CANCELLED", exitCode: "0:15")],
                               sources: ["squeue", "sacct"])
        let status = SweepStatus(runs: fixture.runs, results: fixture.results, submissions: [try fixture.submission()], queue: queue)
        #expect(status.rows.map(\.state) == [.completed, .interrupted, .failed, .running, .pending, .lost])
        #expect(status.rows[3].detail == "on n1 (task 40_3)")
        #expect(status.rows[4].detail.hasPrefix("queued (task 40_4), BeginTime; resumes there"))
        #expect(status.rows[5].detail == "task 40_5 ended TIMEOUT, exit 0:0 without a result")
        #expect(status.runsToSubmit.map(\.runID) == [1, 2, 5].map { fixture.runs[$0].runID })
        #expect(status.text.hasSuffix("6 runs: 1 completed, 1 running, 1 pending, 1 interrupted, 1 failed, 1 lost; from the run folders and squeue and sacct"))
    }

    @Test func withoutTheQueueOnlyTheFoldersSpeakAndNothingQueuedIsSentTwice() throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(atPath: fixture.results) }
        try fixture.record(0, "completed")
        let submitted = SweepStatus(runs: fixture.runs, results: fixture.results, submissions: [try fixture.submission()],
                                    queue: SlurmQueue())
        #expect(submitted.rows.dropFirst().allSatisfy { $0.state == .pending && !$0.resubmit })
        #expect(submitted.queueNote.contains("squeue and sacct are not on the PATH"))
        // A dry run written after the submission (no job id) does not hide it.
        let real = try fixture.submission()
        let dryRun = try SlurmSubmission.prepare(fixture.runs, results: fixture.results, settings: SlurmSettings(), jobName: "j",
                                                 kplab: "/bin/false", maxArraySize: nil)
        let both = SweepStatus(runs: fixture.runs, results: fixture.results, submissions: [real, dryRun],
                               queue: SlurmQueue(tasks: ["40_3": .running(node: "n1")], sources: ["squeue"]))
        #expect(both.rows[3].state == .running && both.rows[3].detail == "on n1 (task 40_3)")
        // Submissions made within one second still sort in the order they were made.
        #expect(Array(SlurmSubmission.all(results: fixture.results).map(\.id).suffix(2)) == [real.id, dryRun.id])
        // Never submitted: everything but the completed run goes.
        let never = SweepStatus(runs: fixture.runs, results: fixture.results, submissions: [], queue: SlurmQueue())
        #expect(never.runsToSubmit.count == 5)
    }

    @Test func aSubmissionWritesItsRunsTasksScriptAndRecord() throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(atPath: fixture.results) }
        let submission = try SlurmSubmission.prepare(fixture.runs, results: fixture.results, settings: SlurmSettings(runsPerTask: 4),
                                                     jobName: "j", kplab: "/opt/kplab", maxArraySize: nil)
        #expect(submission.taskCount == 2 && submission.runs.map(\.task) == [0, 0, 0, 0, 1, 1])
        let folder = submission.folder(results: fixture.results)
        let tasks = try String(contentsOfFile: folder + "/tasks.tsv", encoding: .utf8).split(separator: "\n")
        #expect(tasks.count == 6 && tasks[4].hasPrefix("1\t") && tasks[4].hasSuffix("/.sweep/tiny/\(fixture.runs[4].runID).yaml"))
        // The expanded experiment is the run: decoding it gives the same run id.
        let file = String(tasks[0].split(separator: "\t")[1])
        #expect(try Experiment.load(contentsOfFile: file).runID == fixture.runs[0].runID)
        #expect(FileManager.default.isExecutableFile(atPath: folder + "/job.sh"))
        #expect(SlurmSubmission.all(results: fixture.results).map(\.id) == [submission.id])
        #expect(submission.id.contains(".") && submission.id.hasSuffix("Z-\(getpid())"))
    }
}
