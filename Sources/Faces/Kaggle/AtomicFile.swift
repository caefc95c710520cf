import Foundation

/// Writes a file so that readers see either the old file or the whole new one, never half of it:
/// the bytes go to a temporary file in the same folder, which is renamed over `path` only after
/// everything was written and flushed. On any failure the temporary file is removed.
public enum AtomicFile {
    /// Replaces `path` with exactly `bytes` (results files, records, weights).
    public static func write(_ bytes: [UInt8], to path: String) throws {
        try write(to: path) { output in
            try bytes.withUnsafeBytes { try output.writeThrough($0) }
        }
    }

    /// Replaces `path` with the chunks `produce` passes to its argument, in order, each written
    /// straight to the file: a large binary file (weights, checkpoints) is never copied whole.
    public static func write(to path: String, chunks produce: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        try write(to: path) { output in
            try produce { try output.writeThrough($0) }
        }
    }

    static func write(to path: String, _ produce: (inout FileOutput) throws -> Void) throws {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        // A temporary of its own for every write (mkstemp: a fresh name, created exclusively).
        // A name from the pid alone was shared by two threads of one process writing the same
        // file, and by two hosts with equal pids on a shared results folder: one writer's
        // rename then took the other's file away ("cannot replace"), failing a sweep's start.
        var template = Array((folder + "/." + url.lastPathComponent + ".tmp-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw FileOutput.failure(path, "cannot write") }
        let temporary = String(cString: template)
        fchmod(descriptor, 0o666 & ~fileCreationMask)  // as open(2) would make it; mkstemp makes 0600
        var output = FileOutput(descriptor: descriptor, path: path)
        var closed = false
        do {
            try produce(&output)
            try output.flush()
            guard fsync(descriptor) == 0 else { throw FileOutput.failure(path, "cannot write") }
            closed = true
            guard close(descriptor) == 0 else { throw FileOutput.failure(path, "cannot write") }
            guard rename(temporary, path) == 0 else { throw FileOutput.failure(path, "cannot replace") }
        } catch {
            if !closed { close(descriptor) }
            unlink(temporary)
            throw error
        }
    }
}

/// The process's umask, read without changing it (umask(2) can only be read by setting it,
/// which would race with other threads creating files): from /proc/self/status, else 022.
let fileCreationMask: mode_t = {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Umask:") }),
          let mask = mode_t(line.dropFirst("Umask:".count).trimmingCharacters(in: .whitespaces), radix: 8)
    else { return 0o022 }
    return mask
}()

/// Buffered output to an open file: bytes collect in a buffer of about 1 MiB that is written
/// out whenever a line ends past that size, so a 238 MB file needs only a small buffer.
struct FileOutput {
    private var buffer: [UInt8] = []
    private let descriptor: Int32
    private let path: String
    private static let chunkSize = 1 << 20

    init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
        buffer.reserveCapacity(FileOutput.chunkSize + 65_536)
    }

    mutating func append(_ byte: UInt8) { buffer.append(byte) }
    mutating func append(_ text: String) { buffer.append(contentsOf: text.utf8) }
    mutating func append<Bytes: Sequence>(contentsOf bytes: Bytes) where Bytes.Element == UInt8 {
        buffer.append(contentsOf: bytes)
    }

    /// Ends a line with `\n` and writes the buffer out once it is large enough.
    mutating func endLine() throws {
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= FileOutput.chunkSize { try flush() }
    }

    mutating func flush() throws {
        try buffer.withUnsafeBytes { try writeAll($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes `bytes` after everything appended so far, without copying them into the buffer
    /// (a weights file of 30 MB would otherwise be copied once more, and the buffer grown to fit).
    mutating func writeThrough(_ bytes: UnsafeRawBufferPointer) throws {
        try flush()
        try writeAll(bytes)
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            let wrote = Foundation.write(descriptor, bytes.baseAddress! + done, bytes.count - done)
            if wrote < 0 {
                if errno == EINTR { continue }
                throw FileOutput.failure(path, "cannot write")
            }
            done += wrote
        }
    }

    static func failure(_ path: String, _ what: String) -> DataFileError {
        DataFileError(file: path, place: .file, message: "\(what): \(String(cString: strerror(errno)))")
    }
}
