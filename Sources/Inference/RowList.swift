import Results
/// Row lists as people type them on the command line: `0-23`, `5`, `0-3,10,20-22` — 0-based
/// row numbers of a data file (counting data rows, not the header), ranges inclusive, in the
/// order given.
public enum RowList {
    /// Parses `text` into row numbers, at most `limit` of them.
    /// - Throws: `UserError` quoting the part that is not a row number or a forward range, or
    ///   saying that the list selects more than `limit` rows — counted before any is listed, so
    ///   that `0-999999999999` is refused at once instead of filling memory.
    public static func parse(_ text: String, atMost limit: Int = .max) throws -> [Int] {
        let ranges = try self.ranges(text)
        var total = 0
        for range in ranges {
            let size = range.upperBound - range.lowerBound  // one less than its count: cannot overflow
            guard size < limit - total else {
                throw UserError("--rows \(text) selects more than \(limit) rows, the most allowed at once: split the list over several commands")
            }
            total += size + 1
        }
        return ranges.flatMap { $0 }
    }

    /// The items of `text`, each a range (a single row is a range of one).
    private static func ranges(_ text: String) throws -> [ClosedRange<Int>] {
        var rows: [ClosedRange<Int>] = []
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        for part in parts {
            let item = part.trimmed(of: " \t")
            guard !item.isEmpty else {
                throw UserError("--rows \(text): an empty item; write row numbers and ranges separated by commas, e.g. 0-23 or 0,5,10-12")
            }
            let ends = item.split(separator: "-", omittingEmptySubsequences: false)
            switch ends.count {
            case 2 where ends.contains(where: { $0.trimmed(of: " \t").isEmpty }):
                throw UserError("--rows \(text): '\(item)' is not a row number or a range such as 0-23 (rows are counted from 0)")
            case 1:
                let row = try number(String(ends[0]), in: text)
                rows.append(row ... row)
            case 2:
                let first = try number(String(ends[0]), in: text), last = try number(String(ends[1]), in: text)
                guard first <= last else {
                    throw UserError("--rows \(text): the range \(item) runs backwards (did you mean \(last)-\(first)?)")
                }
                rows.append(first ... last)
            default:
                throw UserError("--rows \(text): '\(item)' is not a row number or a range such as 0-23")
            }
        }
        return rows
    }

    /// Checks that every row exists in a file of `rowCount` data rows.
    /// - Throws: `UserError` naming the first row past the end and the file's valid range.
    public static func check(_ rows: [Int], rowCount: Int, file: String) throws {
        if let bad = rows.first(where: { $0 >= rowCount }) {
            let range = rowCount == 0 ? "none" : rowCount == 1 ? "row 0 only" : "rows 0-\(rowCount - 1)"
            throw UserError("--rows: row \(bad) is past the end of \(file) (\(rowCount) data rows: \(range))")
        }
    }

    private static func number(_ text: String, in whole: String) throws -> Int {
        let digits = text.trimmed(of: " \t")
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(digits) else {
            throw UserError("--rows \(whole): '\(text)' is not a row number (rows are counted from 0)")
        }
        return value
    }
}

private extension StringProtocol {
    /// The text without leading and trailing characters from `characters` (no Foundation needed).
    func trimmed(of characters: String) -> String {
        let set = Set(characters)
        guard let first = firstIndex(where: { !set.contains($0) }),
              let last = lastIndex(where: { !set.contains($0) }) else { return "" }
        return String(self[first ... last])
    }
}
