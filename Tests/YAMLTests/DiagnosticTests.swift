import Testing
import YAML

/// Every message is compared whole: location, text, the offending line and the caret.
@Suite struct DiagnosticTests {
    @Test func billionLaughsStopsAtTheAliasThatCrossesTheBudget() throws {
        #expect(try Fixtures.failure("billion-laughs.yaml") == """
            billion-laughs.yaml:6:8: aliases expand to more than 100000 nodes; refusing to expand further \
            (is this a "billion laughs" file?)
            f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
                   ^
            """)
    }

    @Test func severalDocumentsPointAtTheSecond() throws {
        #expect(try Fixtures.failure("several-documents.yaml") == """
            several-documents.yaml:3:1: several YAML documents in one file; an experiment file holds exactly one
            ---
            ^
            """)
    }

    @Test func aDuplicateKeyPointsAtTheSecondAndNamesTheFirstLine() throws {
        #expect(try Fixtures.failure("duplicate-key.yaml") == """
            duplicate-key.yaml:5:3: duplicate key 'epochs'; it first appears on line 3
              epochs: 200
              ^
            """)
        #expect(Fixtures.failure(bytes: Array("layer: {size: 1, size: 2}\n".utf8), path: "x.yaml") == """
            x.yaml:1:18: duplicate key 'size'; it first appears on column 9 of this line
            layer: {size: 1, size: 2}
                             ^
            """)
        // Quoting does not make a different key.
        #expect(Fixtures.failure(bytes: Array("seed: 1\n\"seed\": 2\n".utf8), path: "x.yaml") == """
            x.yaml:2:1: duplicate key 'seed'; it first appears on line 1
            "seed": 2
            ^
            """)
    }

    @Test func aByteThatIsNotUTF8IsReportedAtItsLineAndColumn() throws {
        #expect(try Fixtures.failure("not-utf8.yaml") == """
            not-utf8.yaml:2:10: byte 0xE9 is not valid UTF-8; save the file as UTF-8
            note: caf\u{FFFD} au lait
                     ^
            """)
        #expect(Fixtures.failure(bytes: [0xFF, 0xFE, 0x61, 0x00], path: "x.yaml")?.hasPrefix(
            "x.yaml:1:1: the file is UTF-16; save it as UTF-8") == true)
    }

    @Test func libyamlSyntaxErrorsKeepItsProblemAndMark() throws {
        #expect(try Fixtures.failure("syntax-error.yaml") == """
            syntax-error.yaml:4:22: mapping values are not allowed in this context
              learning_rate: rate: 0.01
                                 ^
            """)
        #expect(try Fixtures.failure("unclosed-flow.yaml") == """
            unclosed-flow.yaml:3:6: did not find expected ',' or ']' (while parsing a flow sequence at line 2, column 11)
            train:
                 ^
            """)
    }

    @Test func anUnexpectedEndPointsAtTheEndOfTheLastLine() {
        #expect(Fixtures.failure(bytes: Array("name: 'mlp\n\n".utf8), path: "x.yaml") == """
            x.yaml:1:11: found unexpected end of stream (while scanning a quoted scalar at line 1, column 7)
            name: 'mlp
                      ^
            """)
    }

    @Test func tabIndentationIsADiagnosticWithTheCaretUnderTheTab() throws {
        #expect(try Fixtures.failure("tab-indentation.yaml") == """
            tab-indentation.yaml:3:1: found character that cannot start any token (while scanning for the next token); \
            indent with spaces, not tabs
            \tepochs: 10
            ^
            """)
    }

    @Test func aControlCharacterIsReportedAtItsLineAndColumn() {
        #expect(Fixtures.failure(bytes: Array("seed: 1\nname: a\u{7}b\n".utf8), path: "x.yaml") == """
            x.yaml:2:8: control characters are not allowed (U+0007)
            name: a\u{7}b
                   ^
            """)
    }

    @Test func anUnknownAliasIsReportedAtTheAlias() throws {
        #expect(try Fixtures.failure("unknown-alias.yaml") == """
            unknown-alias.yaml:3:8: unknown alias '*default': no anchor '&default' before it
            train: *default
                   ^
            """)
        #expect(Fixtures.failure(bytes: Array("layers: &net [relu, *net]\n".utf8), path: "x.yaml") == """
            x.yaml:1:21: alias '*net' refers to a node that contains it
            layers: &net [relu, *net]
                                ^
            """)
    }

    @Test func nestingIsBounded() {
        let text = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
        let message = Fixtures.failure(bytes: Array(text.utf8), path: "x.yaml")
        #expect(message?.hasPrefix("x.yaml:1:257: collections nested more than 256 levels deep\n") == true)
    }

    @Test func tabsBeforeTheColumnStayTabsInTheCaretLine() {
        let source = SourceText(path: "x.yaml", text: "a:\n\t\tb: [\n")
        #expect(source.diagnostic(at: Mark(line: 2, column: 4), "here").description == "x.yaml:2:4: here\n\t\tb: [\n\t\t ^")
    }
}
