import Foundation

/// The binary file kplab keeps weights (`model.best.kpw`, `model.last.kpw`) and checkpoints
/// (`checkpoint.kpw`) in. All integers are little-endian; floats are IEEE-754 binary32, so a
/// file loads back bit-exactly on any machine.
///
///     offset  field
///     0       magic, 8 bytes: "KPLABTA\0"
///     8       format version, UInt32 (currently 1)
///     12      spec hash length n, UInt32; then n bytes of UTF-8 (the run's config hash, hex)
///     …       metadata length m, UInt32; then m bytes of UTF-8 JSON (free-form facts such as
///             the epoch a checkpoint was taken at; "{}" for plain weights)
///     …       tensor count t, UInt32; then t tensors, each:
///               name length, UInt32; name, UTF-8 (e.g. "layer3.conv.weight")
///               rank r, UInt32; r dimensions, UInt32 each
///               product(dimensions) values, Float32
public struct TensorArchive: Equatable, Sendable {
    public struct Tensor: Equatable, Sendable {
        public var name: String
        public var dimensions: [Int]
        public var values: [Float]

        public init(name: String, dimensions: [Int], values: [Float]) {
            precondition(dimensions.reduce(1, *) == values.count, "tensor \(name): shape does not match its values")
            self.name = name
            self.dimensions = dimensions
            self.values = values
        }
    }

    static let magic: [UInt8] = Array("KPLABTA".utf8) + [0]
    public static let formatVersion: UInt32 = 1

    public var specHash: String
    public var metadata: String
    public var tensors: [Tensor]

    public init(specHash: String, metadata: String = "{}", tensors: [Tensor]) {
        self.specHash = specHash
        self.metadata = metadata
        self.tensors = tensors
    }

    public subscript(name: String) -> Tensor? { tensors.first { $0.name == name } }

    /// The values of every tensor whose name passes `isIncluded`, by name — the form
    /// `Network.load` and `Optimizer.load` take.
    public func values(where isIncluded: (String) -> Bool = { _ in true }) -> [String: [Float]] {
        Dictionary(tensors.filter { isIncluded($0.name) }.map { ($0.name, $0.values) }, uniquingKeysWith: { $1 })
    }

    public func encoded() -> [UInt8] {
        var bytes = TensorArchive.magic
        bytes.reserveCapacity(64 + tensors.reduce(0) { $0 + 64 + 4 * $1.values.count })
        append(TensorArchive.formatVersion, to: &bytes)
        append(specHash, to: &bytes)
        append(metadata, to: &bytes)
        append(UInt32(tensors.count), to: &bytes)
        for tensor in tensors {
            append(tensor.name, to: &bytes)
            append(UInt32(tensor.dimensions.count), to: &bytes)
            for dimension in tensor.dimensions { append(UInt32(dimension), to: &bytes) }
            #if _endian(little)
            tensor.values.withUnsafeBytes { bytes.append(contentsOf: $0) }  // already the file's byte order
            #else
            for value in tensor.values { append(value.bitPattern, to: &bytes) }
            #endif
        }
        return bytes
    }

    public func write(to path: String) throws {
        try writeAtomically(encoded(), to: path)
    }

    public init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path).map(Array.init) else { throw UserError("cannot read \(path)") }
        try self.init(bytes: data, path: path)
    }

    public init(bytes: [UInt8], path: String) throws {
        var reader = ByteReader(bytes: bytes, path: path)
        guard bytes.count >= 8, Array(bytes[0..<8]) == TensorArchive.magic else {
            throw UserError("\(path): not a kplab weights file (bad magic bytes)")
        }
        reader.offset = 8
        let version = try reader.uint32("format version")
        guard version == TensorArchive.formatVersion else {
            throw UserError("\(path): weights format version \(version); this kplab reads version \(TensorArchive.formatVersion)")
        }
        specHash = try reader.string("spec hash")
        metadata = try reader.string("metadata")
        let count = try reader.uint32("tensor count")
        var tensors: [Tensor] = []
        for _ in 0..<count {
            let name = try reader.string("tensor name")
            let rank = try reader.uint32("rank of \(name)")
            guard rank <= 8 else { throw UserError("\(path): tensor \(name) has rank \(rank)") }
            var dimensions: [Int] = []
            for _ in 0..<rank { dimensions.append(Int(try reader.uint32("shape of \(name)"))) }
            let values = try reader.floats(dimensions.reduce(1, *), "values of \(name)")
            tensors.append(Tensor(name: name, dimensions: dimensions, values: values))
        }
        guard reader.offset == bytes.count else {
            throw UserError("\(path): \(bytes.count - reader.offset) unexpected bytes after the last tensor")
        }
        self.tensors = tensors
    }

    private func append(_ value: UInt32, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    private func append(_ text: String, to bytes: inout [UInt8]) {
        let utf8 = Array(text.utf8)
        append(UInt32(utf8.count), to: &bytes)
        bytes.append(contentsOf: utf8)
    }
}

/// Reads the archive's fields in order, failing with the field's name when the file is short.
private struct ByteReader {
    let bytes: [UInt8]
    let path: String
    var offset = 0

    mutating func uint32(_ field: String) throws -> UInt32 {
        guard offset + 4 <= bytes.count else { throw truncated(field) }
        let value = bytes[offset..<offset + 4].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * $1.offset) }
        offset += 4
        return value
    }

    mutating func string(_ field: String) throws -> String {
        let length = Int(try uint32(field))
        guard offset + length <= bytes.count else { throw truncated(field) }
        defer { offset += length }
        return String(decoding: bytes[offset..<offset + length], as: UTF8.self)
    }

    mutating func floats(_ count: Int, _ field: String) throws -> [Float] {
        guard count >= 0, offset + 4 * count <= bytes.count else { throw truncated(field) }
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

    private func truncated(_ field: String) -> UserError {
        UserError("\(path): file ends inside the \(field) (truncated or not a kplab weights file)")
    }
}
