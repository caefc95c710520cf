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
///
/// Reading (`init(path:)`, in TensorArchiveReading.swift) trusts nothing in the file: a weights
/// file may be truncated, bit-flipped or not ours, and every such file is refused with a
/// `UserError` naming the byte offset and field, never a crash.
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

    /// The values of every tensor named `prefix…`, by the rest of its name: one net's tensors
    /// in an archive that holds several (a cascade's, under `<group>/`).
    public func values(under prefix: String) -> [String: [Float]] {
        Dictionary(tensors.filter { $0.name.hasPrefix(prefix) }.map { (String($0.name.dropFirst(prefix.count)), $0.values) },
                   uniquingKeysWith: { $1 })
    }

    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64 + tensors.reduce(0) { $0 + 64 + 4 * $1.values.count })
        chunks { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// Writes the archive chunk by chunk (the same bytes as `encoded()`), so that a large one
    /// is never assembled in memory.
    public func write(to path: String) throws {
        try writeAtomically(to: path, chunks: chunks)
    }

    /// The file's bytes in order: each tensor's header, then its values straight from the
    /// tensor's storage (on a little-endian machine; a big-endian one swaps them first).
    private func chunks(_ write: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        var header = TensorArchive.magic
        append(TensorArchive.formatVersion, to: &header)
        append(specHash, to: &header)
        append(metadata, to: &header)
        append(UInt32(tensors.count), to: &header)
        for tensor in tensors {
            append(tensor.name, to: &header)
            append(UInt32(tensor.dimensions.count), to: &header)
            for dimension in tensor.dimensions { append(UInt32(dimension), to: &header) }
            try header.withUnsafeBytes(write)
            header.removeAll(keepingCapacity: true)
            #if _endian(little)
            try tensor.values.withUnsafeBytes(write)  // already the file's byte order
            #else
            var values: [UInt8] = []
            for value in tensor.values { append(value.bitPattern, to: &values) }
            try values.withUnsafeBytes(write)
            #endif
        }
        try header.withUnsafeBytes(write)
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
