import Foundation
import Testing
import YAML

/// Only regular files of a sane size are read: anything else would be read until memory runs
/// out (`/dev/zero`), or wait forever (a FIFO with no writer).
@Suite struct FileInputTests {
    /// A fresh folder under the temporary directory, removed by `remove()`.
    struct Folder {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("yaml-input-\(UUID().uuidString)").path
        init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        func remove() { try? FileManager.default.removeItem(atPath: path) }
    }

    static func failure(reading path: String) throws -> String {
        try #require(throws: Diagnostic.self) { try Document(contentsOfFile: path) }.description
    }

    static let notRegular = "is not a regular file (a device, FIFO or socket), so it cannot be a YAML file"

    @Test func aDeviceIsRefusedWithoutReadingIt() throws {
        #expect(try Self.failure(reading: "/dev/zero") == "/dev/zero: \(Self.notRegular)")
    }

    @Test func aSymbolicLinkToADeviceIsRefused() throws {
        let folder = try Folder()
        defer { folder.remove() }
        let link = folder.path + "/experiment.yaml"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "/dev/zero")
        #expect(try Self.failure(reading: link) == "\(link): \(Self.notRegular)")
    }

    @Test(.timeLimit(.minutes(1))) func aFIFOIsRefusedWithoutWaitingForAWriter() throws {
        let folder = try Folder()
        defer { folder.remove() }
        let fifo = folder.path + "/experiment.yaml"
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(try Self.failure(reading: fifo) == "\(fifo): \(Self.notRegular)")
    }

    @Test func aFileLargerThanSixteenMebibytesIsRefusedWithTheLimit() throws {
        let folder = try Folder()
        defer { folder.remove() }
        let large = folder.path + "/large.yaml"
        #expect(FileManager.default.createFile(atPath: large, contents: nil))
        // Sparse: the size is what counts, and nothing is read.
        #expect(truncate(large, 16 * 1024 * 1024 + 1) == 0)
        #expect(try Self.failure(reading: large) == """
            \(large): the file is 16777217 bytes; an experiment or sweep file may be at most 16 MiB (16777216 bytes)
            """)
    }
}
