import YAML

/// The state shared by every part of the experiment decoder: the source for caret lines, the
/// memory a run may take, and the overrides, so that an error in a value that came from
/// `--set` is reported against that `--set` rather than against a line of the file that does
/// not hold it.
struct Decoding {
    let source: SourceText
    let overrides: [Override]
    /// The most memory a run may need (`MemoryEstimate`): this machine's, or less in tests.
    var memoryLimit = PhysicalMemory.bytes
    /// What the model's layers must build on and end with: a whole face and 30 values, unless
    /// the model is a cascade's level-2 net.
    var modelShapes = ModelShapes.face

    /// The override that put the node at `path` into the tree, if any (the most specific one).
    func override(covering path: [String]) -> Override? {
        overrides.filter { path.starts(with: $0.keyPath) }.max { $0.keyPath.count < $1.keyPath.count }
    }

    /// The override that put `node` (at `path`) into the tree: the one covering it, or for a
    /// key or mapping an override added on its way to a deeper key (`--set
    /// validation.holdout=5` adds `validation`), the first override through it.
    func override(for node: Node, at path: [String]) -> Override? {
        if let covering = override(covering: path) { return covering }
        guard node.mark == .spliced else { return nil }
        return overrides.first { $0.keyPath.starts(with: path) }
    }

    func error(_ message: String, at node: Node, path: [String]) -> Diagnostic {
        if let override = override(for: node, at: path) { return override.diagnostic(message) }
        return source.diagnostic(at: node.mark, message)
    }
}

func dotted(_ path: [String]) -> String { path.joined(separator: ".") }

// MARK: - Scalars

extension Decoding {
    /// How the found node reads in "expected …, found X": a quoted number is called out,
    /// because `"10"` looking like 10 is the usual surprise.
    func found(_ node: Node, numberExpected: Bool) -> String {
        if let scalar = node.scalar, !scalar.isPlain {
            let looksNumeric = parseNumber(scalar.text) != nil
            if numberExpected && looksNumeric {
                return "the quoted string '\(scalar.text)' (quotes make a string; write \(scalar.text) without them)"
            }
            if !numberExpected && (scalar.text == "true" || scalar.text == "false") {
                return "the quoted string '\(scalar.text)' (quotes make a string; write \(scalar.text) without them)"
            }
            return "the string '\(scalar.text)'"
        }
        return node.kindDescription
    }

    func integer(_ node: Node, _ path: [String]) throws(Diagnostic) -> Int {
        guard let scalar = node.scalar, scalar.isPlain, !node.isNull, isIntegerText(scalar.text) else {
            throw error("expected an integer, found \(found(node, numberExpected: true))", at: node, path: path)
        }
        guard let value = parseInteger(scalar.text) else {
            throw error("\(path.last ?? "value") must be at most \(Int.max), found \(scalar.text)", at: node, path: path)
        }
        return value
    }

    func integer(_ node: Node, _ path: [String], atLeast minimum: Int, name: String? = nil) throws(Diagnostic) -> Int {
        let value = try integer(node, path)
        guard value >= minimum else {
            throw error("\(name ?? path.last ?? "value") must be at least \(minimum), found \(value)", at: node, path: path)
        }
        return value
    }

    /// A seed: any integer 0 … 2⁶⁴−1.
    func seed(_ node: Node, _ path: [String]) throws(Diagnostic) -> UInt64 {
        guard let scalar = node.scalar, scalar.isPlain, !node.isNull, isIntegerText(scalar.text) else {
            throw error("expected an integer, found \(found(node, numberExpected: true))", at: node, path: path)
        }
        guard !scalar.text.hasPrefix("-") else {
            throw error("\(path.last ?? "seed") must be at least 0, found \(scalar.text)", at: node, path: path)
        }
        guard let value = UInt64(scalar.text.hasPrefix("+") ? String(scalar.text.dropFirst()) : scalar.text) else {
            throw error("\(path.last ?? "seed") must be at most \(UInt64.max), found \(scalar.text)", at: node, path: path)
        }
        return value
    }

    func number(_ node: Node, _ path: [String]) throws(Diagnostic) -> Double {
        guard let scalar = node.scalar, scalar.isPlain, !node.isNull, let value = parseNumber(scalar.text) else {
            throw error("expected a number, found \(found(node, numberExpected: true))", at: node, path: path)
        }
        return value
    }

    /// A number checked against a range; `rule` says the range in words ("at least 0 and less
    /// than 1") and `name` what the number is ("dropout rate").
    func number(_ node: Node, _ path: [String], name: String? = nil, rule: String,
                _ isAllowed: (Double) -> Bool) throws(Diagnostic) -> Double {
        let value = try number(node, path)
        guard isAllowed(value) else {
            throw error("\(name ?? path.last ?? "value") must be \(rule), found \(node.scalar?.text ?? "\(value)")",
                        at: node, path: path)
        }
        return value
    }

    func boolean(_ node: Node, _ path: [String]) throws(Diagnostic) -> Bool {
        if let scalar = node.scalar, scalar.isPlain {
            switch scalar.text {
            case "true", "True", "TRUE": return true
            case "false", "False", "FALSE": return false
            default: break
            }
        }
        throw error("expected true or false, found \(found(node, numberExpected: false))", at: node, path: path)
    }

    func string(_ node: Node, _ path: [String]) throws(Diagnostic) -> String {
        guard let scalar = node.scalar, !node.isNull, !scalar.text.isEmpty else {
            throw error("expected a string, found \(found(node, numberExpected: false))", at: node, path: path)
        }
        return scalar.text
    }

    /// One of a fixed set of names: `what` is the kind of name for the message
    /// ("unknown initializer 'xaviar' (did you mean 'xavier'?)").
    func choice(_ node: Node, _ path: [String], what: String, among names: [String],
                synonyms: [String: String] = [:]) throws(Diagnostic) -> String {
        let text = try string(node, path)
        guard names.contains(text) else {
            let hint = suggestion(for: text, among: names, synonyms: synonyms).map { "did you mean '\($0)'?" }
                ?? "expected \(listing(names))"
            throw error("unknown \(what) '\(text)' (\(hint))", at: node, path: path)
        }
        return text
    }

    func choice<T: RawRepresentable & CaseIterable>(_ node: Node, _ path: [String], what: String,
                                                    synonyms: [String: String] = [:]) throws(Diagnostic) -> T
    where T.RawValue == String {
        let names = T.allCases.map(\.rawValue)
        let text = try choice(node, path, what: what, among: names, synonyms: synonyms)
        return T(rawValue: text)!
    }
}

/// YAML's plain integers as people write them in configs: optional sign, decimal digits.
func isIntegerText(_ text: String) -> Bool {
    let digits = text.first == "+" || text.first == "-" ? text.dropFirst() : Substring(text)
    return !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber }
}

func parseInteger(_ text: String) -> Int? {
    guard isIntegerText(text) else { return nil }
    return Int(text.hasPrefix("+") ? String(text.dropFirst()) : text)
}

/// A finite decimal number (`0.01`, `1e-8`, `-3`, `.5`); not `inf`, `nan` or hex, which
/// Swift's `Double(_:)` would accept but a config value never means.
func parseNumber(_ text: String) -> Double? {
    guard !text.isEmpty, text.allSatisfy({ "0123456789+-.eE".contains($0) }),
          text.contains(where: { $0.isNumber }), let value = Double(text), value.isFinite else { return nil }
    return value
}

// MARK: - Mappings

/// The keys of one mapping, checked against the keys allowed there.
struct Fields {
    let node: Node
    let path: [String]
    private let pairs: [(key: String, keyNode: Node, value: Node)]

    /// Fails on anything but a mapping (null counts as an empty one), on a non-scalar key,
    /// and on a key not in `allowed`, with a did-you-mean suggestion.
    init(_ node: Node, _ path: [String], allowed: [String], expected: String,
         decoding: Decoding) throws(Diagnostic) {
        self.node = node
        self.path = path
        if node.isNull {
            pairs = []
            return
        }
        guard let mapping = node.mapping else {
            throw decoding.error("expected \(expected), found \(node.kindDescription)", at: node, path: path)
        }
        var pairs: [(String, Node, Node)] = []
        for pair in mapping {
            guard let key = pair.key.scalar?.text else {
                throw decoding.error("a key must be a plain name, found \(pair.key.kindDescription)", at: pair.key, path: path)
            }
            guard allowed.contains(key) else {
                let keyPath = path + [key]
                if decoding.override(for: pair.key, at: keyPath) != nil {
                    let hint = didYouMean(key, among: allowed, prefix: path.isEmpty ? "" : dotted(path) + ".")
                    throw decoding.error("unknown key '\(dotted(keyPath))'\(hint)", at: pair.key, path: keyPath)
                }
                let place = path.isEmpty ? "" : " in '\(dotted(path))'"
                let hint = suggestion(for: key, among: allowed).map { " (did you mean '\($0)'?)" }
                    ?? " (known keys: \(allowed.joined(separator: ", ")))"
                throw decoding.error("unknown key '\(key)'\(place)\(hint)", at: pair.key, path: keyPath)
            }
            pairs.append((key, pair.key, pair.value))
        }
        self.pairs = pairs
    }

    /// The value of `key`, or nil when it is absent or null (null means "the default").
    subscript(key: String) -> Node? {
        guard let value = pairs.first(where: { $0.key == key })?.value, !value.isNull else { return nil }
        return value
    }

    /// The value of `key` even when null, so that `epochs:` reads "expected an integer, found nothing".
    func required(_ key: String, example: String, decoding: Decoding) throws(Diagnostic) -> Node {
        if let value = pairs.first(where: { $0.key == key })?.value { return value }
        let place = path.isEmpty ? "" : " in '\(dotted(path))'"
        throw decoding.error("missing required key '\(key)'\(place) (e.g. \(example))", at: node, path: path)
    }

    /// The node of the key itself, to point at it (e.g. for conflicts between keys).
    func keyNode(_ key: String) -> Node? { pairs.first(where: { $0.key == key })?.keyNode }

    var keys: [String] { pairs.map(\.key) }
}

extension Fields {
    func path(_ key: String) -> [String] { path + [key] }
}
