/// Byte-level facts about a YAML source that libyaml either does not check the way we want
/// (it accepts UTF-16 and reports bad UTF-8 without a line) or reports as a byte offset.
enum SourceBytes {
    /// The UTF-8 byte order mark, which libyaml skips without counting a column.
    static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// The bytes after a leading byte order mark, if any.
    static func withoutByteOrderMark(_ bytes: [UInt8]) -> ArraySlice<UInt8> {
        bytes.starts(with: byteOrderMark) ? bytes.dropFirst(3) : bytes[...]
    }

    /// Where the byte at `offset` sits, counted the way libyaml counts: lines break at
    /// `\n`, `\r`, `\r\n`, U+0085, U+2028 and U+2029; columns count Unicode scalars, not bytes;
    /// a leading byte order mark takes no column.
    static func mark(atByteOffset offset: Int, in bytes: [UInt8]) -> Mark {
        var line = 1
        var column = 1
        var index = bytes.starts(with: byteOrderMark) ? 3 : 0
        let end = min(offset, bytes.count)
        while index < end {
            let byte = bytes[index]
            let next = index + 1 < bytes.count ? bytes[index + 1] : nil
            let third = index + 2 < bytes.count ? bytes[index + 2] : nil
            if byte == 0x0A || (byte == 0x0D && next != 0x0A) {
                line += 1; column = 1; index += 1
            } else if byte == 0x0D {
                index += 1  // the \r of \r\n: the \n breaks the line
            } else if byte == 0xC2 && next == 0x85 {
                line += 1; column = 1; index += 2
            } else if byte == 0xE2 && next == 0x80 && (third == 0xA8 || third == 0xA9) {
                line += 1; column = 1; index += 3
            } else {
                // Continuation bytes (10xxxxxx) belong to the scalar already counted.
                if byte & 0xC0 != 0x80 { column += 1 }
                index += 1
            }
        }
        return Mark(line: line, column: column)
    }

    /// The first byte that makes `bytes` invalid UTF-8, with a message a person can act on,
    /// or nil when the bytes are valid UTF-8. Rejects what libyaml rejects: truncated and
    /// overlong sequences, surrogates, and scalars above U+10FFFF.
    static func firstEncodingProblem(in bytes: [UInt8]) -> (offset: Int, message: String)? {
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            return (0, "the file is UTF-16; save it as UTF-8")
        }
        var index = 0
        while index < bytes.count {
            let length = validSequenceLength(in: bytes, at: index)
            if length == 0 {
                let hex = String(bytes[index], radix: 16, uppercase: true)
                let byte = hex.count == 1 ? "0x0" + hex : "0x" + hex
                return (index, "byte \(byte) is not valid UTF-8; save the file as UTF-8")
            }
            index += length
        }
        return nil
    }

    /// The length of the well-formed UTF-8 sequence starting at `index` (Unicode Table 3-7),
    /// or 0 when the bytes there are not one.
    private static func validSequenceLength(in bytes: [UInt8], at index: Int) -> Int {
        let lead = bytes[index]
        func byte(_ k: Int, in range: ClosedRange<UInt8>) -> Bool {
            index + k < bytes.count && range.contains(bytes[index + k])
        }
        let tail: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0x00...0x7F: return 1
        case 0xC2...0xDF: return byte(1, in: tail) ? 2 : 0
        case 0xE0: return byte(1, in: 0xA0...0xBF) && byte(2, in: tail) ? 3 : 0
        case 0xE1...0xEC, 0xEE...0xEF: return byte(1, in: tail) && byte(2, in: tail) ? 3 : 0
        case 0xED: return byte(1, in: 0x80...0x9F) && byte(2, in: tail) ? 3 : 0  // no surrogates
        case 0xF0: return byte(1, in: 0x90...0xBF) && byte(2, in: tail) && byte(3, in: tail) ? 4 : 0
        case 0xF1...0xF3: return byte(1, in: tail) && byte(2, in: tail) && byte(3, in: tail) ? 4 : 0
        case 0xF4: return byte(1, in: 0x80...0x8F) && byte(2, in: tail) && byte(3, in: tail) ? 4 : 0
        default: return 0
        }
    }
}
