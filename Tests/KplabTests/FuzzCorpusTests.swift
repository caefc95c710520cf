import Foundation
import Testing

/// The fuzz targets' committed corpora (Fuzz/corpus: seeds, and every input that once made a
/// reader or a kernel fail), replayed by the ordinary build of `kplab-fuzz`: a reader that
/// crashes on one of them again, or a kernel that leaves its twin's bits, fails here, without
/// the fuzzer. `make fuzz` searches for new ones.
@Suite struct FuzzCorpusTests {
    @Test(arguments: ["experiment", "csv", "weights", "kernels"])
    func everyCorpusInputIsReadWithoutACrash(target: String) throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let corpus = root.appendingPathComponent("Fuzz/corpus/\(target)")
        let inputs = try FileManager.default.contentsOfDirectory(atPath: corpus.path)
        #expect(inputs.count >= 3)
        let process = Process()
        process.executableURL = root.appendingPathComponent(".build/debug/kplab-fuzz")
        process.arguments = [target, corpus.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(text == "\(target): \(inputs.count) inputs replayed, none crashed\n")
    }
}
