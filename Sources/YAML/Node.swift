/// A position in a YAML source, 1-based, as people count lines and columns.
public struct Mark: Hashable, Sendable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public var description: String { "\(line):\(column)" }
}

/// One node of a parsed YAML document. Aliases are already expanded into copies of the
/// anchored node (the copy keeps the mark of the anchored node), so consumers never see them.
public struct Node: Sendable {
    public enum Content: Sendable {
        case scalar(Scalar)
        case sequence([Node])
        /// Keys in source order; duplicate keys are rejected by the parser.
        case mapping([Pair])
    }

    public struct Scalar: Sendable, Equatable {
        public var text: String
        /// Plain (unquoted) scalars may be read as numbers, booleans or null;
        /// quoted ones are always strings.
        public var isPlain: Bool

        public init(text: String, isPlain: Bool = true) {
            self.text = text
            self.isPlain = isPlain
        }
    }

    public struct Pair: Sendable {
        public var key: Node
        public var value: Node

        public init(key: Node, value: Node) {
            self.key = key
            self.value = value
        }
    }

    public var content: Content
    /// Where the node starts in its source.
    public var mark: Mark

    public init(_ content: Content, mark: Mark) {
        self.content = content
        self.mark = mark
    }
}

extension Node {
    public var scalar: Scalar? {
        if case .scalar(let s) = content { return s }
        return nil
    }

    public var sequence: [Node]? {
        if case .sequence(let items) = content { return items }
        return nil
    }

    public var mapping: [Pair]? {
        if case .mapping(let pairs) = content { return pairs }
        return nil
    }

    /// A plain scalar that YAML 1.1/1.2 would read as null (`~`, `null`, or nothing).
    public var isNull: Bool {
        guard let s = scalar, s.isPlain else { return false }
        return s.text.isEmpty || s.text == "~" || s.text == "null" || s.text == "Null" || s.text == "NULL"
    }

    /// "a mapping", "a sequence", "a string", "a number" … for messages like
    /// "expected an integer, found a mapping".
    public var kindDescription: String {
        switch content {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let s):
            if isNull { return "nothing (null)" }
            return "'\(s.text)'"
        }
    }
}
