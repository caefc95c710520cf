import ArgumentParser
import Experiments
import Foundation
import Results
import Sweeps
import YAML

/// `kplab sweep PATH…`: expand experiment files, folders and sweep files into runs, and train
/// them as child `kplab run` processes, several at once.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run many experiments: files, folders of them, and sweep files with grids and variants.",
        discussion: """
            Each PATH is an experiment file (one run), a folder (every *.yaml in it, sorted), or a \
            sweep file: a base experiment and the settings to vary, e.g.

              base: ../cnn4.yaml                 # relative to the sweep; a list; or inline
              name: init-{model.init.weights}    # optional; default: the base's name
              set: {train.epochs: 30}            # optional; every run
              grid:                              # every combination: 2 × 2 × 3 = 12 runs
                model.init.weights: [xavier, he]
                model.init.distribution: [normal, uniform]
                seed: [1, 2, 3]
              variants:                          # optional; each one run (× the grid)
                - {train.optimizer: adam}
                - {train.learning_rate: 0.03}

            --grid key=a,b,… (repeatable) sweeps each experiment file over those values: the \
            same runs as a sweep file with 'base: FILE' and that grid.

            Runs come in a fixed order: the PATHs in order; within a sweep its bases, then its \
            variants, then the grid as nested loops in file order (last key fastest). Each run's \
            settings are applied in the order name, set, variant, grid point, --set (later wins). \
            Runs with the same configuration have the same run-id and run once. Every file is \
            checked before anything starts; any error stops the sweep with exit status 2.

            Each run trains as 'kplab run FILE --out RESULTS --threads N --quiet' into \
            RESULTS/<name>/<run-id>/, its output appended there to sweep-<host>-<pid>.log (one \
            log per sweep process); the expanded \
            experiment is written to RESULTS/.sweep/<name>/<run-id>.yaml. --jobs N trains N at \
            once with the cores divided between them. A run already completed (or early-stopped) \
            is skipped, an interrupted one resumed (--resume), one that another process is training \
            is left to it — so running a sweep again picks up where it stopped, and machines \
            sharing a results folder can split it with --shard: shard i of n takes the runs at \
            positions i-1, i-1+n, i-1+2n … of the order above. Inside a SLURM job array, without \
            --shard, the shard is the task's: SLURM_ARRAY_TASK_ID of SLURM_ARRAY_TASK_COUNT, \
            counted from SLURM_ARRAY_TASK_MIN.

            Ctrl-C is forwarded to the runs, which save a checkpoint and stop; run the same \
            command again to resume them.

            On a Slurm cluster, --slurm submits the runs as one job array (script, task list and \
            job id in RESULTS/.slurm/) and exits; near a task's time limit its runs checkpoint \
            and the task requeues itself, and a task Slurm stops or requeues resumes its runs \
            exactly. --status shows every run (completed, running, pending, interrupted, failed, \
            lost) from the run folders and squeue/sacct; --resubmit submits only what is missing.

            Exit status: 0 when every run finished or was skipped, 1 when any failed or was left \
            unfinished, 2 for errors in the files or arguments, 130 after Ctrl-C.
            """)

    @Argument(help: ArgumentHelp("Experiment files, folders of them, and sweep files.", valueName: "path"))
    var paths: [String]

    @OptionGroup var experimentOptions: ExperimentOptions

    @Option(name: .customLong("grid"), help: ArgumentHelp("Sweep each experiment file over these values: key=a,b,… (repeatable: every combination), as a sweep file's grid would.", valueName: "key=values"))
    var gridTexts: [String] = []

    @Flag(help: "List the runs (run-id; done, running, resumes, retrains or pending; file; settings that differ), one per line, and exit.")
    var dryRun = false

    @Option(help: ArgumentHelp("The results folder.", valueName: "folder"))
    var out = "results"

    @Option(help: "How many runs train at once.")
    var jobs = 1

    @Option(help: "Cores to divide between the runs (default: all of this machine's).")
    var threads: Int?

    @Flag(help: "Stop at the first failed run: start no more and interrupt the running ones (they resume next time).")
    var failFast = false

    @Option(help: ArgumentHelp("Run only shard i of n (1 ≤ i ≤ n) of the runs.", valueName: "i/n"))
    var shard: String?

    @Option(help: .hidden)
    var worker: String?

    @OptionGroup(title: "On a Slurm cluster") var cluster: SlurmOptions

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        try ThreadCount.check(threads)
        try PathChecks.folder(out, option: "--out")
    }

    func run() throws {
        let overrides = try experimentOptions.parsedOverrides()
        let selectedShard: Shard?
        do {
            selectedShard = try shard.map { text throws(UserError) in try Shard(parsing: text) }
                ?? Shard.slurm(environment: ProcessInfo.processInfo.environment)
        } catch {
            printError("\(error)")
            throw ExitCode(2)
        }
        let plan: SweepPlan
        let grid: [GridAxis]
        do {
            grid = try gridTexts.map { text throws(Diagnostic) in try GridAxis(parsing: text) }
        } catch {
            printError("\(error)")
            throw ExitCode(2)
        }
        do {
            plan = try SweepPlan.load(paths: paths, overrides: overrides, grid: grid)
        } catch {
            error.diagnostics.forEach { printError($0.description) }
            let count = error.diagnostics.count
            printError("\(count) error\(count == 1 ? "" : "s") in the sweep's files; nothing was started")
            throw ExitCode(2)
        }
        for duplicate in plan.duplicates where !cluster.slurmTask {
            let kept = plan.runs[duplicate.keptIndex]
            printError("note: \(describe(duplicate.run)) has the same configuration as \(describe(kept)); it runs once")
        }
        if cluster.status || cluster.resubmit || cluster.slurm {
            try onCluster(plan.runs)
            return
        }
        let runs = plan.runs.enumerated().filter { selectedShard?.contains(position: $0.offset) ?? true }.map(\.element)
        let shardText = selectedShard.map { " (shard \($0) of \(plan.runs.count) runs)" } ?? ""

        if dryRun {
            // What running the sweep would do with each run, from its folder.
            let states = runs.map { run -> String in
                switch RunFolder(results: out, experiment: run.experiment.name, runID: run.runID).state {
                case .finished: return "done"
                case .busy: return "running"
                case .resumable: return "resumes"
                case .fresh(let previous): return previous == nil ? "pending" : "retrains"
                }
            }
            let width = runs.map(\.runID.count).max() ?? 0
            for (run, state) in zip(runs, states) {
                let settings = run.settings.isEmpty ? "" : "  " + run.settings.joined(separator: " ")
                print(run.runID.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                      + state.padding(toLength: 8, withPad: " ", startingAt: 0) + "  " + run.origin + settings)
            }
            let counts = ["done", "running", "resumes", "retrains", "pending"].compactMap { state -> String? in
                let count = states.filter { $0 == state }.count
                return count == 0 ? nil : "\(count) \(state)"
            }
            let breakdown = states.allSatisfy { $0 == "pending" } ? "" : ": " + counts.joined(separator: ", ")
            printError("\(runs.count) run\(runs.count == 1 ? "" : "s")\(shardText)\(breakdown)")
            return
        }

        SweepSignals.install()
        if cluster.slurmTask { SweepSignals.installTimeLimitWarning() }
        // The runs to come, for `kplab serve` (a Slurm submission keeps its own list).
        if !cluster.slurmTask && selectedShard == nil {
            try reportingFailures { try SweepManifest(paths: paths, runs: plan.runs).write(results: out) }
        }
        let options = SweepOptions(jobs: jobs, cores: threads ?? ProcessInfo.processInfo.activeProcessorCount, failFast: failFast)
        let executor = LocalProcessExecutor(worker: worker ?? Self.currentExecutable(), results: out)
        let scheduler = SweepScheduler(options: options, executor: executor, results: out,
                                       report: { line in print(line); fflush(stdout) },
                                       problem: { printError($0) }, interruptions: { SweepSignals.count })
        print("\(runs.count) run\(runs.count == 1 ? "" : "s")\(shardText), \(min(jobs, max(1, runs.count))) at a time, results in \(out)/")
        let outcome = scheduler.run(runs)
        print(outcome.summary)
        if cluster.slurmTask && SweepSignals.timeLimitNear {
            try requeueThisTask()
        }
        if outcome.exitStatus != 0 { throw ExitCode(outcome.exitStatus) }
    }

    /// Exit status of an array task that stopped its runs before its time limit and requeued
    /// itself (EX_TEMPFAIL): its runs resume, exactly, when Slurm starts it again.
    static let requeuedStatus: Int32 = 75

    /// `--status`, `--resubmit` and `--slurm`.
    private func onCluster(_ runs: [SweepRun]) throws {
        if cluster.status || cluster.resubmit {
            let submissions = SlurmSubmission.all(results: out)
            let status = SweepStatus(runs: runs, results: out, submissions: submissions,
                                     queue: SlurmQueue.query(jobIDs: submissions.compactMap(\.jobID)))
            if cluster.status {
                print(status.text)
                return
            }
            let missing = status.runsToSubmit
            guard !missing.isEmpty else {
                print("nothing to resubmit: every run is completed, running or queued (kplab sweep … --status)")
                return
            }
            try submit(missing, what: "\(missing.count) of \(runs.count) runs")
            return
        }
        try submit(runs, what: "\(runs.count) run\(runs.count == 1 ? "" : "s")")
    }

    /// Writes a submission of `runs` and, unless --dry-run, submits it with sbatch.
    private func submit(_ runs: [SweepRun], what: String) throws {
        let name = "kplab-" + SweepManifest.sweepName(paths: paths)
        do {
            var submission = try SlurmSubmission.prepare(runs, results: out, settings: cluster.settings, jobName: name,
                                                         kplab: Self.currentExecutable(), maxArraySize: slurmMaxArraySize())
            let script = submission.folder(results: out) + "/" + SlurmSubmission.scriptFile
            if dryRun {
                print("\(script): \(what) in \(submission.taskCount) array task\(submission.taskCount == 1 ? "" : "s"); "
                      + "not submitted (--dry-run): sbatch \(script)")
                return
            }
            try submission.submit(results: out)
            print("submitted job \(submission.jobID!): \(what) in \(submission.taskCount) array task"
                  + "\(submission.taskCount == 1 ? "" : "s") (\(script))")
            print("see it with: kplab sweep \(paths.joined(separator: " ")) --out \(out) --status")
        } catch let error as UserError {
            printError("error: \(error)")
            throw ExitCode(1)
        }
    }

    /// Near its time limit, the runs have checkpointed: put this array task back in the queue
    /// (one retry mechanism, Slurm's) and exit with `requeuedStatus`.
    private func requeueThisTask() throws -> Never {
        guard let job = slurmTaskID(environment: ProcessInfo.processInfo.environment) else {
            printError("SIGUSR1 outside a Slurm job: the runs are checkpointed; run the sweep again to resume them")
            throw ExitCode(Self.requeuedStatus)
        }
        print("time limit near: runs checkpointed; requeueing \(job)")
        fflush(stdout)
        do {
            try slurmRequeue(job)
        } catch {
            printError("\(error): kplab sweep … --resubmit resumes the runs")
        }
        throw ExitCode(Self.requeuedStatus)
    }

    private func describe(_ run: SweepRun) -> String {
        "\(run.origin)" + (run.settings.isEmpty ? "" : " (\(run.settings.joined(separator: " ")))")
    }

    /// This kplab, as an absolute path, so children run the same build whatever their directory.
    static func currentExecutable() -> String {
        if let path = Bundle.main.executablePath { return path }
        let first = CommandLine.arguments.first ?? "kplab"
        return first.hasPrefix("/") ? first : FileManager.default.currentDirectoryPath + "/" + first
    }
}
