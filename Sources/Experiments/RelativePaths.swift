import Foundation

extension Decoding {
    /// The absolute form of a path written at `keyPath` (`data.train`), so that a run's
    /// `config.yaml` names the same file from any working directory. A relative path is
    /// relative to the folder of the file it is written in — the experiment file, or the
    /// sweep file for a sweep's settings — and to the working directory for a `--set`, where
    /// the person typed it.
    func absolutePath(_ written: String, at keyPath: [String]) -> String {
        let holder = if let override = override(covering: keyPath) { override.file } else { Optional(source.path) }
        return absolute(written, relativeToFolderOf: holder)
    }
}

/// `written` made absolute against the folder of `file` (itself relative to the working
/// directory unless absolute), or against the working directory when `file` is nil, with
/// `.` and `name/..` folded away (`resolve(_:relativeTo:)`). An absolute path stays as is.
func absolute(_ written: String, relativeToFolderOf file: String?) -> String {
    guard !written.hasPrefix("/") else { return written }
    let workingDirectory = FileManager.default.currentDirectoryPath
    let anchor = file.map { $0.hasPrefix("/") ? $0 : workingDirectory + "/" + $0 } ?? workingDirectory + "/"
    return resolve(written, relativeTo: anchor)
}
