import Experiments
import Foundation
import Results

/// One `sbatch` of a sweep, kept in `RESULTS/.slurm/<id>/`: the batch script (`job.sh`), which
/// runs each array task trains (`tasks.tsv`), the Slurm logs (`task-<job>_<task>.log`), and
/// this record (`submission.json`) with the job id, so that `--status` can ask the queue about
/// it long after the submitting shell is gone. The runs' expanded experiments are written
/// where a local sweep writes them (`RunFolder.sweepExperiment`).
public struct SlurmSubmission: Codable, Sendable {
    public static let tasksFile = "tasks.tsv"
    public static let scriptFile = "job.sh"
    public static let recordFile = "submission.json"

    /// One run of the submission.
    public struct Entry: Codable, Equatable, Sendable {
        public var runID: String
        public var experiment: String
        /// The array task that trains it.
        public var task: Int

        enum CodingKeys: String, CodingKey { case runID = "run_id", experiment, task }
    }

    /// The folder's name: `<UTC time to the microsecond>-<pid>`, so that names sort in
    /// submission order even for two made in one second.
    public var id: String
    /// Slurm's job id of the array, once submitted; nil for `--dry-run`.
    public var jobID: String?
    public var createdAt: String
    public var taskCount: Int
    public var runs: [Entry]

    enum CodingKeys: String, CodingKey {
        case id, jobID = "job_id", createdAt = "created_at", taskCount = "task_count", runs
    }

    /// `RESULTS/.slurm`.
    public static func root(results: String) -> String { results + "/.slurm" }

    public func folder(results: String) -> String { Self.root(results: results) + "/" + id }

    /// Writes a submission of `runs` (their experiment files, the task list, the script and the
    /// record) into a new folder under `RESULTS/.slurm/`, without submitting it.
    /// - Parameters:
    ///   - kplab: the program the tasks run (absolute: the nodes share the file system).
    ///   - maxArraySize: the cluster's `MaxArraySize`, when known.
    public static func prepare(_ runs: [SweepRun], results: String, settings: SlurmSettings, jobName: String,
                               kplab: String, maxArraySize: Int?) throws -> SlurmSubmission {
        let results = PathText.absolute(results)
        let tasks = settings.tasks(runCount: runs.count, maxArraySize: maxArraySize)
        guard !tasks.isEmpty else { throw UserError("no runs to submit") }
        let now = Date()
        let stamp = ISO8601DateFormatter().string(from: now).replacingOccurrences(of: ":", with: "").dropLast()  // the Z
        let micro = Int((now.timeIntervalSince1970 * 1_000_000).truncatingRemainder(dividingBy: 1_000_000))
        let id = "\(stamp).\(String(format: "%06d", micro))Z-\(getpid())"
        var submission = SlurmSubmission(id: id, jobID: nil, createdAt: RunRecord.timestamp(),
                                         taskCount: tasks.count, runs: [])
        let folder = submission.folder(results: results)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var lines: [String] = []
        for (task, positions) in tasks.enumerated() {
            for position in positions {
                let run = runs[position]
                let runFolder = RunFolder(results: results, experiment: run.experiment.name, runID: run.runID)
                try FileManager.default.createDirectory(atPath: PathText.folder(of: runFolder.sweepExperiment),
                                                        withIntermediateDirectories: true)
                try writeAtomically(run.experiment.canonicalText, to: runFolder.sweepExperiment)
                lines.append("\(task)\t\(runFolder.sweepExperiment)")
                submission.runs.append(Entry(runID: run.runID, experiment: run.experiment.name, task: task))
            }
        }
        try writeAtomically(lines.joined(separator: "\n") + "\n", to: folder + "/" + tasksFile)
        let script = settings.script(jobName: jobName, folder: folder, taskCount: tasks.count, kplab: kplab, results: results)
        try writeAtomically(script, to: folder + "/" + scriptFile)
        chmod(folder + "/" + scriptFile, 0o755)
        try submission.record(results: results)
        return submission
    }

    /// Submits the written script with `sbatch` and records the job id it answers.
    public mutating func submit(results: String, sbatch: String = "sbatch") throws {
        let folder = self.folder(results: PathText.absolute(results))
        guard isOnPath(sbatch) else {
            throw UserError("\(sbatch) is not on the PATH (is this a Slurm login node?); the script is written: "
                            + "\(folder)/\(Self.scriptFile)")
        }
        let output = try runTool(sbatch, ["--parsable", folder + "/" + Self.scriptFile])
        guard output.status == 0 else {
            throw UserError("sbatch failed (exit \(output.status)): \(output.text.trimmingCharacters(in: .whitespacesAndNewlines)); "
                            + "the script is \(folder)/\(Self.scriptFile)")
        }
        // `--parsable` prints "<job id>[;<cluster>]".
        let id = output.text.split(whereSeparator: \.isNewline).last.map { String($0.split(separator: ";")[0]) } ?? ""
        guard !id.isEmpty, id.allSatisfy(\.isNumber) else {
            throw UserError("sbatch answered '\(output.text.trimmingCharacters(in: .whitespacesAndNewlines))', not a job id")
        }
        jobID = id
        try record(results: results)
    }

    private func record(results: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try writeAtomically(Array(try encoder.encode(self)) + [0x0A], to: folder(results: PathText.absolute(results)) + "/" + Self.recordFile)
    }

    /// Every submission recorded under `results`, oldest first; unreadable records are skipped.
    public static func all(results: String) -> [SlurmSubmission] {
        let root = root(results: results)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return names.sorted().compactMap { name in
            guard let data = FileManager.default.contents(atPath: "\(root)/\(name)/\(recordFile)") else { return nil }
            return try? JSONDecoder().decode(SlurmSubmission.self, from: data)
        }
    }

    /// The array task id of a run in this submission's job: `<job>_<task>`.
    public func taskID(of entry: Entry) -> String? { jobID.map { "\($0)_\(entry.task)" } }
}

/// This process's array task in Slurm's environment (`<job>_<task>`, or the job's id for a job
/// that is no array), or nil outside a Slurm job.
public func slurmTaskID(environment: [String: String]) -> String? {
    environment["SLURM_ARRAY_JOB_ID"].flatMap { array in environment["SLURM_ARRAY_TASK_ID"].map { "\(array)_\($0)" } }
        ?? environment["SLURM_JOB_ID"]
}

/// Puts `task` back in Slurm's queue (`scontrol requeue`).
/// - Throws: `UserError` with scontrol's answer when it refuses or cannot be run.
public func slurmRequeue(_ task: String) throws {
    let output = try runTool("scontrol", ["requeue", task])
    guard output.status == 0 else {
        throw UserError("scontrol requeue \(task) failed (exit \(output.status)): \(output.text.trimmingCharacters(in: .whitespacesAndNewlines))")
    }
}

/// The cluster's `MaxArraySize` (`scontrol show config`), or nil when it cannot be asked.
public func slurmMaxArraySize(scontrol: String = "scontrol") -> Int? {
    guard let output = try? runTool(scontrol, ["show", "config"]), output.status == 0 else { return nil }
    for line in output.text.split(whereSeparator: \.isNewline) where line.hasPrefix("MaxArraySize") {
        return line.split(separator: "=").last.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    }
    return nil
}

/// Runs a command-line tool found on the PATH and returns its exit status and output (standard
/// output and error together).
/// - Throws: `UserError` when the tool is not found or cannot be started.
func runTool(_ tool: String, _ arguments: [String]) throws -> (status: Int32, text: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [tool] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    process.standardInput = FileHandle.nullDevice
    do {
        try process.run()
    } catch {
        throw UserError("cannot run \(tool): \(error.localizedDescription)")
    }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    if process.terminationStatus == 127 { throw UserError("\(tool) is not on the PATH") }
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// Whether `tool` is on the PATH.
func isOnPath(_ tool: String) -> Bool {
    let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
    return paths.contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)") }
}
