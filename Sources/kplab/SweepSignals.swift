#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Training

/// How many SIGINT/SIGTERMs the sweep has received; the scheduler forwards each one to its
/// children. A signal handler may only touch a lock-free flag, hence a C-style global.
nonisolated(unsafe) private var receivedSignals: sig_atomic_t = 0

/// Ctrl-C for `kplab sweep`: the sweep itself never stops abruptly, it forwards the signal
/// to every running child (which checkpoints and records itself as interrupted) and waits.
enum SweepSignals {
    static func install() {
        installStopHandler { _ in receivedSignals += 1 }
    }

    /// How many have arrived since `install()`.
    static var count: Int { Int(receivedSignals) }
}
