#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Set by SIGINT/SIGTERM; the training loop polls it between batches so that an interrupted
/// run keeps every finished epoch, writes a checkpoint and its record, and then exits.
/// A signal handler may only touch a lock-free flag, hence a C-style global.
nonisolated(unsafe) private var interruptingSignal: sig_atomic_t = 0

public enum Interruption {
    /// Installs the handlers. A second Ctrl-C while the first is being honoured exits at once;
    /// another signal does not: on a cluster the run gets SIGTERM from Slurm and SIGINT from
    /// its sweep for one and the same stop, and must still write its checkpoint.
    public static func install() {
        let handler: @convention(c) (Int32) -> Void = { signal in
            if interruptingSignal == signal { _exit(128 + signal) }
            if interruptingSignal == 0 { interruptingSignal = signal }
        }
        installStopHandler(handler)
    }

    /// The signal that asked us to stop (SIGINT or SIGTERM), or nil.
    public static var requested: Int32? {
        interruptingSignal == 0 ? nil : interruptingSignal
    }

    /// "SIGINT" / "SIGTERM" for records and messages.
    public static func name(of signal: Int32) -> String {
        switch signal {
        case SIGINT: return "SIGINT"
        case SIGTERM: return "SIGTERM"
        default: return "signal \(signal)"
        }
    }
}

/// Sends SIGINT and SIGTERM to `handler` — for `kplab run` (stop after the batch) and
/// `kplab sweep` (forward to the children) alike.
public func installStopHandler(_ handler: @convention(c) (Int32) -> Void) {
    signal(SIGINT, handler)
    signal(SIGTERM, handler)
    // A parent may hand us these signals blocked (some process launchers do, and the mask is
    // inherited): unblock them, or a Ctrl-C would wait unseen until the work ends.
    var signals = sigset_t()
    sigemptyset(&signals)
    sigaddset(&signals, SIGINT)
    sigaddset(&signals, SIGTERM)
    pthread_sigmask(SIG_UNBLOCK, &signals, nil)
}
