import Foundation

/// A whole file's bytes, memory-mapped read-only (read into memory where mapping is not possible).
/// Parsing runs over `bytes` directly: no `String` is made of the file.
final class FileBytes {
    let bytes: UnsafeBufferPointer<UInt8>
    private let mapping: UnsafeMutableRawPointer?
    private let owned: UnsafeMutablePointer<UInt8>?

    /// - Parameter path: the file, named in errors exactly as given.
    init(path: String) throws {
        // Non-blocking, so that opening a FIFO does not wait for a writer before fstat can tell
        // what it is; a regular file's reads never block either way.
        let descriptor = open(path, O_RDONLY | O_NONBLOCK)
        guard descriptor >= 0 else { throw FileBytes.failure(path, "cannot open") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw FileBytes.failure(path, "cannot read") }
        switch status.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw DataFileError(file: path, place: .file, message: "is a folder, expected a CSV file")
        // A device reports size 0 (`/dev/zero` would read as an empty file) and a FIFO never ends.
        default: throw DataFileError(file: path, place: .file, message: "is not a regular file (a device, FIFO or socket), expected a CSV file")
        }
        let size = Int(status.st_size)
        if size == 0 {
            mapping = nil; owned = nil
            bytes = UnsafeBufferPointer(start: nil, count: 0)
            return
        }
        let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0)
        if let mapped, mapped != MAP_FAILED {
            mapping = mapped; owned = nil
            bytes = UnsafeBufferPointer(start: mapped.assumingMemoryBound(to: UInt8.self), count: size)
            return
        }
        // Not mappable (some file systems): read it.
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: size)
        var done = 0
        while done < size {
            let got = read(descriptor, buffer + done, size - done)
            if got <= 0 { break }
            done += got
        }
        mapping = nil; owned = buffer
        bytes = UnsafeBufferPointer(start: buffer, count: done)
    }

    deinit {
        if let mapping { munmap(mapping, bytes.count) }
        owned?.deallocate()
    }

    static func failure(_ path: String, _ what: String) -> DataFileError {
        DataFileError(file: path, place: .file, message: "\(what): \(String(cString: strerror(errno)))")
    }
}
