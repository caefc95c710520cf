import Foundation

/// How a sweep is handed to Slurm: the `#SBATCH` settings a user chooses, and the batch script
/// they make. One job array; each array task trains its share of the runs one after another
/// with `kplab sweep` over their expanded experiment files, so everything a local sweep does
/// (skip what is finished, resume what was interrupted, leave to others what they hold) holds
/// for every task, and a requeued task picks up where it stopped.
public struct SlurmSettings: Equatable, Sendable {
    /// `--partition`; nil: the cluster's default.
    public var partition: String?
    /// `--time`, in any form sbatch takes (`2:00:00`, `90`, `1-0`); nil: the partition's default.
    public var timeLimit: String?
    /// `--cpus-per-task`: the threads each task trains with.
    public var cpusPerTask: Int
    /// The `%N` of `--array`: how many tasks may run at once; nil: no limit.
    public var concurrency: Int?
    /// Runs each task trains, one after another (more when the cluster's MaxArraySize demands it).
    public var runsPerTask: Int
    /// Further `#SBATCH` lines, as written (`--mem=8G`, `--account=lab`), with or without `#SBATCH`.
    public var extraLines: [String]
    /// Seconds before the time limit at which the task is told to stop (SIGUSR1): it
    /// checkpoints after its batch and requeues itself, so a time limit loses at most one batch.
    public var warningSeconds: Int

    public init(partition: String? = nil, timeLimit: String? = nil, cpusPerTask: Int = 1, concurrency: Int? = nil,
                runsPerTask: Int = 1, extraLines: [String] = [], warningSeconds: Int = 90) {
        self.partition = partition
        self.timeLimit = timeLimit
        self.cpusPerTask = cpusPerTask
        self.concurrency = concurrency
        self.runsPerTask = runsPerTask
        self.extraLines = extraLines
        self.warningSeconds = warningSeconds
    }

    /// The runs (by position) of each array task: `runsPerTask` consecutive runs per task, or
    /// more when that would need more tasks than the cluster allows (`maxArraySize`: array
    /// indices must stay below it).
    public func tasks(runCount: Int, maxArraySize: Int?) -> [[Int]] {
        guard runCount > 0 else { return [] }
        var perTask = max(1, runsPerTask)
        if let maxArraySize, maxArraySize > 0 {
            perTask = max(perTask, (runCount + maxArraySize - 1) / maxArraySize)
        }
        return stride(from: 0, to: runCount, by: perTask).map { Array($0 ..< min(runCount, $0 + perTask)) }
    }

    /// The batch script of a submission whose folder is `folder` (absolute), with `taskCount`
    /// array tasks, which runs `kplab` (absolute) on `results` (absolute).
    public func script(jobName: String, folder: String, taskCount: Int, kplab: String, results: String) -> String {
        var lines = ["#!/bin/bash",
                     "# Written by kplab sweep --slurm; each array task trains its runs (\(SlurmSubmission.tasksFile)).",
                     "#SBATCH --job-name=\(jobName)",
                     "#SBATCH --array=0-\(taskCount - 1)" + (concurrency.map { "%\($0)" } ?? ""),
                     "#SBATCH --cpus-per-task=\(cpusPerTask)"]
        if let timeLimit { lines.append("#SBATCH --time=\(timeLimit)") }
        if let partition { lines.append("#SBATCH --partition=\(partition)") }
        lines += ["#SBATCH --requeue",
                  // To kplab itself (B: the batch shell, which execs it), before the time limit.
                  "#SBATCH --signal=B:USR1@\(warningSeconds)",
                  "#SBATCH --open-mode=append",
                  "#SBATCH --output=\(folder)/task-%A_%a.log"]
        lines += extraLines.map { $0.hasPrefix("#SBATCH") ? $0 : "#SBATCH " + $0 }
        lines += ["set -eu",
                  "tasks=\(shellQuoted(folder + "/" + SlurmSubmission.tasksFile))",
                  "mapfile -t files < <(awk -F '\\t' -v task=\"$SLURM_ARRAY_TASK_ID\" '$1 == task { print $2 }' \"$tasks\")",
                  "echo \"== $(date -u +%FT%TZ) task $SLURM_ARRAY_TASK_ID of job ${SLURM_ARRAY_JOB_ID:-?} on $(hostname), "
                    + "restart ${SLURM_RESTART_COUNT:-0}: ${#files[@]} runs\"",
                  "exec \(shellQuoted(kplab)) sweep \"${files[@]}\" --out \(shellQuoted(results)) --shard 1/1 "
                    + "--threads \"${SLURM_CPUS_PER_TASK:-\(cpusPerTask)}\" --slurm-task"]
        return lines.joined(separator: "\n") + "\n"
    }
}

/// `text` for a POSIX shell: unchanged when it is plainly safe, else in single quotes.
func shellQuoted(_ text: String) -> String {
    let safe = !text.isEmpty && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "/._-+:=@%,".contains($0)) }
    return safe ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
