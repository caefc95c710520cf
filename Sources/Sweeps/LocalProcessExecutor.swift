import Experiments
import Foundation
import Results

/// Trains each task as a child process `WORKER run FILE --out RESULTS --threads N --quiet
/// [--resume] [--overwrite]` — kplab itself, or a stand-in in tests — with its output appended
/// to this sweep process's log in the run's folder (`RunFolder.sweepLog(process:)`).
public struct LocalProcessExecutor: SweepExecutor {
    /// The program run once per training.
    public var worker: String
    /// The results folder every run writes into (`--out`).
    public var results: String

    public init(worker: String, results: String) {
        self.worker = worker
        self.results = results
    }

    /// Writes the run's experiment file and log header, then starts the worker.
    public func start(_ task: SweepTask, threads: Int) throws -> SweepJob {
        let folder = task.folder
        let manager = FileManager.default
        try manager.createDirectory(atPath: folder.path, withIntermediateDirectories: true)
        try manager.createDirectory(atPath: (folder.sweepExperiment as NSString).deletingLastPathComponent,
                                    withIntermediateDirectories: true)
        try writeAtomically(task.run.experiment.canonicalText, to: folder.sweepExperiment)
        var arguments = ["run", folder.sweepExperiment, "--out", results, "--threads", "\(threads)", "--quiet"]
        if task.resume { arguments.append("--resume") }
        if task.overwrite { arguments.append("--overwrite") }
        let header = "== kplab sweep, \(Date()): \(([worker] + arguments).joined(separator: " "))\n"
        let logPath = folder.sweepLog()
        guard let log = fopen(logPath, "a") else {
            throw UserError("cannot write \(logPath): \(String(cString: strerror(errno)))")
        }
        fputs(header, log)
        fclose(log)
        return try ChildProcess(executable: worker, arguments: arguments, logPath: logPath)
    }
}

extension ChildProcess: SweepJob {
    /// SIGINT to the child's process group: `kplab run` checkpoints and stops after its batch.
    func interrupt() { send(SIGINT) }
}
