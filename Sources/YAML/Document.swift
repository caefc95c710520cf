/// One parsed YAML file: its root node (aliases expanded, every node marked with its
/// 1-based line and column) and its text, so that later layers can report errors with a caret.
public struct Document: Sendable {
    /// The root node. An empty file (or one with only comments) gives a null scalar at 1:1.
    public let root: Node
    /// The file's text split into lines, for diagnostics about any node of `root`.
    public let source: SourceText

    /// Parses `bytes`, the contents of the file at `path` (used only in messages).
    /// - Throws: a `Diagnostic` for a byte that is not UTF-8, YAML syntax errors, a second
    ///   document, a duplicate key, an unknown alias, aliases that expand too far, or a tag
    ///   (`!!int 3`, `!python/object:…`).
    public init(bytes: [UInt8], path: String) throws {
        let text = String(decoding: SourceBytes.withoutByteOrderMark(bytes), as: UTF8.self)
        let source = SourceText(path: path, text: text)
        // Checked here rather than left to libyaml, whose reader reports a byte offset
        // and a terse "invalid leading UTF-8 octet".
        if let problem = SourceBytes.firstEncodingProblem(in: bytes) {
            throw source.diagnostic(at: SourceBytes.mark(atByteOffset: problem.offset, in: bytes), problem.message)
        }
        var builder = TreeBuilder(events: EventParser(bytes: bytes, source: source), source: source)
        self.root = try builder.document()
        self.source = source
    }

    /// Reads and parses the file at `path`, which must be a regular file of at most 16 MiB.
    /// - Throws: a `Diagnostic` without a mark when the file cannot be read (or is a folder,
    ///   a device, a FIFO, or too large), otherwise as `init(bytes:path:)`.
    public init(contentsOfFile path: String) throws {
        try self.init(bytes: FileBytes.contents(ofFile: path), path: path)
    }
}
