import Foundation
import Testing

/// `kplab reproduce` on the committed reference run: it must be exact wherever the BLAS kernel
/// (and so the arithmetic) is the one recorded; elsewhere it must say what differs.
@Suite struct ReproduceCommandTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test func theReferenceRunReproducesExactly() throws {
        let reference = Self.root.appendingPathComponent("results/reference")
        let runs = try FileManager.default.contentsOfDirectory(atPath: reference.path).filter { !$0.hasPrefix(".") }
        #expect(runs.count == 1, "results/reference holds one run: \(runs)")
        let run = reference.appendingPathComponent(runs[0]).path
        let result = try runInScratchFolder(["reproduce", run, "--quiet", "--out", "again"], files: [:])
        let report = result.standardOutput
        if report.contains("BLAS kernel: recorded") {
            // Another kernel does its sums in another order: a difference is expected, and named.
            #expect(result.status == 0 || report.contains("likely causes: "))
        } else {
            #expect(result.status == 0, "\(report)\(result.standardError)")
            #expect(report.contains("\nexact: all 10 epochs are bit-identical (every column but seconds)\n"))
        }
    }

    @Test func aDifferentThreadCountIsNamedAsTheLikelyCause() throws {
        let reference = Self.root.appendingPathComponent("results/reference")
        let run = reference.appendingPathComponent(try FileManager.default.contentsOfDirectory(atPath: reference.path)
            .first { !$0.hasPrefix(".") }!).path
        let result = try runInScratchFolder(["reproduce", run, "--quiet", "--out", "again", "--epochs", "1", "--threads", "1"], files: [:])
        if result.status == 0 {
            // Possible in principle: one epoch of this net may sum identically at 1 and 2 threads.
            #expect(result.standardOutput.contains("exact: all 1 epochs"))
        } else {
            #expect(result.status == 1)
            #expect(result.standardOutput.contains("differs: first at epoch 1 of 1 compared"))
            #expect(result.standardOutput.contains("threads: recorded 2, now 1"))
        }
    }

    @Test func aFolderWithoutARunIsRefused() throws {
        let result = try runInScratchFolder(["reproduce", "nowhere"], files: [:])
        #expect(result.status == 2)
        #expect(result.standardError == "error: nowhere holds no run record (run.json)\n")
    }
}
