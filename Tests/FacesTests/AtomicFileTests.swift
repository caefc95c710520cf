import Foundation
import Testing
@testable import Faces

@Suite struct AtomicFileTests {
    /// Two sweeps in one process (or on two hosts whose pids match) write the same run's
    /// experiment file at once: every write must succeed, and the file must be one whole write.
    @Test func concurrentWritersOfOneFileAllSucceedAndLeaveOneWholeFile() throws {
        try withTemporaryFolder { folder in
            let path = folder + "/experiment.yaml"
            let writers = 8, writes = 40
            let failures = Failures()
            DispatchQueue.concurrentPerform(iterations: writers) { writer in
                for write in 0..<writes {
                    let text = String(repeating: "writer \(writer) write \(write)\n", count: 200)
                    do { try AtomicFile.write(Array(text.utf8), to: path) } catch { failures.append("\(error)") }
                }
            }
            #expect(failures.all.isEmpty, "\(failures.all.count) writes failed, the first: \(failures.all.first ?? "")")
            let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            #expect(lines.count == 200 && Set(lines).count == 1)
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["experiment.yaml"])
        }
    }

    /// The temporary's own mode (mkstemp makes 0600) must not reach the file: it gets what
    /// open(2) would give under the process's umask, so a group can read its results.
    @Test func theFileGetsTheModeOpenWouldGive() throws {
        try withTemporaryFolder { folder in
            try AtomicFile.write(Array("epoch\n".utf8), to: folder + "/metrics.csv")
            close(open(folder + "/plain", O_WRONLY | O_CREAT, 0o666))
            let mode = { (name: String) in
                try FileManager.default.attributesOfItem(atPath: folder + "/" + name)[.posixPermissions] as? Int
            }
            #expect(try mode("metrics.csv") == mode("plain"))
        }
    }

    final class Failures: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: [String] = []
        func append(_ failure: String) { lock.withLock { stored.append(failure) } }
        var all: [String] { lock.withLock { stored } }
    }
}
