import Foundation
import Testing
import YAML

/// The files under Tests/YAMLTests/Fixtures, read through the test bundle.
enum Fixtures {
    static func bytes(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"),
                               "no fixture named \(name)")
        return [UInt8](try Data(contentsOf: url))
    }

    /// Parses the fixture, reporting it under its bare name so messages do not depend on
    /// where the bundle lives.
    static func document(_ name: String) throws -> Document {
        try Document(bytes: bytes(name), path: name)
    }

    /// The whole rendered diagnostic the fixture fails with, or nil if it parses.
    static func failure(_ name: String) throws -> String? {
        try failure(bytes: bytes(name), path: name)
    }

    static func failure(bytes: [UInt8], path: String) -> String? {
        do {
            _ = try Document(bytes: bytes, path: path)
            return nil
        } catch let diagnostic as Diagnostic {
            return diagnostic.description
        } catch {
            return "not a Diagnostic: \(error)"
        }
    }
}

extension Node {
    /// The value under `key` in a mapping, for walking trees in tests.
    subscript(key: String) -> Node? {
        mapping?.first { $0.key.scalar?.text == key }?.value
    }

    /// The item at `index` of a sequence.
    subscript(index: Int) -> Node? {
        guard let items = sequence, items.indices.contains(index) else { return nil }
        return items[index]
    }
}
