#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A CSV file that grows by whole epochs (`metrics.csv`, `diagnostics.csv`): every append is
/// flushed and fsynced before it returns, so a crash never loses a finished epoch, and reopening
/// it for a resumed run cuts it back to the rows of epochs 1…`keepingEpochs` (the first column
/// is the epoch), so the file always matches the checkpoint it continues from.
final class EpochCSVFile {
    let path: String
    private let file: UnsafeMutablePointer<FILE>

    init(path: String, header: String, keepingEpochs: Int) throws {
        self.path = path
        let lines = keepingEpochs > 0 ? Self.readLines(path: path) : []
        if let existing = lines.first, existing != header {
            throw UserError("\(path) has the columns of another kplab version (\(existing)); "
                              + "finish the run with that version, or train it again with --overwrite")
        }
        let kept = lines.dropFirst().filter { line in
            Int(line.prefix { $0 != "," }).map { $0 <= keepingEpochs } ?? false
        }
        guard let file = fopen(path, "w") else {
            throw UserError("cannot write \(path): \(String(cString: strerror(errno)))")
        }
        self.file = file
        try append([header] + kept)
    }

    deinit { fclose(file) }

    /// Writes `lines` (each without its line end) and makes them durable.
    func append(_ lines: [String]) throws {
        guard !lines.isEmpty else { return }
        let text = lines.joined(separator: "\n") + "\n"
        let written = text.utf8CString.withUnsafeBufferPointer { fputs($0.baseAddress!, file) } >= 0
        guard written, fflush(file) == 0, fsync(fileno(file)) == 0 else {
            throw UserError("cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// The file's lines without line ends (header first), or [] when it does not exist.
    static func readLines(path: String) -> [String] {
        guard let text = String(contentsOfFileAtPath: path) else { return [] }
        return text.split(whereSeparator: \.isLineEnd).map(String.init)
    }
}
