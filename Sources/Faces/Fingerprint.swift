import Crypto

/// SHA-256 fingerprints for run records: of a data file's bytes, or of any bytes
/// (e.g. the synthetic generator's parameters, see `SyntheticFaces.fingerprint`).
public enum Fingerprint {
    /// Lowercase hex SHA-256 of `bytes`.
    public static func sha256(_ bytes: [UInt8]) -> String {
        hex(SHA256.hash(data: bytes))
    }

    /// Lowercase hex SHA-256 of the file's bytes.
    /// - Throws: `DataFileError` when the file cannot be read.
    public static func sha256(ofFile path: String) throws -> String {
        let file = try FileBytes(path: path)
        var hasher = SHA256()
        if file.bytes.count > 0 { hasher.update(bufferPointer: UnsafeRawBufferPointer(file.bytes)) }
        return hex(hasher.finalize())
    }

    private static func hex<Digest: Sequence>(_ digest: Digest) -> String where Digest.Element == UInt8 {
        digest.map { byte in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }.joined()
    }
}
