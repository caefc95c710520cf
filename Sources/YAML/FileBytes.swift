#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading a whole file with POSIX calls, whose `strerror` texts ("permission denied") say
/// more than Foundation's on Linux ("NSCocoaErrorDomain error 256").
enum FileBytes {
    /// The most an experiment or sweep file may hold: hand-written files are a few kilobytes,
    /// so a larger one is a wrong path (a log, a data file) that would only fill memory.
    static let sizeLimit = 16 * 1024 * 1024

    /// The contents of the regular file at `path`, at most `sizeLimit` bytes.
    /// - Throws: a `Diagnostic` without a mark saying why the file cannot be read: it does not
    ///   exist, is a folder, is not a regular file (`/dev/zero`, a FIFO, a socket — which
    ///   would be read until memory runs out, or forever), or is larger than `sizeLimit`.
    static func contents(ofFile path: String) throws -> [UInt8] {
        func failure(_ message: String) -> Diagnostic {
            Diagnostic(path: path, mark: nil, message: message, sourceLine: nil)
        }
        func reason() -> String {
            let text = String(cString: strerror(errno))
            return text.prefix(1).lowercased() + text.dropFirst()
        }
        func tooLarge(_ size: String) -> Diagnostic {
            failure("the file is \(size) bytes; an experiment or sweep file may be at most "
                    + "\(sizeLimit / (1024 * 1024)) MiB (\(sizeLimit) bytes)")
        }
        // Non-blocking, so that opening a FIFO does not wait for a writer before fstat can
        // tell what it is; reads from a regular file never block either way.
        let descriptor = open(path, O_RDONLY | O_NONBLOCK)
        guard descriptor >= 0 else {
            throw failure(errno == ENOENT ? "no such file" : "cannot read the file: \(reason())")
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw failure("cannot read the file: \(reason())") }
        switch status.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw failure("is a directory, not a YAML file")
        default: throw failure("is not a regular file (a device, FIFO or socket), so it cannot be a YAML file")
        }
        guard Int(status.st_size) <= sizeLimit else { throw tooLarge("\(status.st_size)") }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { return bytes }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure("cannot read the file: \(reason())")
            }
            bytes.append(contentsOf: chunk[..<count])
            // A file that grows while it is read (a log being written) stops here too.
            guard bytes.count <= sizeLimit else { throw tooLarge("more than \(sizeLimit)") }
        }
    }
}
