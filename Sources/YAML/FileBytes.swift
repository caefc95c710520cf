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
    /// The contents of the file at `path`.
    /// - Throws: a `Diagnostic` without a mark saying why the file cannot be read.
    static func contents(ofFile path: String) throws -> [UInt8] {
        func failure(_ message: String) -> Diagnostic {
            Diagnostic(path: path, mark: nil, message: message, sourceLine: nil)
        }
        func reason() -> String {
            let text = String(cString: strerror(errno))
            return text.prefix(1).lowercased() + text.dropFirst()
        }
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw failure(errno == ENOENT ? "no such file" : "cannot read the file: \(reason())")
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw failure("cannot read the file: \(reason())") }
        guard status.st_mode & S_IFMT != S_IFDIR else { throw failure("is a directory, not a YAML file") }
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
        }
    }
}
