#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Training

/// How many SIGINT/SIGTERMs the sweep has received; the scheduler forwards each one to its
/// children. A signal handler may only touch a lock-free flag, hence a C-style global.
nonisolated(unsafe) private var receivedSignals: sig_atomic_t = 0
/// Set by SIGUSR1: Slurm's warning that the task's time limit is near (`--signal=B:USR1@…`).
nonisolated(unsafe) private var timeLimitWarned: sig_atomic_t = 0

/// Ctrl-C for `kplab sweep`: the sweep itself never stops abruptly, it forwards the signal
/// to every running child (which checkpoints and records itself as interrupted) and waits.
enum SweepSignals {
    static func install() {
        installStopHandler { _ in receivedSignals += 1 }
    }

    /// Also SIGUSR1, which stops the runs as Ctrl-C does and is remembered, so that a Slurm
    /// task near its time limit can requeue itself once its runs have checkpointed.
    static func installTimeLimitWarning() {
        signal(SIGUSR1) { _ in
            timeLimitWarned = 1
            receivedSignals += 1
        }
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGUSR1)
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
    }

    /// How many have arrived since `install()`.
    static var count: Int { Int(receivedSignals) }

    /// Whether SIGUSR1 has arrived.
    static var timeLimitNear: Bool { timeLimitWarned != 0 }
}
