import Foundation
import Results

/// The results folders `kplab serve` shows, and the one rule of what it may read: a file
/// whose real path (links followed) lies inside one of them. A request never names a path —
/// runs are looked up by id in the index — so this guards against what the folders
/// themselves hold: a run folder, or a file in one, that is a link to elsewhere.
public struct ServedFolders: Sendable {
    /// As given on the command line, for ids and messages.
    public let paths: [String]
    /// Real paths, each ending in "/".
    let realRoots: [String]

    /// - Throws: `UserError` for a path that is not a folder.
    public init(_ paths: [String]) throws {
        for path in paths {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else {
                throw UserError("\(path): no such folder (give results folders, as `kplab compare` takes them)")
            }
        }
        self.paths = paths
        realRoots = paths.map { Self.realPath($0) + "/" }
    }

    /// The path with every link followed, "." and ".." resolved.
    static func realPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return URL(fileURLWithPath: path).standardizedFileURL.path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Whether `path`, links followed, lies inside a served folder.
    public func contains(_ path: String) -> Bool {
        let real = Self.realPath(path)
        return realRoots.contains { real.hasPrefix($0) || real + "/" == $0 }
    }

    /// The largest file read for a request or the index: a run's metrics.csv holds one short
    /// line per epoch (a million epochs is about 100 MB); anything larger is not a run's file,
    /// and reading it whole would take the server's memory.
    static let largestFile: Int64 = 256 << 20

    /// Why `path` is not read: it is larger than `largestFile`; nil when it may be (or does not exist).
    public func refusal(_ path: String) -> String? {
        guard let stamp = FileStamp(path), stamp.size > Self.largestFile else { return nil }
        return "\(path) is \(stamp.size >> 20) MiB: larger than any run's file (\(Self.largestFile >> 20) MiB), so it is not read"
    }

    /// Whether `path` may be read: a regular file inside a served folder, no larger than
    /// `largestFile` (missing, a folder, outside or too large: the caller answers 404 alike).
    public func isReadable(_ path: String) -> Bool {
        var isFolder: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && !isFolder.boolValue
            && contains(path) && refusal(path) == nil
    }

    /// The bytes of `path` when it `isReadable`; nil otherwise.
    public func read(_ path: String) -> Data? {
        isReadable(path) ? FileManager.default.contents(atPath: path) : nil
    }
}
