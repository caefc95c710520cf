import Foundation

/// Path arithmetic on plain strings, for paths a user types. Foundation's NSString and URL
/// path methods crash on a one-character path such as `q` (swift-corelibs-foundation with
/// Swift 6.3: an illegal instruction in `String._startOfLastPathComponent`), which made
/// `kplab run x.yaml --out q` die before it began.
public enum PathText {
    /// The folder part: "a/b" → "a", "a/b/" → "a", "b" → "", "/b" → "/", "/" → "/".
    public static func folder(of path: String) -> String {
        let trimmed = withoutTrailingSlashes(Substring(path))
        guard let slash = trimmed.lastIndex(of: "/") else { return "" }
        let folder = withoutTrailingSlashes(trimmed[...slash])
        return String(folder)
    }

    /// The last component: "a/b" → "b", "a/b/" → "b", "b" → "b", "/" → "/".
    public static func name(of path: String) -> String {
        let trimmed = withoutTrailingSlashes(Substring(path))
        guard let slash = trimmed.lastIndex(of: "/"), trimmed != "/" else { return String(trimmed) }
        return String(trimmed[trimmed.index(after: slash)...])
    }

    /// `path` made absolute against the working directory (unchanged when it is absolute).
    public static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }

    /// `path` without the slashes that end it, except a lone "/".
    private static func withoutTrailingSlashes(_ path: Substring) -> Substring {
        var path = path
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        return path
    }
}
