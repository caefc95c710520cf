import YAML

/// One `--set dotted.key=value` from the command line (or one point of a sweep grid):
/// the node at `keyPath` is replaced by `value` before the experiment is decoded.
public struct Override: Sendable {
    /// As the person wrote it, e.g. `train.epochs=3`; errors are reported as `--set <text>: …`.
    public var text: String
    public var keyPath: [String]
    public var value: Node

    public init(text: String, keyPath: [String], value: Node) {
        self.text = text
        self.keyPath = keyPath
        self.value = value
    }

    /// Where diagnostics about this override point: `--set train.epochs=3`.
    public var origin: String { "--set \(text)" }

    func diagnostic(_ message: String) -> Diagnostic {
        Diagnostic(path: origin, mark: nil, message: message, sourceLine: nil)
    }
}

extension Node {
    /// This tree with every override spliced in, in order (a later one wins).
    public func applying(_ overrides: [Override]) throws(Diagnostic) -> Node {
        var node = self
        for override in overrides {
            do {
                node = try node.replacing(override.keyPath, with: override.value)
            } catch {
                throw override.diagnostic(error.message)
            }
        }
        return node
    }
}
