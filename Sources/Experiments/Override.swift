import YAML

/// One `--set dotted.key=value` from the command line (or one point of a sweep grid):
/// the node at `keyPath` is replaced by `value` before the experiment is decoded.
public struct Override: Sendable {
    /// As the person wrote it, e.g. `train.epochs=3`; errors are reported as `--set <text>: …`.
    public var text: String
    public var keyPath: [String]
    public var value: Node
    /// The file the value is written in (a sweep file's `grid:`), whose folder a relative
    /// path in it is relative to; nil for the command line, where it is relative to the
    /// working directory, as the shell that took it means.
    public var file: String?

    public init(text: String, keyPath: [String], value: Node, file: String? = nil) {
        self.text = text
        self.keyPath = keyPath
        self.value = value
        self.file = file
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

extension Override {
    /// Parses `dotted.key=value`: the key up to the first `=`, the value as a YAML node, so
    /// that `3` is an integer, `"3"` a string, `he` a name, and flow collections such as
    /// `{linear: {from: 0.03, to: 0.0001}}` or `[8, 16]` work as in a file. An empty value is
    /// null, which means "the default".
    public init(parsing text: String) throws(Diagnostic) {
        let origin = Diagnostic(path: "--set \(text)", mark: nil, message: "", sourceLine: nil)
        guard let equals = text.firstIndex(of: "=") else {
            var problem = origin
            problem.message = "expected dotted.key=value, e.g. --set train.epochs=3"
            throw problem
        }
        let key = String(text[..<equals]), valueText = String(text[text.index(after: equals)...])
        let keyPath: [String]
        do {
            keyPath = try Node.keyPath(key)
        } catch {
            var problem = origin
            problem.message = error.message
            throw problem
        }
        let value: Node
        do {
            value = try Document(bytes: Array(valueText.utf8), path: origin.path).root
        } catch {
            var problem = origin
            let reason = (error as? Diagnostic)?.message ?? "\(error)"
            problem.message = "the value '\(valueText)' is not valid YAML: \(reason)"
            throw problem
        }
        self.init(text: text, keyPath: keyPath, value: value)
    }
}
