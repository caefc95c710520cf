import FlyingFox
import FlyingSocks
import Foundation
import Reports
import Results

/// `kplab serve`: the page, its JSON and pictures, and the live feed, over HTTP. Every route
/// is a GET that reads; runs are named by their index id in a query (`/api/run?id=…`), never
/// by a path, so no URL can reach a file the index did not find inside the served folders.
public final class DashboardServer: HTTPHandler, @unchecked Sendable {
    public let index: RunIndex
    private let feed = LiveFeed()
    private let faces = ValidationFaces()
    private let server: HTTPServer
    /// How often the folders are looked at for changes.
    private let pollSeconds: Double
    private let lock = NSLock()
    private var cachedTable: (generation: Int, json: Data)?

    /// - Parameters:
    ///   - host: an IPv4 or IPv6 address to listen on.
    ///   - port: 0 for any free port (see `address` once listening).
    public init(index: RunIndex, host: String, port: UInt16, pollSeconds: Double = 1) throws {
        self.index = index
        self.pollSeconds = pollSeconds
        let logger: DisabledLogger = .disabled
        if host.contains(":") {
            server = HTTPServer(address: try sockaddr_in6.inet6(ip6: host, port: port), logger: logger)
        } else {
            server = HTTPServer(address: try sockaddr_in.inet(ip4: host, port: port), logger: logger)
        }
    }

    /// Serves until the task is cancelled; `ready` gets the URL once it listens.
    public func run(ready: @escaping @Sendable (String) -> Void) async throws {
        await server.appendRoute("*", to: self)
        let serving = Task { try await server.run() }
        try await server.waitUntilListening(timeout: 10)
        _ = table()  // built before anyone asks: the first page is served at once
        ready(await url())
        let polling = Task.detached { [weak self] in
            while !Task.isCancelled {
                guard let self else { return }
                try? await Task.sleep(nanoseconds: UInt64(self.pollSeconds * 1e9))
                let changes = self.index.refresh()
                for change in changes { self.feed.send(DashboardJSON.message(change)) }
                if !changes.isEmpty { _ = self.table() }  // rebuilt here, not while a page waits
            }
        }
        defer { polling.cancel() }
        try await withTaskCancellationHandler {
            try await serving.value
        } onCancel: {
            serving.cancel()
        }
    }

    /// `http://HOST:PORT/` of the listening socket.
    public func url() async -> String {
        switch await server.listeningAddress {
        case .ip4(let host, let port)?: return "http://\(host):\(port)/"
        case .ip6(let host, let port)?: return "http://[\(host)]:\(port)/"
        default: return "http://127.0.0.1/"
        }
    }

    // MARK: - Requests

    public func handleRequest(_ request: HTTPRequest) async throws -> HTTPResponse {
        guard request.method == .GET else {
            return Self.text(.methodNotAllowed, "only GET: this server reads run folders and changes nothing\n",
                             headers: [HTTPHeader("Allow"): "GET"])
        }
        let id = request.query.first { $0.name == "id" }?.value
        switch request.path {
        case "/": return Self.response(Data(DashboardPage.html.utf8), type: "text/html; charset=utf-8")
        case "/app.js": return Self.response(Data(DashboardPage.script.utf8), type: "text/javascript; charset=utf-8")
        case "/app.css": return Self.response(Data(DashboardPage.style.utf8), type: "text/css; charset=utf-8")
        case "/live": return try await WebSocketHTTPHandler(handler: MessageFrameWSHandler(handler: feed)).handleRequest(request)
        case "/api/runs": return Self.response(table(), type: "application/json")
        case "/api/sweeps":
            // Reads every sweep's manifest and Slurm submission from disk.
            return await offCooperativeThreads {
                Self.response(DashboardJSON.sweeps(SweepProgress.all(in: self.index)), type: "application/json")
            }
        case "/api/run", "/api/curve", "/api/diagnostics.svg", "/api/faces.png":
            guard let id, let entry = index.entry(id) else { return Self.text(.notFound, "no such run\n") }
            // Drawing a run's faces loads its data and runs its net.
            return await offCooperativeThreads { self.runResponse(request.path, entry) }
        default:
            return Self.text(.notFound, "not found\n")
        }
    }

    /// `answer()` on a Dispatch thread: Swift's cooperative threads (two on two cores) serve every
    /// page and the live feed, and a route that reads files or computes must not hold them up.
    private func offCooperativeThreads(_ answer: @escaping @Sendable () -> HTTPResponse) async -> HTTPResponse {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: answer()) }
        }
    }

    private func runResponse(_ path: String, _ entry: RunIndex.Entry) -> HTTPResponse {
        let folder = entry.folder
        switch path {
        case "/api/run":
            let config = index.served.read(folder.config).map { String(decoding: $0, as: UTF8.self) }
            let hasDiagnostics = index.served.isReadable(folder.diagnostics)
            // Diagnosis reads diagnostics.csv when there is one: not when it is refused.
            let diagnosis = index.served.refusal(folder.diagnostics) == nil ? try? Diagnosis(folder: folder).text : nil
            return Self.response(DashboardJSON.run(entry, config: config, hasDiagnostics: hasDiagnostics, diagnosis: diagnosis),
                                 type: "application/json")
        case "/api/curve":
            let rows = (try? index.readRows(of: folder)) ?? []
            return Self.response(DashboardJSON.curve(entry, rows: rows), type: "application/json")
        case "/api/diagnostics.svg":
            guard index.served.isReadable(folder.diagnostics), let rows = try? DiagnosticsLog.read(path: folder.diagnostics) else {
                return Self.text(.notFound, "this run recorded no diagnostics (kplab run --diagnostics)\n")
            }
            let plot = DiagnosticsPlot(runs: [.init(title: entry.run.label, rows: rows)])
            return Self.response(Data(plot.svg.utf8), type: "image/svg+xml")
        default:
            do {
                return Self.response(try faces.png(for: entry, served: index.served), type: "image/png")
            } catch {
                return Self.text(.notFound, "no faces to draw: \(error)\n")
            }
        }
    }

    /// The runs table, rebuilt only when the index changed.
    private func table() -> Data {
        let generation = index.generation
        if let cached = lock.withLock({ cachedTable }), cached.generation == generation { return cached.json }
        let json = DashboardJSON.table(index.all)
        lock.withLock { cachedTable = (generation, json) }
        return json
    }

    static func response(_ body: Data, type: String) -> HTTPResponse {
        HTTPResponse(statusCode: .ok, headers: headers(type), body: body)
    }

    static func text(_ status: HTTPStatusCode, _ text: String, headers extra: [HTTPHeader: String] = [:]) -> HTTPResponse {
        var all = headers("text/plain; charset=utf-8")
        for (name, value) in extra { all[name] = value }
        return HTTPResponse(statusCode: status, headers: all, body: Data(text.utf8))
    }

    /// Nothing is cached by the browser (runs change), nothing is sniffed, and the page may
    /// load scripts, styles, pictures and sockets from this server only.
    private static func headers(_ type: String) -> [HTTPHeader: String] {
        [.contentType: type, .cacheControl: "no-store", HTTPHeader("X-Content-Type-Options"): "nosniff",
         HTTPHeader("Content-Security-Policy"): "default-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'"]
    }
}
