extension Node {
    /// Whether two trees say the same thing, ignoring marks: same shape, keys in the same
    /// order, same scalar texts. A plain and a quoted scalar with the same text are the same
    /// unless the text is `isAmbiguousWhenPlain` (`"12"` is a string, `12` may be a number;
    /// `"relu"` and `relu` are both the string relu).
    public func hasSameContent(as other: Node) -> Bool {
        switch (content, other.content) {
        case (.scalar(let a), .scalar(let b)):
            return a.text == b.text && (a.isPlain == b.isPlain || !a.isAmbiguousWhenPlain)
        case (.sequence(let a), .sequence(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.hasSameContent(as: $1) }
        case (.mapping(let a), .mapping(let b)):
            return a.count == b.count && zip(a, b).allSatisfy {
                $0.key.hasSameContent(as: $1.key) && $0.value.hasSameContent(as: $1.value)
            }
        default:
            return false
        }
    }
}
