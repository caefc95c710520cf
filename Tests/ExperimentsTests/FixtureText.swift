import Foundation

/// The text of a file under this test folder, found from this source file's path so that
/// messages can name it by its short relative path (`Fixtures/x.yaml`).
func fixtureText(_ relativePath: String, filePath: String = #filePath) throws -> String {
    let folder = URL(fileURLWithPath: filePath).deletingLastPathComponent()
    return try String(contentsOf: folder.appendingPathComponent(relativePath), encoding: .utf8)
}

/// The package root (two folders above this one), for the example experiments.
func packageRoot(filePath: String = #filePath) -> URL {
    URL(fileURLWithPath: filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}
