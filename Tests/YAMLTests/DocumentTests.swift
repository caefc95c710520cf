import Foundation
import Testing
import YAML

@Suite struct DocumentTests {
    @Test func nestedNodesCarryTheirOneBasedLineAndColumn() throws {
        let root = try Fixtures.document("nested.yaml").root
        #expect(root.mark == Mark(line: 2, column: 1))
        #expect(root["name"]?.mark == Mark(line: 2, column: 7))
        #expect(root["model"]?.mark == Mark(line: 4, column: 3))
        let layers = try #require(root["model"]?["layers"])
        #expect(layers.mark == Mark(line: 6, column: 5))
        #expect(layers[0]?.mark == Mark(line: 6, column: 7))
        #expect(layers[0]?["conv"]?.mark == Mark(line: 6, column: 13))
        #expect(layers[0]?["conv"]?["filters"]?.mark == Mark(line: 6, column: 23))
        #expect(layers[0]?["conv"]?["filters"]?.scalar == Node.Scalar(text: "32", isPlain: true))
        #expect(layers[2]?["dense"]?.mark == Mark(line: 8, column: 14))
        #expect(root["train"]?["learning_rate"]?.mark == Mark(line: 10, column: 18))
    }

    @Test func keysKeepTheirSourceOrder() throws {
        let root = try Document(bytes: Array("zeta: 1\nalpha: 2\nmid: 3\n".utf8), path: "x.yaml").root
        #expect(root.mapping?.map { $0.key.scalar?.text } == ["zeta", "alpha", "mid"])
    }

    @Test func quotedScalarsAreNotPlain() throws {
        let text = "- 12\n- \"12\"\n- '12'\n- |\n  12\n- yes\n"
        let items = try #require(try Document(bytes: Array(text.utf8), path: "x.yaml").root.sequence)
        #expect(items.map { $0.scalar?.isPlain } == [true, false, false, false, true])
        #expect(items.map { $0.scalar?.text } == ["12", "12", "12", "12\n", "yes"])
    }

    @Test func anEmptyFileIsANullScalarAtOneOne() throws {
        for text in ["", "# only a comment\n", "\n\n"] {
            let root = try Document(bytes: Array(text.utf8), path: "empty.yaml").root
            #expect(root.isNull)
            #expect(root.mark == Mark(line: 1, column: 1))
        }
    }

    @Test func aliasesExpandIntoCopiesThatKeepTheAnchoredMark() throws {
        let root = try Fixtures.document("anchors.yaml").root
        let defaults = try #require(root["defaults"])
        for section in ["fast", "slow"] {
            let settings = try #require(root[section]?["settings"])
            #expect(settings.hasSameContent(as: defaults))
            #expect(settings.mark == defaults.mark)
            #expect(root[section]?["layers"]?.sequence?.map { $0.scalar?.text } == ["relu", "dropout"])
        }
        #expect(root["slow"]?["layers"]?.mark == Mark(line: 6, column: 11))
    }

    @Test func aMergeKeyIsAnOrdinaryKey() throws {
        let text = "base: &base {epochs: 1}\ntrain:\n  <<: *base\n  batch: 2\n"
        let train = try #require(try Document(bytes: Array(text.utf8), path: "x.yaml").root["train"])
        #expect(train.mapping?.map { $0.key.scalar?.text } == ["<<", "batch"])
        #expect(train["<<"]?["epochs"]?.scalar?.text == "1")
    }

    @Test func windowsLineEndsAndAByteOrderMarkKeepMarksAndSourceLines() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("name: mlp\r\nseed: 7\r\n".utf8)
        let document = try Document(bytes: bytes, path: "x.yaml")
        #expect(document.root["name"]?.mark == Mark(line: 1, column: 7))
        #expect(document.root["seed"]?.mark == Mark(line: 2, column: 7))
        #expect(document.source.line(1) == "name: mlp")
        #expect(document.source.line(2) == "seed: 7")
    }

    @Test func readsAFileByPath() throws {
        let url = try #require(Bundle.module.url(forResource: "anchors", withExtension: "yaml", subdirectory: "Fixtures"))
        let document = try Document(contentsOfFile: url.path)
        #expect(document.source.path == url.path)
        #expect(document.root["fast"] != nil)
        let broken = try #require(Bundle.module.url(forResource: "syntax-error", withExtension: "yaml",
                                                    subdirectory: "Fixtures"))
        #expect(throws: Diagnostic.self) { try Document(contentsOfFile: broken.path) }
    }

    @Test func aFileThatCannotBeReadIsADiagnosticWithoutAMark() throws {
        let missing = "no/such/experiment.yaml"
        #expect(throws: Diagnostic(path: missing, mark: nil, message: "no such file", sourceLine: nil)) {
            try Document(contentsOfFile: missing)
        }
        let directory = FileManager.default.temporaryDirectory.path
        let error = try #require(throws: Diagnostic.self) { try Document(contentsOfFile: directory) }
        #expect(error.description == "\(directory): is a directory, not a YAML file")
    }
}
