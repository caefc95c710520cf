import Foundation
@testable import Sweeps
import Testing

@Suite struct ChildProcessTests {
    /// A descriptor the sweep has open (here without close-on-exec, as Foundation's atomic
    /// writes leave their temporary files) does not reach the child: a long-lived training
    /// holding it would keep a probed run's lock, or make an executable being written
    /// impossible to start (ETXTBSY).
    @Test func theChildInheritsNoOtherDescriptor() throws {
        let folder = NSTemporaryDirectory() + "kplab-child-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let held = open(folder + "/held", O_WRONLY | O_CREAT, 0o644)
        #expect(held >= 3)
        defer { close(held) }
        let log = folder + "/log"
        let child = try ChildProcess(executable: "/bin/sh",
                                     arguments: ["-c", "[ -e /proc/self/fd/\(held) ] && echo inherited || echo closed; echo out"],
                                     logPath: log)
        var status: Int32?
        while status == nil {
            status = child.exitStatusIfEnded()
            if status == nil { usleep(10_000) }
        }
        #expect(status == 0)
        #expect(try String(contentsOfFile: log, encoding: .utf8) == "closed\nout\n")
    }
}
