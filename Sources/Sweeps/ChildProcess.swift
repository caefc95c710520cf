#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Results

/// A child process started with posix_spawn rather than Foundation's `Process`, for two
/// things a sweep needs: the child gets its own process group, so a terminal's Ctrl-C reaches
/// only the sweep, which forwards exactly one SIGINT (a second one makes `kplab run` exit
/// without its checkpoint); and the sweep can poll its children with `waitpid(pid, WNOHANG)`
/// without reaping processes that belong to anyone else in the same program.
struct ChildProcess {
    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 on), which Swift's Glibc module
    /// does not declare; nil where the C library lacks it (the child then inherits what it
    /// did before).
    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let closeFrom: CloseFrom? = {
        #if canImport(Glibc)
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: CloseFrom.self)
        #else
        return nil
        #endif
    }()

    let pid: pid_t
    /// Where its standard output and error go.
    let logPath: String

    /// Starts `executable` with `arguments`, standard input from /dev/null and standard
    /// output and error appended to `logPath`; SIGINT and SIGTERM at their defaults.
    init(executable: String, arguments: [String], logPath: String) throws(UserError) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing else the sweep has open reaches the child: a descriptor inherited by a
        // long-lived training would hold whatever it names — a run's lock that this process
        // was probing (the run would look busy while that child lives), or a file another
        // thread was writing (an executable held open for writing cannot be started: ETXTBSY).
        _ = Self.closeFrom?(&actions, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t(), empty = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGTERM)
        sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard result == 0 else {
            throw UserError("cannot start \(executable): \(String(cString: strerror(result)))")
        }
        self.pid = pid
        self.logPath = logPath
    }

    /// The exit status if the child has ended (128 + signal when a signal ended it), else nil.
    func exitStatusIfEnded() -> Int32? {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        guard result == pid else { return nil }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// Sends `signal` to the child's whole process group.
    func send(_ signal: Int32) {
        kill(-pid, signal)
    }
}
