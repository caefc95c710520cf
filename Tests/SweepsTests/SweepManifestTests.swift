import Foundation
import Sweeps
import Testing

/// A sweep's manifest (`RESULTS/.sweep/<name>.runs.tsv`) reads back what was written, also from
/// a copy whose line ends became "\r\n" (a results folder copied through Windows, or checked out
/// by git with core.autocrlf), which Swift splits as one line and `kplab serve` showed as no sweep.
@Suite struct SweepManifestTests {
    @Test func aManifestReadsBackAlsoWithCRLFLineEnds() throws {
        let results = NSTemporaryDirectory() + "kplab-manifest-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: results) }
        let manifest = SweepManifest(name: "demo-1a2b3c4d", entries: [
            SweepManifest.Entry(experiment: "cnn", runID: "cnn-00000001", settings: "train.learning_rate=0.01"),
            SweepManifest.Entry(experiment: "cnn", runID: "cnn-00000002", settings: ""),
        ])
        try manifest.write(results: results)
        #expect(SweepManifest.all(results: results) == [manifest])

        let path = manifest.path(results: results)
        let crlf = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "\n", with: "\r\n")
        try crlf.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(SweepManifest.all(results: results) == [manifest])
    }
}
