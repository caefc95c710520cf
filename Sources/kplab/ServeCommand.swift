import ArgumentParser
import Dashboard
import Foundation
import Results

/// `kplab serve [RESULTS…]`: a live dashboard of the runs and sweeps in results folders.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a live dashboard of the runs and sweeps in results folders, in the browser.",
        discussion: """
            Starts a web server on this machine (127.0.0.1 unless --host says otherwise) and prints \
            its address. The page shows the runs table as `kplab compare` does (filter, sort and \
            group in the page), curves of validation RMSE in pixels or of the losses for the \
            selected runs or groups (groups as mean ± 1 std bands), a page per run (config, RMSE \
            per keypoint, the diagnosis, the diagnostics panels, validation faces with predicted \
            and true points) and each sweep's progress. New epochs and new runs appear within a \
            couple of seconds, without reloading.

            It reads the run folders and writes nothing, anywhere. Only files inside the served \
            folders are read for a request (links leading out of them are refused); the faces \
            of a run's contact sheet come from the training data its config names.

            Examples:
              kplab serve                       # results/
              kplab serve results/init-sweep --port 8080
            """)

    @Argument(help: ArgumentHelp("Results folders (default: results).", valueName: "results"))
    var paths: [String] = []

    @Option(help: "The port to listen on (0: any free port).")
    var port: Int = 8080

    @Option(help: "The address to listen on. Anything but 127.0.0.1 or ::1 lets other machines read every run served.")
    var host = "127.0.0.1"

    @Option(name: .customLong("poll"), help: ArgumentHelp("Seconds between looks at the folders for changes.", visibility: .hidden))
    var pollSeconds = 1.0

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard pollSeconds > 0 && pollSeconds <= 60 else { throw ValidationError("--poll must be more than 0 and at most 60 seconds") }
    }

    func run() throws {
        let folders = paths.isEmpty ? ["results"] : paths
        let served = try reportingFailures { try ServedFolders(folders) }
        let address = host == "localhost" ? "127.0.0.1" : host
        if !["127.0.0.1", "::1"].contains(address) {
            printError("warning: listening on \(address): anyone who can reach this machine on port \(port) can read every run "
                       + "in \(folders.joined(separator: ", ")); there is no password")
        }
        let started = Date()
        let index = RunIndex(served: served)
        let indexed = Date().timeIntervalSince(started)
        let server: DashboardServer
        do {
            server = try DashboardServer(index: index, host: address, port: UInt16(port), pollSeconds: pollSeconds)
        } catch {
            printError("error: --host \(host) is not an IPv4 or IPv6 address (\(error))")
            throw ExitCode.failure
        }
        for (folder, problem) in index.unreadable.sorted(by: { $0.key < $1.key }) {
            printError("skipping \(folder): \(problem)")
        }
        let finished = DispatchSemaphore(value: 0)
        let failure = Failure()
        let count = index.count
        Task.detached {
            do {
                try await server.run { url in
                    print("kplab serve: \(url)  (\(count) run\(count == 1 ? "" : "s") in \(folders.joined(separator: ", ")), "
                          + String(format: "indexed in %.1f s; Ctrl-C stops it)", indexed))
                    fflush(stdout)
                }
            } catch {
                failure.set("cannot serve on \(address):\(port): \(error)")
            }
            finished.signal()
        }
        finished.wait()
        if let message = failure.message {
            printError("error: \(message)")
            throw ExitCode.failure
        }
    }
}

/// The server task's error, handed back to the command's thread.
private final class Failure: @unchecked Sendable {
    private let lock = NSLock()
    private var text: String?
    var message: String? { lock.withLock { text } }
    func set(_ message: String) { lock.withLock { text = message } }
}
