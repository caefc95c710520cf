import Foundation
import Results
import Testing
@testable import Training

/// `kplab reproduce` calls weights the same only when every tensor holds the same bits.
@Suite struct WeightsComparisonTests {
    private func difference(_ a: [TensorArchive.Tensor], _ b: [TensorArchive.Tensor]) throws -> String? {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kplab-weights-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let (left, right) = (folder.appendingPathComponent("a.kpw").path, folder.appendingPathComponent("b.kpw").path)
        // Different metadata: only the tensors count.
        try TensorArchive(specHash: "x", metadata: "{\"epoch\": 1}", tensors: a).write(to: left)
        try TensorArchive(specHash: "x", metadata: "{}", tensors: b).write(to: right)
        return try WeightsComparison.difference(recorded: left, reproduced: right)
    }

    private func tensor(_ name: String, _ values: [Float], _ dimensions: [Int]? = nil) -> TensorArchive.Tensor {
        TensorArchive.Tensor(name: name, dimensions: dimensions ?? [values.count], values: values)
    }

    @Test func sameBitsAreTheSame() throws {
        let nan = Float(bitPattern: 0x7fc0_0001)
        #expect(try difference([tensor("w", [1, -0.0, nan])], [tensor("w", [1, -0.0, nan])]) == nil)
    }

    @Test func anyOtherBitIsADifference() throws {
        #expect(try difference([tensor("w", [1, 2]), tensor("b", [0.0, 3])], [tensor("w", [1, 2]), tensor("b", [-0.0, 3])])
                == "b, the first tensor that differs: 1 of its 2 values")
        #expect(try difference([tensor("w", [1, 2, 3, 4], [2, 2])], [tensor("w", [1, 2, 3, 4], [4, 1])])
                == "w has shape [2, 2] in the record, [4, 1] in the reproduction")
        #expect(try difference([tensor("w", [1])], [tensor("v", [1])]) == "the tensors differ: recorded [\"w\"], reproduced [\"v\"]")
    }
}
