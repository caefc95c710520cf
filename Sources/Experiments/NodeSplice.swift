import YAML

/// Why a dotted key cannot be set in a node tree, e.g.
/// "'model.layers' has 9 items, so '12' is not one of its indices (0…8)".
public struct SpliceError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension Mark {
    /// Where a key or mapping that `Node.replacing` added lies: in no line of the file.
    static let spliced = Mark(line: 0, column: 0)
}

extension Node {
    /// Splits `train.learning_rate` into `["train", "learning_rate"]`; list items are
    /// addressed by their 0-based index (`model.layers.0.conv.filters`).
    public static func keyPath(_ dotted: String) throws(SpliceError) -> [String] {
        let parts = dotted.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !dotted.isEmpty, !parts.contains(where: \.isEmpty) else {
            throw SpliceError("'\(dotted)' is not a dotted key like 'train.epochs'")
        }
        return parts
    }

    /// This tree with the node at `keyPath` replaced by `value` — the one way overrides
    /// (`--set`) and sweep grids change an experiment before it is decoded, so that the
    /// result goes through the same decoder and the same errors as the file itself.
    ///
    /// Missing mapping keys are added (with any mappings between them), so
    /// `data.augment.flip` works in a file without `data:`; a null value counts as an empty
    /// mapping. The keys and mappings added are marked `Mark.spliced`, so that an error about
    /// one of them names the override rather than a line of the file. A list is entered by
    /// index and cannot grow. Whether a key is *known* is the decoder's business, not this
    /// function's.
    public func replacing(_ keyPath: [String], with value: Node) throws(SpliceError) -> Node {
        try replacing(keyPath[...], with: value, above: [])
    }

    private func replacing(_ keyPath: ArraySlice<String>, with value: Node, above: [String]) throws(SpliceError) -> Node {
        guard let key = keyPath.first else { return value }
        let here = (above + [key]).joined(separator: ".")
        let rest = keyPath.dropFirst()
        switch content {
        case .mapping(var pairs):
            if let index = pairs.firstIndex(where: { $0.key.scalar?.text == key }) {
                pairs[index].value = try pairs[index].value.replacing(rest, with: value, above: above + [key])
            } else {
                let empty = Node(.mapping([]), mark: .spliced)
                pairs.append(Pair(key: Node(.scalar(Scalar(text: key)), mark: .spliced),
                                  value: try empty.replacing(rest, with: value, above: above + [key])))
            }
            return Node(.mapping(pairs), mark: mark)
        case .sequence(var items):
            guard let index = Int(key), items.indices.contains(index) else {
                let range = items.isEmpty ? "it is empty" : "its indices are 0…\(items.count - 1)"
                throw SpliceError("'\(above.joined(separator: "."))' is a list, so '\(key)' must be an index; \(range)")
            }
            items[index] = try items[index].replacing(rest, with: value, above: above + [key])
            return Node(.sequence(items), mark: mark)
        case .scalar where isNull:
            return try Node(.mapping([]), mark: mark).replacing(keyPath, with: value, above: above)
        case .scalar(let scalar):
            let owner = above.isEmpty ? "the document" : "'\(above.joined(separator: "."))'"
            throw SpliceError("\(owner) is '\(scalar.text)', not a mapping, so it has no key '\(here)'; set \(owner) itself")
        }
    }
}
