import Foundation
import Results
import Testing

@Suite struct TensorArchiveTests {
    @Test func roundTripIsBitExactIncludingSpecialValues() throws {
        let archive = TensorArchive(specHash: "ab12", metadata: #"{"epoch":3}"#, tensors: [
            .init(name: "layer1.conv.weight", dimensions: [2, 1, 3, 3],
                  values: (0..<18).map { Float($0) * 0.1 - 0.7 }),
            .init(name: "layer1.conv.bias", dimensions: [2], values: [.nan, -.infinity]),
            .init(name: "empty", dimensions: [0], values: []),
        ])
        let decoded = try TensorArchive(bytes: archive.encoded(), path: "mem")
        #expect(decoded.specHash == "ab12")
        #expect(decoded.metadata == #"{"epoch":3}"#)
        #expect(decoded.tensors.map(\.name) == archive.tensors.map(\.name))
        #expect(decoded.tensors.map(\.dimensions) == archive.tensors.map(\.dimensions))
        for (a, b) in zip(decoded.tensors, archive.tensors) {
            #expect(a.values.map(\.bitPattern) == b.values.map(\.bitPattern))
        }
    }

    @Test func truncatedFileNamesTheFieldItEndsIn() throws {
        let bytes = TensorArchive(specHash: "h", tensors: [.init(name: "w", dimensions: [4], values: [1, 2, 3, 4])]).encoded()
        #expect(throws: UserError("x.kpw: file ends inside the values of w (truncated or not a kplab weights file)")) {
            try TensorArchive(bytes: Array(bytes.dropLast(2)), path: "x.kpw")
        }
        #expect(throws: UserError("y.kpw: not a kplab weights file (bad magic bytes)")) {
            try TensorArchive(bytes: Array("hello world".utf8), path: "y.kpw")
        }
    }
}
