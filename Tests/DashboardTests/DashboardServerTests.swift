import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
@testable import Dashboard

/// The server over real HTTP on a free port: what the page reads, and that no URL reads or
/// writes anything else.
@Suite(.timeLimit(.minutes(2))) struct DashboardServerTests {
    /// Starts a server on the fixture's folder, runs `body` with its URL, and stops it.
    static func serving(_ root: String, _ body: (String) async throws -> Void) async throws {
        let server = try DashboardServer(index: RunIndex(served: try ServedFolders([root])), host: "127.0.0.1", port: 0, pollSeconds: 0.2)
        let (ready, continuation) = AsyncStream<String>.makeStream()
        // The stream ends with the server, so that a server that stops before it listens
        // fails the test with its error rather than leaving it waiting for a URL forever.
        let task = Task {
            defer { continuation.finish() }
            try await server.run { continuation.yield($0) }
        }
        defer { task.cancel() }
        var iterator = ready.makeAsyncIterator()
        guard let url = await iterator.next() else {
            try await task.value
            Issue.record("the server stopped before it listened")
            return
        }
        try await body(url)
    }

    static func get(_ url: String, method: String = "GET") async throws -> (status: Int, body: Data, type: String?) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        return (http.statusCode, data, http.value(forHTTPHeaderField: "Content-Type"))
    }

    @Test func servesTheTableCurvesAndRunsAndNothingElse() async throws {
        let fixture = try ResultsFixture()
        defer { fixture.remove() }
        try fixture.run("cnn-aaaa0001", rate: "0.01", rmse: [9, 7, 6])
        try fixture.run("cnn-aaaa0002", rate: "0.1", rmse: [8, 5, 3])
        try await Self.serving(fixture.root) { url in
            #expect(url.hasPrefix("http://127.0.0.1:"))
            let page = try await Self.get(url)
            #expect(page.status == 200 && page.type?.hasPrefix("text/html") == true)

            let table = try await Self.get(url + "api/runs")
            let json = try JSONSerialization.jsonObject(with: table.body) as! [String: Any]
            let runs = json["runs"] as! [[String: Any]]
            // Best first, as `compare` sorts; the differing setting is a column.
            #expect(runs.map { $0["id"] as! String } == ["cnn/cnn-aaaa0002", "cnn/cnn-aaaa0001"])
            let columns = (json["columns"] as! [[String: Any]]).map { $0["key"] as! String }
            #expect(columns.contains("train.learning_rate") && columns.contains("best_val_rmse_px") && !columns.contains("path"))
            #expect(json["mean_face"] as? Double == 4.5)

            let curve = try await Self.get(url + "api/curve?id=cnn%2Fcnn-aaaa0001")
            let rows = (try JSONSerialization.jsonObject(with: curve.body) as! [String: Any])["rows"] as! [[String: Any]]
            #expect(rows.map { $0["val_rmse_px"] as! Double } == [9, 7, 6])

            let run = try await Self.get(url + "api/run?id=cnn/cnn-aaaa0002")
            let detail = try JSONSerialization.jsonObject(with: run.body) as! [String: Any]
            #expect(detail["run_id"] as? String == "cnn-aaaa0002" && (detail["config"] as? String)?.contains("learning_rate: 0.1") == true)
            // No sweep was run here: an empty list, not an error.
            let sweeps = try await Self.get(url + "api/sweeps")
            #expect(sweeps.status == 200 && sweeps.type == "application/json")
            let listed = (try JSONSerialization.jsonObject(with: sweeps.body) as? [String: Any])?["sweeps"] as? [Any]
            #expect(listed?.isEmpty == true)

            // No diagnostics recorded, no weights to draw faces with: a plain 404 each.
            #expect(try await Self.get(url + "api/diagnostics.svg?id=cnn/cnn-aaaa0002").status == 404)
            #expect(try await Self.get(url + "api/faces.png?id=cnn/cnn-aaaa0002").status == 404)

            for odd in ["../../../etc/passwd", "%2e%2e/%2e%2e/etc/passwd", "cnn/cnn-aaaa0001/run.json", "api/run?id=../../etc/passwd",
                        "api/run?id=cnn/cnn-aaaa0001/../../../etc", "api/run", "api/curve?id=%00", "api//runs", "app.js/../../x"] {
                #expect(try await Self.get(url + odd).status == 404, "\(odd)")
            }
            for method in ["POST", "PUT", "DELETE", "PATCH"] {
                #expect(try await Self.get(url + "api/runs", method: method).status == 405)
            }
        }
        // It wrote nothing: the folders hold what the fixture wrote.
        let files = FileManager.default.enumerator(atPath: fixture.root)!.compactMap { $0 as? String }.sorted()
        #expect(files == ["cnn", "cnn/cnn-aaaa0001", "cnn/cnn-aaaa0001/config.yaml", "cnn/cnn-aaaa0001/metrics.csv",
                          "cnn/cnn-aaaa0001/run.json", "cnn/cnn-aaaa0002", "cnn/cnn-aaaa0002/config.yaml",
                          "cnn/cnn-aaaa0002/metrics.csv", "cnn/cnn-aaaa0002/run.json"])
    }
}
