import Foundation
import Testing
@testable import Faces

/// A data path must name a regular file: a device reads as empty or endless, a FIFO blocks.
@Suite struct DataFileKindTests {
    @Test func aDeviceOrFIFOIsRefusedAtOnce() throws {
        let folder = NSTemporaryDirectory() + "kplab-fifo-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let fifo = folder + "/faces.csv"
        #expect(mkfifo(fifo, 0o644) == 0)
        for path in ["/dev/zero", fifo] {
            let error = #expect(throws: DataFileError.self) { _ = try TrainingFile(path: path) }
            #expect(error?.description.contains("is not a regular file (a device, FIFO or socket), expected a CSV file") == true)
        }
    }
}
