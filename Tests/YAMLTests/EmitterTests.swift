import Testing
import YAML

@Suite struct EmitterTests {
    private static let here = Mark(line: 1, column: 1)

    private static func string(_ text: String) -> Node { Node(.scalar(.init(text: text, isPlain: false)), mark: here) }
    private static func plain(_ text: String) -> Node { Node(.scalar(.init(text: text, isPlain: true)), mark: here) }
    private static func list(_ items: [Node]) -> Node { Node(.sequence(items), mark: here) }
    private static func map(_ pairs: [(String, Node)]) -> Node {
        Node(.mapping(pairs.map { Node.Pair(key: plain($0.0), value: $0.1) }), mark: here)
    }

    private static func reparsed(_ node: Node) throws -> Node {
        try Document(bytes: Array(node.yamlText().utf8), path: "emitted.yaml").root
    }

    @Test func writesACanonicalConfigInBlockStyleAndKeyOrder() {
        let config = Self.map([
            ("name", Self.string("cnn-he-normal")),
            ("seed", Self.plain("42")),
            ("data", Self.map([("train", Self.string("data/training.csv")), ("holdout", Self.plain("300"))])),
            ("model", Self.map([
                ("weights", Self.string("he")),
                ("layers", Self.list([
                    Self.map([("conv", Self.map([("filters", Self.plain("32")), ("kernel", Self.plain("3"))]))]),
                    Self.string("relu"),
                    Self.map([("dense", Self.plain("30"))]),
                ])),
            ])),
            ("train", Self.map([("learning_rate", Self.plain("0.01")), ("schedule", Self.list([]))])),
        ])
        #expect(config.yamlText() == """
            name: cnn-he-normal
            seed: 42
            data:
              train: data/training.csv
              holdout: 300
            model:
              weights: he
              layers:
              - conv:
                  filters: 32
                  kernel: 3
              - relu
              - dense: 30
            train:
              learning_rate: 0.01
              schedule: []

            """)
    }

    /// Strings are quoted exactly when a plain spelling would read back differently.
    @Test(arguments: [
        ("relu", false, "relu"), ("he-normal", false, "he-normal"), ("café", false, "café"), ("a#b", false, "a#b"),
        ("12", false, "'12'"), ("0.01", false, "'0.01'"), (".5", false, "'.5'"), ("-1e3", false, "'-1e3'"),
        ("yes", false, "'yes'"), ("Off", false, "'Off'"), ("null", false, "'null'"), ("~", false, "'~'"),
        ("", false, "''"), (".inf", false, "'.inf'"), ("2024-01-01", false, "'2024-01-01'"),
        ("a: b", false, "'a: b'"), ("# note", false, "'# note'"), ("- x", false, "'- x'"), ("[x]", false, "'[x]'"),
        ("*a", false, "'*a'"), (" lead", false, "' lead'"), ("it's", false, "it's"), ("a #b", false, "'a #b'"),
        ("a\u{7}b", false, "\"a\\ab\""),
        ("12", true, "12"), ("yes", true, "yes"), ("0.01", true, "0.01"), ("~", true, "~"), ("", true, ""),
    ])
    func quotesOnlyWhatNeedsIt(text: String, isPlain: Bool, written: String) throws {
        let value = Node(.scalar(.init(text: text, isPlain: isPlain)), mark: Self.here)
        let tree = Self.map([("key", value)])
        #expect(tree.yamlText() == (written.isEmpty ? "key:\n" : "key: \(written)\n"))
        #expect(try Self.reparsed(tree).hasSameContent(as: tree))
    }

    @Test func roundTripsUnusualShapes() throws {
        let trees = [
            Self.string("12"), Self.plain("12"), Self.plain(""), Self.string(""), Self.string("line one\nline two"),
            Self.list([]), Self.map([]), Self.list([Self.list([Self.plain("1"), Self.list([])]), Self.map([])]),
            Self.map([("a", Self.list([Self.map([("b", Self.list([Self.string("true")]))])]))]),
            Node(.mapping([Node.Pair(key: Self.list([Self.plain("1"), Self.plain("2")]), value: Self.string("pair"))]),
                 mark: Self.here),
            Node(.mapping([Node.Pair(key: Self.string("12"), value: Self.plain("12"))]), mark: Self.here),
        ]
        for tree in trees {
            let text = tree.yamlText()
            #expect(try Self.reparsed(tree).hasSameContent(as: tree), "\(text)")
        }
    }

    @Test(arguments: ["nested.yaml", "anchors.yaml"])
    func roundTripsParsedFiles(name: String) throws {
        let root = try Fixtures.document(name).root
        #expect(try Self.reparsed(root).hasSameContent(as: root))
    }

    @Test func roundTripsRandomTrees() throws {
        var generator = SplitMix64(seed: 2024)
        for _ in 0..<200 {
            let tree = RandomTree.node(depth: 3, using: &generator)
            let text = tree.yamlText()
            #expect(try Self.reparsed(tree).hasSameContent(as: tree), "\(text)")
        }
    }

    @Test func sameContentIgnoresMarksButNotMeaning() {
        let here = Self.plain("relu")
        let there = Node(.scalar(.init(text: "relu", isPlain: false)), mark: Mark(line: 9, column: 9))
        #expect(here.hasSameContent(as: there))
        #expect(!Self.plain("12").hasSameContent(as: Self.string("12")))
        #expect(!Self.map([("a", Self.plain("1")), ("b", Self.plain("2"))])
            .hasSameContent(as: Self.map([("b", Self.plain("2")), ("a", Self.plain("1"))])))
        #expect(!Self.list([]).hasSameContent(as: Self.map([])))
    }
}

/// Random trees for round trips: scalars drawn from texts that need every kind of quoting.
private enum RandomTree {
    /// Texts a YAML parser can produce as plain scalars.
    static let plainTexts = ["relu", "12", "-0.5", "1e-3", "yes", "Off", "null", "~", "he normal", "a#b", "é", "x:y"]
    /// Texts only quoted scalars can hold, besides all the plain ones.
    static let quotedTexts = plainTexts + ["", "a: b", "# c", "- x", "[1, 2]", "{k: v}", " pad ", "it's",
                                           "\"", "two\nlines", "tab\there", "*alias", "&anchor", "!tag", "%", "@", "|", ">"]

    static func node<G: RandomNumberGenerator>(depth: Int, using generator: inout G) -> Node {
        let mark = Mark(line: 1, column: 1)
        switch depth == 0 ? 0 : Int.random(in: 0..<3, using: &generator) {
        case 0:
            return Node(.scalar(scalar(using: &generator)), mark: mark)
        case 1:
            let count = Int.random(in: 0...3, using: &generator)
            return Node(.sequence((0..<count).map { _ in node(depth: depth - 1, using: &generator) }), mark: mark)
        default:
            let count = Int.random(in: 0...3, using: &generator)
            // Distinct keys: a duplicate would (rightly) fail to parse back.
            let keys = Array(Set((0..<count).map { _ in scalar(using: &generator) }.filter { !$0.text.isEmpty }
                .map(\.text))).sorted()
            return Node(.mapping(keys.map {
                Node.Pair(key: Node(.scalar(.init(text: $0, isPlain: false)), mark: mark),
                          value: node(depth: depth - 1, using: &generator))
            }), mark: mark)
        }
    }

    static func scalar<G: RandomNumberGenerator>(using generator: inout G) -> Node.Scalar {
        if Bool.random(using: &generator) {
            return Node.Scalar(text: plainTexts.randomElement(using: &generator)!, isPlain: true)
        }
        return Node.Scalar(text: quotedTexts.randomElement(using: &generator)!, isPlain: false)
    }
}

/// A small seeded generator (Steele, Lea & Flood's SplitMix64), so random trees repeat.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
