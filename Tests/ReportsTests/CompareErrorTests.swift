import Foundation
import Reports
import Results
import Testing

@Suite struct CompareErrorTests {
    @Test func aMissingPathIsAnError() {
        #expect(throws: UserError("/no/such/results: no such file or folder")) {
            try RunDiscovery.load(paths: ["/no/such/results"])
        }
    }

    @Test func aFolderWithoutRunsIsAnError() throws {
        let fixtures = try CompareFixtures()
        defer { fixtures.remove() }
        try FileManager.default.createDirectory(atPath: fixtures.root + "/empty/inside", withIntermediateDirectories: true)
        #expect(throws: UserError("\(fixtures.root)/empty: no runs found (no folder under it holds a run.json)")) {
            try RunDiscovery.load(paths: [fixtures.root + "/empty"])
        }
    }

    @Test func anUnreadableRunIsAWarningNotAFailure() throws {
        let fixtures = try CompareFixtures()
        defer { fixtures.remove() }
        try fixtures.standardRuns()
        try "{ not json".write(toFile: fixtures.root + "/cnn/cnn-he-2/run.json", atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: fixtures.root + "/cnn/cnn-xa-1/metrics.csv")
        let discovery = try RunDiscovery.load(paths: [fixtures.root])
        #expect(discovery.runs.map(\.label).sorted() == ["cnn-he-1", "cnn-xa-1", "cnn-xa-2"])
        #expect(discovery.warnings.count == 2)
        #expect(discovery.warnings[0].hasPrefix("skipping \(fixtures.root)/cnn/cnn-he-2: \(fixtures.root)/cnn/cnn-he-2/run.json: not a readable kplab run record"))
        #expect(discovery.warnings[1] == "\(fixtures.root)/cnn/cnn-xa-1/metrics.csv: no such file; showing the run without curves")
        // The run without metrics still has its record's numbers.
        #expect(discovery.runs.first { $0.label == "cnn-xa-1" }?.bestEpoch == 3)
    }

    @Test func noReadableRunIsAnError() throws {
        let fixtures = try CompareFixtures()
        defer { fixtures.remove() }
        try FileManager.default.createDirectory(atPath: fixtures.root + "/x/r", withIntermediateDirectories: true)
        try "".write(toFile: fixtures.root + "/x/r/run.json", atomically: true, encoding: .utf8)
        #expect(throws: UserError.self) { try RunDiscovery.load(paths: [fixtures.root]) }
    }

    @Test func suggestionsUseEditDistance() throws {
        let fixtures = try CompareFixtures()
        defer { fixtures.remove() }
        try fixtures.standardRuns()
        let runs = try RunDiscovery.load(paths: [fixtures.root]).runs
        #expect(throws: UserError("--where train.learnig_rate=0.1: no run has the key 'train.learnig_rate' (did you mean 'train.learning_rate'?)")) {
            try Comparison(runs: runs, filters: [RunFilter(parsing: "train.learnig_rate=0.1")])
        }
        #expect(throws: UserError("--where colour=red: no run has the key 'colour'")) {
            try Comparison(runs: runs, filters: [RunFilter(parsing: "colour=red")])
        }
    }
}
