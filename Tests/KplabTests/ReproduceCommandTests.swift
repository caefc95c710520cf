import Foundation
import Testing

/// `kplab reproduce` on the committed reference run: it must be exact on any machine, at any
/// thread count, and say what differs when something does.
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
        #expect(result.status == 0, "\(report)\(result.standardError)")
        #expect(report.contains("\nexact: all 10 epochs are bit-identical (every column but seconds)\n"))
    }

    /// The record was made at 2 threads; 1 and 3 give the same numbers, and the report says
    /// the difference was seen and does not matter.
    @Test(arguments: ["1", "3"])
    func anotherThreadCountReproducesExactly(threads: String) throws {
        let reference = Self.root.appendingPathComponent("results/reference")
        let run = reference.appendingPathComponent(try FileManager.default.contentsOfDirectory(atPath: reference.path)
            .first { !$0.hasPrefix(".") }!).path
        let result = try runInScratchFolder(["reproduce", run, "--quiet", "--out", "again", "--epochs", "2", "--threads", threads],
                                            files: [:])
        #expect(result.status == 0, "\(result.standardOutput)\(result.standardError)")
        #expect(result.standardOutput.contains("exact: all 2 epochs are bit-identical"))
        #expect(result.standardOutput.contains("also different, which does not change results: threads: recorded 2, now \(threads)"))
    }

    @Test func aFolderWithoutARunIsRefused() throws {
        let result = try runInScratchFolder(["reproduce", "nowhere"], files: [:])
        #expect(result.status == 2)
        #expect(result.standardError == "error: nowhere holds no run record (run.json)\n")
    }
}
