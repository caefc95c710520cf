import Faces
import Foundation

extension String {
    /// The whole file as UTF-8 text, or nil when it cannot be read.
    public init?(contentsOfFileAtPath path: String) {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        self.init(decoding: data, as: UTF8.self)
    }
}

extension Character {
    /// Whether this ends a line: "\n", or "\r\n", which Swift holds as one Character, so that
    /// text split on "\n" alone reads a file whose lines end in "\r\n" (saved on Windows, or
    /// checked out by git with core.autocrlf) as a single line.
    public var isLineEnd: Bool { self == "\n" || self == "\r\n" }
}

extension StringProtocol {
    /// The text with every "\r\n" line end written "\n": what kplab wrote, before a copy's
    /// line ends were converted.
    public var withLineFeeds: String { split(omittingEmptySubsequences: false, whereSeparator: \.isLineEnd).joined(separator: "\n") }
}

/// Writes `bytes` to `path` so that readers see either the old file or the complete new one,
/// never a half-written file (Faces' `AtomicFile`: temporary file, fsync, rename).
public func writeAtomically(_ bytes: [UInt8], to path: String) throws {
    try AtomicFile.write(bytes, to: path)
}

public func writeAtomically(_ text: String, to path: String) throws {
    try AtomicFile.write(Array(text.utf8), to: path)
}

/// `writeAtomically` for bytes that come in chunks (a weights file's tensors): each chunk is
/// written straight to the file as `produce` passes it on, so the whole is never copied.
public func writeAtomically(to path: String, chunks produce: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
    try AtomicFile.write(to: path, chunks: produce)
}
