internal import CYAML

/// Owns a libyaml parser (`yaml_parser_t`) and the copy of the input it reads, and hands out
/// its events one at a time. Both are freed in `deinit`, whatever path the caller leaves by.
///
/// The parser lives at a fixed heap address because libyaml keeps a pointer to it
/// (`read_handler_data`) while it reads.
final class EventParser {
    private let parser: UnsafeMutablePointer<yaml_parser_t>
    private let input: UnsafeMutableBufferPointer<UInt8>
    private let bytes: [UInt8]
    private let source: SourceText

    /// - Parameters:
    ///   - bytes: the whole file, already checked to be UTF-8.
    ///   - source: the same text split into lines, for diagnostics.
    init(bytes: [UInt8], source: SourceText) {
        self.bytes = bytes
        self.source = source
        input = .allocate(capacity: max(bytes.count, 1))
        _ = input.initialize(from: bytes)
        parser = .allocate(capacity: 1)
        // yaml_parser_initialize fails only when it cannot allocate its small buffers.
        guard yaml_parser_initialize(parser) == 1 else {
            fatalError("libyaml could not allocate a parser")
        }
        // The encoding is left to libyaml to detect: told "UTF-8", it would read a byte order
        // mark as a character and shift every column of the first line.
        yaml_parser_set_input_string(parser, input.baseAddress, bytes.count)
    }

    deinit {
        yaml_parser_delete(parser)
        parser.deallocate()
        input.deallocate()
    }

    /// The next event of the stream.
    /// - Throws: a `Diagnostic` at libyaml's problem mark when the text is not valid YAML.
    func next() throws -> Event {
        var event = yaml_event_t()
        guard yaml_parser_parse(parser, &event) == 1 else { throw problem() }
        defer { yaml_event_delete(&event) }
        let mark = Mark(line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
        switch event.type {
        case YAML_STREAM_START_EVENT:
            return .streamStart
        case YAML_DOCUMENT_START_EVENT:
            return .documentStart(mark)
        case YAML_DOCUMENT_END_EVENT:
            return .documentEnd
        case YAML_ALIAS_EVENT:
            return .alias(anchor: String(cString: event.data.alias.anchor), mark)
        case YAML_SCALAR_EVENT:
            let data = event.data.scalar
            if let tag = data.tag { throw unsupported(tag: tag, at: mark) }
            let text = String(decoding: UnsafeBufferPointer(start: data.value, count: data.length), as: UTF8.self)
            // Quotes make the scalar a string whatever its text says.
            let isPlain = data.style == YAML_PLAIN_SCALAR_STYLE
            return .scalar(Node.Scalar(text: text, isPlain: isPlain), anchor: data.anchor.map { String(cString: $0) }, mark)
        case YAML_SEQUENCE_START_EVENT:
            if let tag = event.data.sequence_start.tag { throw unsupported(tag: tag, at: mark) }
            return .sequenceStart(anchor: event.data.sequence_start.anchor.map { String(cString: $0) }, mark)
        case YAML_SEQUENCE_END_EVENT:
            return .sequenceEnd
        case YAML_MAPPING_START_EVENT:
            if let tag = event.data.mapping_start.tag { throw unsupported(tag: tag, at: mark) }
            return .mappingStart(anchor: event.data.mapping_start.anchor.map { String(cString: $0) }, mark)
        case YAML_MAPPING_END_EVENT:
            return .mappingEnd
        default:
            // YAML_NO_EVENT: libyaml has nothing more to say (it only does this after the end).
            return .streamEnd
        }
    }

    /// Any explicit tag is an error rather than ignored: the decoder reads every value by the
    /// key it sits under, so `!!int adam` or `!python/object:…` could only mislead, and even a
    /// tag that agrees with its value (`!!int 3`) says nothing the key does not.
    /// libyaml hands over the tag expanded (`tag:yaml.org,2002:int`); the message shows it
    /// as written (`!!int`). `mark` is where the node starts: its tag, or an anchor before it.
    private func unsupported(tag: UnsafeMutablePointer<yaml_char_t>, at mark: Mark) -> Diagnostic {
        let expanded = String(cString: tag), core = "tag:yaml.org,2002:"
        let written = expanded.hasPrefix(core) ? "!!" + expanded.dropFirst(core.count) : expanded
        let hint = written == "!!str" ? " (quotes make a value a string)" : ""
        return source.diagnostic(at: mark, "tags are not supported: remove '\(written)'\(hint)")
    }

    /// libyaml's error as a diagnostic: its problem text at its problem mark, with its
    /// context ("while parsing a block mapping") and where that context began.
    private func problem() -> Diagnostic {
        let state = parser.pointee
        let problem = state.problem.map { String(cString: $0) } ?? "invalid YAML"
        switch state.error {
        case YAML_MEMORY_ERROR:
            return source.diagnostic(at: nil, "libyaml ran out of memory while parsing")
        case YAML_READER_ERROR:
            var message = problem
            if state.problem_value != -1 {
                let hex = String(state.problem_value, radix: 16, uppercase: true)
                message += " (U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + ")"
            }
            let mark = SourceBytes.mark(atByteOffset: Int(state.problem_offset), in: bytes)
            return source.diagnostic(at: mark, message)
        default:
            var message = problem
            let mark = visible(Mark(line: Int(state.problem_mark.line) + 1, column: Int(state.problem_mark.column) + 1))
            if let context = state.context.map({ String(cString: $0) }) {
                let contextMark = visible(Mark(line: Int(state.context_mark.line) + 1,
                                               column: Int(state.context_mark.column) + 1))
                message += contextMark == mark
                    ? " (\(context))" : " (\(context) at line \(contextMark.line), column \(contextMark.column))"
            }
            if source.line(mark.line)?.unicodeScalars.dropFirst(mark.column - 1).first == "\t" {
                message += "; indent with spaces, not tabs"
            }
            return source.diagnostic(at: mark, message)
        }
    }

    /// `mark`, or the end of the last line with text when `mark` lies past it: libyaml reports
    /// "unexpected end of stream" on a line after the last, which has nothing to show.
    private func visible(_ mark: Mark) -> Mark {
        let lastLine = source.lines.lastIndex { !$0.isEmpty }.map { $0 + 1 } ?? 1
        guard mark.line > lastLine else { return mark }
        let text = source.line(lastLine) ?? ""
        return Mark(line: lastLine, column: text.unicodeScalars.count + 1)
    }
}
