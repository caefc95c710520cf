/// An error in a source file that a person must fix, rendered the way compilers do:
///
///     experiments/x.yaml:12:7: unknown layer 'convv' (did you mean 'conv'?)
///       - convv: 32
///         ^
public struct Diagnostic: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var mark: Mark?
    public var message: String
    /// The text of the offending line, without its line end, when known.
    public var sourceLine: String?

    public init(path: String, mark: Mark?, message: String, sourceLine: String?) {
        self.path = path
        self.mark = mark
        self.message = message
        self.sourceLine = sourceLine
    }

    public var description: String {
        guard let mark else { return "\(path): \(message)" }
        var text = "\(path):\(mark.line):\(mark.column): \(message)"
        if let sourceLine {
            text += "\n" + sourceLine
            // Tabs before the column stay tabs, so the caret lines up however wide they show.
            let before = sourceLine.prefix(max(0, mark.column - 1)).map { $0 == "\t" ? "\t" : " " }
            let padding = before.joined() + String(repeating: " ", count: max(0, mark.column - 1 - before.count))
            text += "\n" + padding + "^"
        }
        return text
    }
}

/// The text of a source file split into lines, so that any later layer (the experiment
/// decoder, overrides) can point at a line with a caret.
public struct SourceText: Sendable {
    public let path: String
    public let lines: [String]

    public init(path: String, text: String) {
        self.path = path
        // Split where libyaml counts a new line. "\r\n" is one Character in Swift, so a
        // split on "\n" alone would leave a Windows file as one line.
        let breaks: Set<Character> = ["\n", "\r", "\r\n", "\u{85}", "\u{2028}", "\u{2029}"]
        self.lines = text.split(omittingEmptySubsequences: false, whereSeparator: breaks.contains).map(String.init)
    }

    public func line(_ number: Int) -> String? {
        number >= 1 && number <= lines.count ? lines[number - 1] : nil
    }

    public func diagnostic(at mark: Mark?, _ message: String) -> Diagnostic {
        Diagnostic(path: path, mark: mark, message: message, sourceLine: mark.flatMap { line($0.line) })
    }
}
