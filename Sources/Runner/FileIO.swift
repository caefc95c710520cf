import Foundation

extension String {
    /// The whole file as UTF-8 text, or nil when it cannot be read.
    init?(contentsOfFileAtPath path: String) {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        self.init(decoding: data, as: UTF8.self)
    }
}

/// Writes `bytes` to `path` so that readers see either the old file or the complete new one,
/// never a half-written file: a temporary file in the same folder, fsynced, then renamed.
public func writeAtomically(_ bytes: [UInt8], to path: String) throws {
    let temporary = path + ".tmp-\(getpid())"
    guard let file = fopen(temporary, "wb") else {
        throw RunnerError("cannot write \(temporary): \(String(cString: strerror(errno)))")
    }
    let written = bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, file) }
    let synced = fflush(file) == 0 && fsync(fileno(file)) == 0
    fclose(file)
    guard written == bytes.count, synced, rename(temporary, path) == 0 else {
        let reason = String(cString: strerror(errno))
        unlink(temporary)
        throw RunnerError("cannot write \(path): \(reason)")
    }
}

public func writeAtomically(_ text: String, to path: String) throws {
    try writeAtomically(Array(text.utf8), to: path)
}
