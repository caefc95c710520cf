import ArgumentParser
import Sweeps

/// `kplab sweep`'s options for a Slurm cluster: submitting, seeing and repairing a sweep.
struct SlurmOptions: ParsableArguments {
    @Flag(help: "Submit the sweep to Slurm as one job array (sbatch), record the job id in OUT/.slurm/ and exit; with --dry-run, write the batch script without submitting.")
    var slurm = false

    @Flag(help: "Show every run of the sweep: completed, running (where), pending, interrupted, failed (with its log's last lines) or lost, from the run folders and, when on the PATH, squeue and sacct.")
    var status = false

    @Flag(help: "Submit to Slurm only the runs that are neither completed nor running nor queued.")
    var resubmit = false

    @Option(help: ArgumentHelp("Slurm partition (default: the cluster's).", valueName: "name"))
    var partition: String?

    @Option(help: ArgumentHelp("Time limit of each array task, as sbatch takes it (2:00:00, 90, 1-0).", valueName: "limit"))
    var time: String?

    @Option(name: .customLong("cpus-per-task"), help: "Cores of each array task; its runs train with that many threads.")
    var cpusPerTask = 2

    @Option(name: .customLong("array-limit"), help: ArgumentHelp("At most this many array tasks run at once (--array=…%N).", valueName: "n"))
    var arrayLimit: Int?

    @Option(name: .customLong("runs-per-task"), help: "Runs each array task trains, one after another (more when the cluster's MaxArraySize demands).")
    var runsPerTask = 1

    @Option(name: .customLong("sbatch"), help: ArgumentHelp("A further #SBATCH line for the script, e.g. --sbatch=--mem=8G (repeatable).", valueName: "line"))
    var sbatchLines: [String] = []

    /// Set in the batch script: this sweep is an array task (SIGUSR1 near the time limit: stop the runs and requeue).
    @Flag(name: .customLong("slurm-task"), help: .hidden)
    var slurmTask = false

    func validate() throws {
        guard [slurm, status, resubmit].filter({ $0 }).count <= 1 else {
            throw ValidationError("--slurm, --status and --resubmit each do something else: give one")
        }
        guard cpusPerTask >= 1 else { throw ValidationError("--cpus-per-task must be at least 1") }
        guard runsPerTask >= 1 else { throw ValidationError("--runs-per-task must be at least 1") }
        if let arrayLimit, arrayLimit < 1 { throw ValidationError("--array-limit must be at least 1") }
        if let line = sbatchLines.first(where: { $0.contains("\n") }) {
            throw ValidationError("--sbatch '\(line)': one line per --sbatch")
        }
    }

    var settings: SlurmSettings {
        SlurmSettings(partition: partition, timeLimit: time, cpusPerTask: cpusPerTask, concurrency: arrayLimit,
                      runsPerTask: runsPerTask, extraLines: sbatchLines)
    }
}
