/// A problem in a data file, said so a person can find and fix it:
///
///     data/training.csv: row 17 (line 18), column Image: 9215 pixel values, expected 9216
///
/// `row` counts data rows from 1 (the header is not a row); `line` counts physical lines from 1
/// (the header is line 1), which is what an editor shows. Blank lines are skipped and not rows.
public struct DataFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Where in the file the problem is.
    public enum Place: Equatable, Sendable {
        /// The file as a whole (cannot be read, is empty, …).
        case file
        /// The header, line 1 (after any UTF-8 byte-order mark).
        case header
        /// A data row: 1-based row number and 1-based line number.
        case row(Int, line: Int)
    }

    /// The path as the user gave it.
    public let file: String
    public let place: Place
    /// The column's header name, or `column N` (1-based) when it has no usable name.
    public let column: String?
    public let message: String

    public init(file: String, place: Place, column: String? = nil, message: String) {
        self.file = file
        self.place = place
        self.column = column
        self.message = message
    }

    /// The data row number, when the problem is in a row.
    public var row: Int? {
        if case .row(let row, _) = place { return row }
        return nil
    }

    public var description: String {
        var parts: [String] = []
        switch place {
        case .file: break
        case .header: parts.append("line 1 (header)")
        case .row(let row, let line): parts.append("row \(row) (line \(line))")
        }
        if let column { parts.append("column \(column)") }
        let location = parts.isEmpty ? "" : parts.joined(separator: ", ") + ": "
        return "\(file): \(location)\(message)"
    }
}
