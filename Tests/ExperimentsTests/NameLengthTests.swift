import Testing
import YAML
@testable import Experiments

/// A name becomes folder and file names (`<name>/<name>-<hash>/`, `<name>-<hash>.yaml`), so
/// one too long for the file system is refused where it is written, not when folders fail.
@Suite struct NameLengthTests {
    static func decode(name: String) throws -> Experiment {
        try Experiment.decode(text: "name: \(name)\nmodel: {layers: [flatten, {dense: 30}]}\ntrain: {epochs: 1}\n",
                              path: "x.yaml")
    }

    @Test func aNameOfTheLongestAllowedLengthIsFine() throws {
        #expect(try Self.decode(name: String(repeating: "a", count: maximumNameLength)).name.count == maximumNameLength)
    }

    @Test func aLongerNameIsAnErrorAtItsPosition() throws {
        let error = #expect(throws: Diagnostic.self) { try Self.decode(name: String(repeating: "a", count: 300)) }
        #expect(error?.description.hasPrefix("x.yaml:1:7: name '\(String(repeating: "a", count: 40))…' names a results "
                                             + "folder, so it may be at most 200 characters long, not 300") == true)
    }
}
