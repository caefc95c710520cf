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

    @Test func theLayoutIsTheDocumentedOne() {
        let archive = TensorArchive(specHash: "h", tensors: [.init(name: "w", dimensions: [2], values: [1, -2])])
        let expected: [UInt8] = Array("KPLABTA".utf8) + [0, 1, 0, 0, 0]  // magic, version 1
            + [1, 0, 0, 0, UInt8(ascii: "h")] + [2, 0, 0, 0] + Array("{}".utf8)  // spec hash, metadata
            + [1, 0, 0, 0] + [1, 0, 0, 0, UInt8(ascii: "w")] + [1, 0, 0, 0, 2, 0, 0, 0]  // one tensor "w", shape [2]
            + [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0]  // 1.0, -2.0
        #expect(archive.encoded() == expected)
    }

    /// `write(to:)` streams the tensors to the file instead of encoding the archive first; the
    /// file must hold exactly `encoded()`'s bytes, for tensors larger than a write buffer too.
    @Test func aWrittenFileHoldsExactlyTheEncodedBytes() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kplab-archive-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let archives = [
            TensorArchive(specHash: "", tensors: []),
            TensorArchive(specHash: "ab12", metadata: #"{"epoch":3}"#, tensors: [
                .init(name: "big", dimensions: [600, 1000], values: (0..<600_000).map { Float($0) * 0.5 - 7 }),
                .init(name: "empty", dimensions: [0], values: []),
                .init(name: "bias", dimensions: [3], values: [.nan, -.infinity, 0]),
            ]),
        ]
        for (index, archive) in archives.enumerated() {
            let path = folder + "/\(index).kpw"
            try archive.write(to: path)
            #expect(Array(FileManager.default.contents(atPath: path)!) == archive.encoded())
        }
    }

    @Test func truncatedFileNamesTheFieldItEndsIn() throws {
        let bytes = TensorArchive(specHash: "h", tensors: [.init(name: "w", dimensions: [4], values: [1, 2, 3, 4])]).encoded()
        #expect(throws: UserError("x.kpw: byte 40: the file ends inside the values of tensor 'w', shape [4] (16 bytes needed, 14 left); "
                                  + "the file is truncated or damaged, or not a kplab weights file")) {
            try TensorArchive(bytes: Array(bytes.dropLast(2)), path: "x.kpw")
        }
        #expect(throws: UserError("y.kpw: not a kplab weights file (it does not begin with KPLABTA)")) {
            try TensorArchive(bytes: Array("hello world".utf8), path: "y.kpw")
        }
    }

    /// A small archive: magic 0–7, version 8, hash length 12 and "h" 16, metadata length 17 and
    /// "{}" 21, tensor count 23; tensor "w": name length 27, name 31, rank 32, dimensions 36 and
    /// 40, values 44–59; tensor "b": name length 60, name 64, rank 65, dimension 69, values 73–80.
    static let small = TensorArchive(specHash: "h", tensors: [
        .init(name: "w", dimensions: [2, 2], values: [1, -2, 3.5, 0]),
        .init(name: "b", dimensions: [2], values: [0.25, 8]),
    ]).encoded()

    static func message(_ bytes: [UInt8]) -> String {
        do {
            _ = try TensorArchive(bytes: bytes, path: "m.kpw")
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    static func patched(_ bytes: [UInt8], at offset: Int, _ value: UInt32) -> [UInt8] {
        var bytes = bytes
        for index in 0 ..< 4 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(index))) }
        return bytes
    }

    @Test func sizesCountsAndShapesAreCheckedAgainstTheFile() {
        let small = Self.small
        #expect(small.count == 81)
        let damage = "; the file is truncated or damaged, or not a kplab weights file"
        // Two dimensions of 2³²−1 overflow Int when multiplied: a trap before this check existed.
        #expect(Self.message(Self.patched(Self.patched(small, at: 36, .max), at: 40, .max))
                == "m.kpw: byte 32: tensor 'w' has shape [4294967295, 4294967295], more values than any file holds" + damage)
        #expect(Self.message(Self.patched(small, at: 36, 1_000_000))
                == "m.kpw: byte 44: the file ends inside the values of tensor 'w', shape [1000000, 2] (8000000 bytes needed, 37 left)" + damage)
        #expect(Self.message(Self.patched(small, at: 23, 1_000_000_000))
                == "m.kpw: byte 23: the tensor count is 1000000000, but the 54 bytes left hold at most 6" + damage)
        #expect(Self.message(Self.patched(small, at: 32, 9)) == "m.kpw: byte 32: tensor 'w' has rank 9, more than 8" + damage)
        #expect(Self.message(Self.patched(small, at: 12, .max))
                == "m.kpw: byte 16: the file ends inside the spec hash (4294967295 bytes needed, 65 left)" + damage)
        #expect(Self.message(small + [0, 0]) == "m.kpw: byte 81: 2 unexpected bytes follow the last tensor" + damage)
    }

    @Test func namesAreUniqueUTF8AndMetadataIsAJSONObject() {
        var renamed = Self.small
        renamed[64] = UInt8(ascii: "w")
        #expect(Self.message(renamed).hasPrefix("m.kpw: byte 60: a second tensor is named 'w';"))
        var notUTF8 = Self.small
        notUTF8[31] = 0xC3  // a lead byte with no continuation
        #expect(Self.message(notUTF8).hasPrefix("m.kpw: byte 31: the name of tensor 1 is not UTF-8 text;"))
        var notJSON = Self.small
        notJSON[21] = UInt8(ascii: "[")
        #expect(Self.message(notJSON).hasPrefix("m.kpw: byte 17: the metadata is not a JSON object;"))
        var unnamed = Self.small
        unnamed.replaceSubrange(27 ..< 32, with: [0, 0, 0, 0])
        #expect(Self.message(unnamed).hasPrefix("m.kpw: byte 27: tensor 1 has an empty name;"))
    }

    /// Every truncation, and every byte flipped in several ways (and every 4-byte field set to
    /// its largest values), either loads or is a UserError: none traps or reads out of bounds.
    @Test func everyDamagedVariantOfAnArchiveLoadsOrIsAUserError() {
        let small = Self.small
        var variants: [[UInt8]] = (0 ..< small.count).map { Array(small.prefix($0)) }
        for offset in small.indices {
            for mask: UInt8 in [0xFF, 0x80, 0x40, 0x01] {
                var flipped = small
                flipped[offset] ^= mask
                variants.append(flipped)
            }
        }
        for offset in 0 ... small.count - 4 {
            for value: UInt32 in [.max, 0x8000_0000, 0x7FFF_FFFF, 0x0001_0000] {
                variants.append(Self.patched(small, at: offset, value))
            }
        }
        var loaded = 0
        for variant in variants {
            do {
                _ = try TensorArchive(bytes: variant, path: "fuzz.kpw")
                loaded += 1
            } catch is UserError {
            } catch {
                Issue.record("not a UserError: \(error)")
            }
        }
        // Flipped value bytes still load (the values are not checked here); everything else fails.
        #expect(loaded > 0 && loaded < variants.count)
    }

    @Test func aFolderOrAMissingFileIsNamed() throws {
        let folder = FileManager.default.temporaryDirectory.path
        #expect(throws: UserError("\(folder): is a folder, expected a kplab weights file (.kpw)")) {
            try TensorArchive(path: folder)
        }
        #expect(throws: UserError("nowhere/model.kpw: no such file")) { try TensorArchive(path: "nowhere/model.kpw") }
    }
}
