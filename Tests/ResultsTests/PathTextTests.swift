import Testing
@testable import Results

@Suite struct PathTextTests {
    @Test func foldersAndNamesOfTypedPaths() {
        let cases: [(path: String, folder: String, name: String)] = [
            ("q", "", "q"), ("a/q", "a", "q"), ("a/q/", "a", "q"), ("/q", "/", "q"), ("/", "/", "/"),
            ("a//q", "a", "q"), ("results/x/run.json", "results/x", "run.json"), ("./q", ".", "q"),
        ]
        for (path, folder, name) in cases {
            #expect(PathText.folder(of: path) == folder, "folder of \(path)")
            #expect(PathText.name(of: path) == name, "name of \(path)")
        }
    }
}
