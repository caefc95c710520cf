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
            text += "\n" + String(repeating: " ", count: max(0, mark.column - 1)) + "^"
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
        self.lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
        }
    }

    public func line(_ number: Int) -> String? {
        number >= 1 && number <= lines.count ? lines[number - 1] : nil
    }

    public func diagnostic(at mark: Mark?, _ message: String) -> Diagnostic {
        Diagnostic(path: path, mark: mark, message: message, sourceLine: mark.flatMap { line($0.line) })
    }
}
