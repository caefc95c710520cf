import Foundation

extension TensorArchive {
    /// The most dimensions a tensor may have (kplab's have at most 4: [filters, channels, kh, kw]).
    static let maximumRank: UInt32 = 8

    /// Reads the archive at `path`.
    /// - Throws: `UserError` naming the file when it cannot be read or is not an intact archive.
    public init(path: String) throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw UserError("\(path): no such file")
        }
        guard !isFolder.boolValue else { throw UserError("\(path): is a folder, expected a kplab weights file (.kpw)") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw UserError("\(path): cannot be read (check its permissions)")
        }
        try self.init(bytes: Array(data), path: path)
    }

    /// Decodes an archive's bytes; `path` names the file in messages.
    ///
    /// Every length, count and shape is checked against the bytes that are left before it is
    /// used (with overflow-checked arithmetic), names must be UTF-8 and unique, and the metadata
    /// a JSON object, so a truncated, bit-flipped or foreign file is an error, never a crash or
    /// an attempt to allocate what a flipped bit claims.
    /// - Throws: `UserError` "`path`: byte N: what is wrong (…)".
    public init(bytes: [UInt8], path: String) throws {
        guard bytes.count >= 8, Array(bytes[0..<8]) == TensorArchive.magic else {
            throw UserError("\(path): not a kplab weights file (it does not begin with KPLABTA)")
        }
        var reader = ArchiveReader(bytes: bytes, path: path, offset: 8)
        let version = try reader.uint32("format version")
        guard version == TensorArchive.formatVersion else {
            throw UserError("\(path): weights format version \(version); this kplab reads version \(TensorArchive.formatVersion)")
        }
        specHash = try reader.text("spec hash")
        let metadataOffset = reader.offset
        metadata = try reader.text("metadata")
        guard (try? JSONSerialization.jsonObject(with: Data(metadata.utf8))) is [String: Any] else {
            throw reader.damaged(at: metadataOffset, "the metadata is not a JSON object")
        }
        tensors = try reader.tensors()
        guard reader.remaining == 0 else {
            throw reader.damaged(at: reader.offset, "\(reader.remaining) unexpected bytes follow the last tensor")
        }
    }
}

/// Reads an archive's fields in order, checking each against what is left of the file.
private struct ArchiveReader {
    let bytes: [UInt8]
    let path: String
    var offset: Int

    var remaining: Int { bytes.count - offset }

    mutating func uint32(_ field: String) throws -> UInt32 {
        guard remaining >= 4 else { throw truncated(field, needs: 4) }
        let value = bytes[offset..<offset + 4].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * $1.offset) }
        offset += 4
        return value
    }

    /// A UInt32 length, then that many bytes of UTF-8.
    mutating func text(_ field: String) throws -> String {
        let length = Int(try uint32("length of the \(field)"))
        guard length <= remaining else { throw truncated(field, needs: length) }
        guard let text = String(validating: bytes[offset..<offset + length], as: UTF8.self) else {
            throw damaged(at: offset, "the \(field) is not UTF-8 text")
        }
        offset += length
        return text
    }

    /// The tensor count, then the tensors.
    mutating func tensors() throws -> [TensorArchive.Tensor] {
        let countOffset = offset
        let count = Int(try uint32("tensor count"))
        // Each tensor takes at least 8 bytes (name length and rank): a count the rest of the
        // file cannot hold is damage, said before anything is read or reserved for it.
        guard count <= remaining / 8 else {
            throw damaged(at: countOffset, "the tensor count is \(count), but the \(remaining) bytes left hold at most \(remaining / 8)")
        }
        var tensors: [TensorArchive.Tensor] = []
        tensors.reserveCapacity(count)
        var names: Set<String> = []
        for index in 0..<count {
            let nameOffset = offset
            let name = try text("name of tensor \(index + 1)")
            guard !name.isEmpty else { throw damaged(at: nameOffset, "tensor \(index + 1) has an empty name") }
            guard names.insert(name).inserted else { throw damaged(at: nameOffset, "a second tensor is named '\(name)'") }
            let shape = try shape(of: name)
            let values = try floats(shape.count, field: "values of tensor '\(name)', shape \(shape.dimensions)")
            tensors.append(TensorArchive.Tensor(name: name, dimensions: shape.dimensions, values: values))
        }
        return tensors
    }

    /// A tensor's rank and dimensions, and the number of values they multiply to, checked for
    /// overflow (two flipped dimensions of 2³²−1 overflow Int).
    private mutating func shape(of name: String) throws -> (dimensions: [Int], count: Int) {
        let rankOffset = offset
        let rank = try uint32("rank of tensor '\(name)'")
        guard rank <= TensorArchive.maximumRank else {
            throw damaged(at: rankOffset, "tensor '\(name)' has rank \(rank), more than \(TensorArchive.maximumRank)")
        }
        var dimensions: [Int] = []
        for _ in 0..<rank { dimensions.append(Int(try uint32("shape of tensor '\(name)'"))) }
        var count: Int? = 1
        for dimension in dimensions {
            count = count.flatMap { count in
                let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
                return overflow ? nil : product
            }
        }
        guard let count, count <= Int.max / 4 else {
            throw damaged(at: rankOffset, "tensor '\(name)' has shape \(dimensions), more values than any file holds")
        }
        return (dimensions, count)
    }

    /// `count` little-endian Float32 values (4 · count does not overflow), checked against the
    /// bytes left before anything is allocated for them: a flipped bit in a dimension claims
    /// more memory than any machine has.
    private mutating func floats(_ count: Int, field: String) throws -> [Float] {
        guard 4 * count <= remaining else { throw truncated(field, needs: 4 * count) }
        var values = [Float](repeating: 0, count: count)
        values.withUnsafeMutableBytes { destination in
            bytes.withUnsafeBytes { source in
                destination.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset..<offset + 4 * count]))
            }
        }
        #if _endian(big)
        values = values.map { Float(bitPattern: UInt32(littleEndian: $0.bitPattern)) }
        #endif
        offset += 4 * count
        return values
    }

    func truncated(_ field: String, needs: Int) -> UserError {
        damaged(at: offset, "the file ends inside the \(field) (\(needs) bytes needed, \(remaining) left)")
    }

    func damaged(at position: Int, _ problem: String) -> UserError {
        UserError("\(path): byte \(position): \(problem); the file is truncated or damaged, or not a kplab weights file")
    }
}
