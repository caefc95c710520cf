@testable import Experiments
import Foundation
import Testing

/// The committed reference run (`results/reference/`) was named and recorded by the canonical
/// form of its day: if the canonical form changes, `kplab reproduce` can no longer find it.
@Suite struct ReferenceRunTests {
    static let folders: [String] = {
        let results = packageRoot().appendingPathComponent("results/reference").path
        return ((try? FileManager.default.contentsOfDirectory(atPath: results)) ?? []).sorted()
    }()

    @Test func thereIsAReferenceRun() {
        #expect(!Self.folders.isEmpty)
    }

    @Test(arguments: folders)
    func itsConfigIsTheCanonicalTextOfItself(folder: String) throws {
        let path = packageRoot().appendingPathComponent("results/reference/\(folder)/config.yaml").path
        let recorded = try String(contentsOfFile: path, encoding: .utf8)
        let experiment = try Experiment.load(contentsOfFile: path)
        #expect(experiment.canonicalText == recorded)
        #expect(experiment.runID == folder)
    }
}
