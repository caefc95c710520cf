import Testing
import YAML

/// Tags are rejected where they stand, on any node: the decoder reads values by their key, so
/// a tag could only say something the file does not mean.
@Suite struct TagTests {
    @Test(arguments: [
        ("epochs: !!int 3\n", "x.yaml:1:9: tags are not supported: remove '!!int'\nepochs: !!int 3\n        ^"),
        ("optimizer: !!int adam\n", "x.yaml:1:12: tags are not supported: remove '!!int'\noptimizer: !!int adam\n           ^"),
        ("name: !!str 12\n",
         "x.yaml:1:7: tags are not supported: remove '!!str' (quotes make a value a string)\nname: !!str 12\n      ^"),
        ("data: !!binary aGVsbG8=\n", "x.yaml:1:7: tags are not supported: remove '!!binary'\ndata: !!binary aGVsbG8=\n      ^"),
        ("model: !python/object:os.system {}\n",
         "x.yaml:1:8: tags are not supported: remove '!python/object:os.system'\nmodel: !python/object:os.system {}\n       ^"),
        ("layers: !custom\n  - relu\n", "x.yaml:1:9: tags are not supported: remove '!custom'\nlayers: !custom\n        ^"),
        ("train:\n  batch: !!set {a, b}\n", "x.yaml:2:10: tags are not supported: remove '!!set'\n  batch: !!set {a, b}\n         ^"),
        ("seed: ! 3\n", "x.yaml:1:7: tags are not supported: remove '!'\nseed: ! 3\n      ^"),
        ("? !!str key\n: 1\n", "x.yaml:1:3: tags are not supported: remove '!!str' (quotes make a value a string)\n? !!str key\n  ^"),
    ])
    func anyExplicitTagIsAnErrorAtItsNode(text: String, expected: String) {
        #expect(Fixtures.failure(bytes: Array(text.utf8), path: "x.yaml") == expected)
    }

    @Test func aTagBehindAnAnchorIsReportedAtTheAnchor() {
        #expect(Fixtures.failure(bytes: Array("a: &x !!float 1\nb: *x\n".utf8), path: "x.yaml") == """
            x.yaml:1:4: tags are not supported: remove '!!float'
            a: &x !!float 1
               ^
            """)
    }

    @Test func aTagNamedThroughADirectiveIsShownExpanded() {
        let text = "%TAG !e! tag:example.com,2000:\n---\nx: !e!foo 1\n"
        #expect(Fixtures.failure(bytes: Array(text.utf8), path: "x.yaml") == """
            x.yaml:3:4: tags are not supported: remove 'tag:example.com,2000:foo'
            x: !e!foo 1
               ^
            """)
    }
}
