import Foundation
import Testing
@testable import Results

/// What a run record says about the build that made it: `git_dirty` means its code changed.
@Suite struct SoftwareRecordTests {
    private func git(_ arguments: String..., in folder: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", folder, "-c", "user.name=t", "-c", "user.email=t@t"] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "git \(arguments)")
    }

    @Test func onlyChangedCodeMakesARecordDirty() throws {
        let repository = FileManager.default.temporaryDirectory.appendingPathComponent("kplab-git-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: repository) }
        for folder in ["Sources/Engine", "results/reference", ".build/release"] {
            try FileManager.default.createDirectory(atPath: repository + "/" + folder, withIntermediateDirectories: true)
        }
        try "let a = 1\n".write(toFile: repository + "/Sources/Engine/A.swift", atomically: true, encoding: .utf8)
        try "1,2\n".write(toFile: repository + "/results/reference/metrics.csv", atomically: true, encoding: .utf8)
        try git("init", "-q", in: repository)
        try git("add", "Sources", "results", in: repository)
        try git("commit", "-q", "-m", "start", in: repository)
        let executable = repository + "/.build/release/kplab"
        func dirty() -> Bool? { RunRecord.Software.current(executablePath: executable).gitDirty }

        #expect(dirty() == false)
        // make reference: the committed run deleted, an untracked build output beside it.
        try FileManager.default.removeItem(atPath: repository + "/results/reference/metrics.csv")
        try "notes\n".write(toFile: repository + "/README.md", atomically: true, encoding: .utf8)
        #expect(dirty() == false)
        try "let b = 2\n".write(toFile: repository + "/Sources/Engine/B.swift", atomically: true, encoding: .utf8)
        #expect(dirty() == true, "a new source file")
        try FileManager.default.removeItem(atPath: repository + "/Sources/Engine/B.swift")
        try "let a = 3\n".write(toFile: repository + "/Sources/Engine/A.swift", atomically: true, encoding: .utf8)
        #expect(dirty() == true, "an edited source file")
    }
}
