import Foundation
import Testing
@testable import Dashboard
import Results
import Sweeps

/// The index `kplab serve` keeps: every run under the served folders, brought up to date by
/// looking only at what changed, and never a file from outside them.
@Suite struct RunIndexTests {
    @Test func findsEveryRunAndSeesNewEpochsAndNewRuns() throws {
        let fixture = try ResultsFixture()
        defer { fixture.remove() }
        let first = try fixture.run("cnn-aaaa0001", rmse: [9, 7, 6], status: "running")
        try fixture.run("cnn-aaaa0002", seed: 2, rmse: [8, 5])
        try fixture.run("cnn-aaaa0003", seed: 3, rmse: [8, 4], under: fixture.root + "/sweep")
        // Hidden folders (a sweep's expanded experiments) are not searched.
        try fixture.run("cnn-hidden00", rmse: [1], under: fixture.root + "/.sweep")

        let index = RunIndex(served: try ServedFolders([fixture.root]))
        #expect(index.all.map(\.id) == ["cnn/cnn-aaaa0001", "cnn/cnn-aaaa0002", "sweep/cnn/cnn-aaaa0003"])
        #expect(index.entry("cnn/cnn-aaaa0001")?.epochs == 3)
        #expect(index.refresh().isEmpty)
        let generation = index.generation

        // An epoch more: only it is sent.
        let handle = try #require(FileHandle(forWritingAtPath: first + "/metrics.csv"))
        handle.seekToEndOfFile()
        handle.write(Data(ResultsFixture.row(4, 5.5).utf8))
        handle.closeFile()
        // As kplab does after every epoch, the record is rewritten too.
        try fixture.record("cnn-aaaa0001", rmse: [9, 7, 6, 5.5], status: "running")
            .write(toFile: first + "/run.json", atomically: true, encoding: .utf8)
        try fixture.run("cnn-aaaa0004", seed: 4, rmse: [7])
        let changes = index.refresh()
        #expect(changes.count == 2)
        var added: [String] = [], updated: [(String, [Int])] = []
        for change in changes {
            switch change {
            case .added(let entry): added.append(entry.id)
            case .updated(let entry, let rows): updated.append((entry.id, rows.map(\.epoch)))
            case .removed: Issue.record("nothing was removed")
            }
        }
        #expect(added == ["cnn/cnn-aaaa0004"])
        #expect(updated.count == 1 && updated[0].0 == "cnn/cnn-aaaa0001" && updated[0].1 == [4])
        #expect(index.entry("cnn/cnn-aaaa0001")?.epochs == 4)
        #expect(index.entry("cnn/cnn-aaaa0001")?.run.bestValidationRMSEPixels == 5.5)
        #expect(index.generation > generation && index.count == 4)
        // Summaries only: the curves are read when asked for.
        #expect(index.all.allSatisfy { $0.run.rows.isEmpty })

        // A run whose record becomes unreadable keeps its last summary and is not read again
        // until its files change.
        let second = fixture.root + "/cnn/cnn-aaaa0002"
        try "{ not json".write(toFile: second + "/run.json", atomically: true, encoding: .utf8)
        #expect(index.refresh().isEmpty && index.entry("cnn/cnn-aaaa0002")?.epochs == 2)
        for _ in 0 ..< 5 { #expect(index.refresh().isEmpty) }
        try fixture.record("cnn-aaaa0002", rmse: [8, 5, 4], status: "completed")
            .write(toFile: second + "/run.json", atomically: true, encoding: .utf8)
        // Seen at the next look at finished runs (every fifth).
        var reread = false
        for _ in 0 ..< 5 where !reread { reread = index.refresh().contains { if case .updated = $0 { true } else { false } } }
        #expect(reread && index.entry("cnn/cnn-aaaa0002")?.run.bestValidationRMSEPixels == 4)

        // A deleted run leaves the index; trained again into the same folder, it comes back.
        try FileManager.default.removeItem(atPath: first)
        guard case .removed(let id)? = index.refresh().first else { Issue.record("no removal"); return }
        #expect(id == "cnn/cnn-aaaa0001" && index.entry(id) == nil && index.count == 3)
        try fixture.run("cnn-aaaa0001", rmse: [8])
        guard case .added(let back)? = index.refresh().first else { Issue.record("not found again"); return }
        #expect(back.id == "cnn/cnn-aaaa0001" && back.epochs == 1)
    }

    @Test func linksOutOfTheServedFoldersAreNotFollowed() throws {
        let fixture = try ResultsFixture(), outside = try ResultsFixture()
        defer { fixture.remove(); outside.remove() }
        try fixture.run("cnn-inside00", rmse: [5])
        let elsewhere = try outside.run("cnn-outside0", rmse: [3])
        // A run folder that is a link to a folder outside.
        try FileManager.default.createSymbolicLink(atPath: fixture.root + "/cnn/cnn-linked00", withDestinationPath: elsewhere)
        // A run whose metrics.csv is a link to a file outside.
        let sneaky = try fixture.run("cnn-sneaky00", rmse: [4])
        try FileManager.default.removeItem(atPath: sneaky + "/metrics.csv")
        try FileManager.default.createSymbolicLink(atPath: sneaky + "/metrics.csv", withDestinationPath: elsewhere + "/metrics.csv")

        let served = try ServedFolders([fixture.root])
        let index = RunIndex(served: served)
        #expect(index.all.map(\.id) == ["cnn/cnn-inside00"])
        #expect(index.unreadable.keys.contains { $0.hasSuffix("cnn-sneaky00") })
        #expect(served.read(elsewhere + "/run.json") == nil)
        #expect(served.read(fixture.root + "/cnn/cnn-inside00/run.json") != nil)
        #expect(served.read(fixture.root + "/cnn/cnn-inside00/../cnn-inside00/run.json") != nil)
        #expect(served.read(fixture.root + "/cnn") == nil)  // a folder is not a file
        #expect(throws: UserError.self) { try ServedFolders([fixture.root + "/nothing"]) }
    }

    /// A file larger than any run's (a 300 MiB metrics.csv, sparse here) is never read whole:
    /// its run is listed as unreadable, and the server's memory stays its own.
    @Test func aFileLargerThanAnyRunsIsNotRead() throws {
        let fixture = try ResultsFixture()
        defer { fixture.remove() }
        try fixture.run("cnn-small000", rmse: [5])
        let huge = try fixture.run("cnn-huge0000", rmse: [4], status: "running")
        let handle = try #require(FileHandle(forWritingAtPath: huge + "/metrics.csv"))
        try handle.truncate(atOffset: 300 << 20)
        try handle.close()
        let served = try ServedFolders([fixture.root])
        let index = RunIndex(served: served)
        #expect(index.all.map(\.id) == ["cnn/cnn-small000"])
        #expect(index.unreadable.first { $0.key.hasSuffix("cnn-huge0000") }?.value.contains("300 MiB") == true)
        #expect(served.read(huge + "/metrics.csv") == nil && served.read(huge + "/run.json") != nil)
        #expect(index.refresh().isEmpty)
    }

    @Test func aSweepShowsEachRunsStateFromItsManifest() throws {
        let fixture = try ResultsFixture()
        defer { fixture.remove() }
        try fixture.run("cnn-done0000", rmse: [5])
        try fixture.run("cnn-failed00", rmse: [5], status: "diverged")
        try fixture.run("cnn-stopped0", rmse: [5], status: "interrupted")
        let manifest = SweepManifest(name: "grid-1234abcd", entries: ["cnn-done0000", "cnn-failed00", "cnn-stopped0", "cnn-tocome00"].map {
            SweepManifest.Entry(experiment: "cnn", runID: $0, settings: "seed=1")
        })
        try manifest.write(results: fixture.root)
        #expect(SweepManifest.all(results: fixture.root) == [manifest])

        let sweeps = SweepProgress.all(in: RunIndex(served: try ServedFolders([fixture.root])))
        #expect(sweeps.count == 1 && sweeps[0].name == "grid-1234abcd")
        #expect(sweeps[0].runs.map(\.state) == [.done, .failed, .interrupted, .pending])
        #expect(sweeps[0].runs.map(\.id) == ["cnn/cnn-done0000", "cnn/cnn-failed00", "cnn/cnn-stopped0", nil])
        #expect(sweeps[0].counts == ["done": 1, "running": 0, "pending": 1, "interrupted": 1, "failed": 1])

        // A sweep's results folder inside the served one (kplab serve results, the sweep in
        // results/grid) is found too, with its runs.
        let inner = fixture.root + "/grid"
        try fixture.run("cnn-inner000", rmse: [5], under: inner)
        try SweepManifest(name: "inner-00000000", entries: [SweepManifest.Entry(experiment: "cnn", runID: "cnn-inner000", settings: "")])
            .write(results: inner)
        let index = RunIndex(served: try ServedFolders([fixture.root]))
        let nested = SweepProgress.all(in: index).first { $0.name == "inner-00000000" }
        #expect(nested?.runs.map(\.id) == ["grid/cnn/cnn-inner000"] && nested?.runs.first?.state == .done)
        #expect(index.refresh().isEmpty)
    }
}
