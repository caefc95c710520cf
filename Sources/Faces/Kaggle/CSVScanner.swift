import Foundation

/// A cursor over a CSV file's bytes: lines (CRLF or LF, UTF-8 byte-order mark skipped) and
/// comma-separated fields as byte ranges. Fields may be wrapped in double quotes, which are
/// removed; Kaggle's files never need escaped quotes, so none are interpreted.
struct CSVScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    let file: String
    private(set) var position = 0
    /// The 1-based physical line number of the line last returned by `nextLine()`.
    private(set) var lineNumber = 0

    init(bytes: UnsafeBufferPointer<UInt8>, file: String) {
        self.bytes = bytes
        self.file = file
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { position = 3 }
    }

    /// True when nothing but spaces and line ends follows the byte-order mark.
    var isBlank: Bool {
        !bytes[position...].contains { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }
    }

    /// The next line without its line end, or nil at the end of the file.
    mutating func nextLine() -> Range<Int>? {
        guard position < bytes.count, let base = bytes.baseAddress else { return nil }
        lineNumber += 1
        let start = position
        var end: Int
        if let found = memchr(base + start, 0x0A, bytes.count - start) {
            end = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            position = end + 1
        } else {
            end = bytes.count
            position = end
        }
        if end > start, bytes[end - 1] == 0x0D { end -= 1 }
        return start ..< end
    }

    /// Counts the line ends from the current position (to size arrays before parsing).
    func remainingLineCount() -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        var count = 0
        var at = position
        while at < bytes.count, let found = memchr(base + at, 0x0A, bytes.count - at) {
            count += 1
            at = base.distance(to: found.assumingMemoryBound(to: UInt8.self)) + 1
        }
        return count + (at < bytes.count ? 1 : 0)
    }

    /// Splits `line` at commas into `fields` (cleared first); surrounding double quotes are removed.
    func split(_ line: Range<Int>, into fields: inout [Range<Int>]) {
        fields.removeAll(keepingCapacity: true)
        guard let base = bytes.baseAddress else { fields.append(line); return }
        var start = line.lowerBound
        while true {
            let end: Int
            if start < line.upperBound, let found = memchr(base + start, 0x2C, line.upperBound - start) {
                end = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            } else {
                end = line.upperBound
            }
            fields.append(unquoted(start ..< end))
            if end >= line.upperBound { break }
            start = end + 1
        }
    }

    private func unquoted(_ field: Range<Int>) -> Range<Int> {
        if field.count >= 2, bytes[field.lowerBound] == 0x22, bytes[field.upperBound - 1] == 0x22 {
            return field.lowerBound + 1 ..< field.upperBound - 1
        }
        return field
    }

    /// The field's text, trimmed of spaces (for headers and messages).
    func text(_ field: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[field]), as: UTF8.self)
            .trimmingCharacters(in: .whitespaces)
    }

    /// The field's text for an error message, shortened when long.
    func quoted(_ field: Range<Int>) -> String {
        let shown = field.count > 24 ? field.lowerBound ..< field.lowerBound + 24 : field
        return "'" + String(decoding: UnsafeBufferPointer(rebasing: bytes[shown]), as: UTF8.self)
            + (shown == field ? "'" : "…'")
    }

    /// Parses a decimal number (`[+-]digits[.digits][(e|E)[+-]digits]`, spaces around allowed).
    /// Returns NaN for an empty field (a missing value), ±infinity for a number too large for a
    /// Float (the caller's range check names it), and nil when the text is not a number.
    func decimal(_ field: Range<Int>) -> Float? {
        var start = field.lowerBound, end = field.upperBound
        while start < end, bytes[start] == 0x20 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 { end -= 1 }
        if start == end { return .nan }
        guard end - start < 64 else { return nil }
        // Check the shape first: strtof alone would also take "inf", "nan", hex and trailing junk.
        var at = start
        if bytes[at] == 0x2B || bytes[at] == 0x2D { at += 1 }
        var digits = 0
        while at < end, bytes[at] &- 0x30 < 10 { at += 1; digits += 1 }
        if at < end, bytes[at] == 0x2E {
            at += 1
            while at < end, bytes[at] &- 0x30 < 10 { at += 1; digits += 1 }
        }
        guard digits > 0 else { return nil }
        if at < end, bytes[at] == 0x65 || bytes[at] == 0x45 {
            at += 1
            if at < end, bytes[at] == 0x2B || bytes[at] == 0x2D { at += 1 }
            var exponentDigits = 0
            while at < end, bytes[at] &- 0x30 < 10 { at += 1; exponentDigits += 1 }
            guard exponentDigits > 0 else { return nil }
        }
        guard at == end else { return nil }
        // strtof rounds correctly; give it a NUL-terminated copy.
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: end - start + 1) { text in
            for index in 0 ..< end - start { text[index] = CChar(bitPattern: bytes[start + index]) }
            text[end - start] = 0
            return strtof(text.baseAddress!, nil)
        }
    }

    /// Parses a non-negative integer (spaces around allowed); nil when the text is not one.
    func integer(_ field: Range<Int>) -> Int? {
        var start = field.lowerBound, end = field.upperBound
        while start < end, bytes[start] == 0x20 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 { end -= 1 }
        guard start < end, end - start <= 18 else { return nil }
        var value = 0
        for at in start ..< end {
            let digit = bytes[at] &- 0x30
            guard digit < 10 else { return nil }
            value = value * 10 + Int(digit)
        }
        return value
    }

    /// What went wrong with one pixel string.
    enum PixelProblem: Error {
        case count(Int)
        case notANumber(index: Int, text: Range<Int>)
        case outOfRange(index: Int, text: Range<Int>)
    }

    /// Parses space-separated integers 0–255 from `field` into `destination` (exactly 9216 of them).
    /// This is the hot loop of reading a Kaggle file: one pass over the bytes, no allocation.
    func pixels(_ field: Range<Int>, into destination: UnsafeMutablePointer<UInt8>) -> PixelProblem? {
        let expected = FaceImage.pixelCount
        var count = 0
        var value = 0
        var digits = 0
        var tokenStart = field.lowerBound
        var at = field.lowerBound
        let end = field.upperBound
        while at <= end {
            let byte: UInt8 = at < end ? bytes[at] : 0x20
            let digit = byte &- 0x30
            if digit < 10 {
                if digits == 0 { tokenStart = at }
                value = value &* 10 &+ Int(digit)
                digits += 1
            } else if byte == 0x20 || byte == 0x09 {
                if digits > 0 {
                    // More than 6 digits could overflow `value`; any of them is out of range anyway.
                    if value > 255 || digits > 6 {
                        return .outOfRange(index: count + 1, text: tokenStart ..< at)
                    }
                    if count < expected { destination[count] = UInt8(truncatingIfNeeded: value) }
                    count += 1
                    value = 0
                    digits = 0
                }
            } else {
                // Report the whole offending token.
                var tokenEnd = at
                let start = digits > 0 ? tokenStart : at
                while tokenEnd < end, bytes[tokenEnd] != 0x20 { tokenEnd += 1 }
                return .notANumber(index: count + 1, text: start ..< tokenEnd)
            }
            at += 1
        }
        return count == expected ? nil : .count(count)
    }
}
