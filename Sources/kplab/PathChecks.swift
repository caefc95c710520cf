import ArgumentParser
import Foundation
import Results

/// Checks of path options made in `validate()`, before anything is read or written, so that a
/// path that cannot work is a usage error naming the option (exit status 2) and not a system
/// error from deep inside ("NSCocoaErrorDomain error 512").
enum PathChecks {
    /// `path` is a folder, or can be made one: nothing on the way to it is a file.
    static func folder(_ path: String, option: String) throws {
        if let kind = kind(of: path) {
            guard kind == .folder else { throw ValidationError("\(option) \(path): is a file, not a folder") }
            return
        }
        try parentIsFolder(path, option: option, mustExist: false)
    }

    /// `path` can be written as a file: it is not a folder, and its folder exists.
    static func outputFile(_ path: String, option: String) throws {
        if kind(of: path) == .folder {
            throw ValidationError("\(option) \(path): is a folder, not a file (name the file to write)")
        }
        try parentIsFolder(path, option: option, mustExist: true)
    }

    private enum Kind { case file, folder }

    private static func kind(of path: String) -> Kind? {
        // "notes.txt/" does not exist as far as the system is concerned; it names notes.txt.
        var path = path
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { return nil }
        return isFolder.boolValue ? .folder : .file
    }

    /// The nearest existing folder above `path` must be a folder (and, with `mustExist`, be
    /// `path`'s own folder). Paths stay as given (relative ones relative), for the message.
    private static func parentIsFolder(_ path: String, option: String, mustExist: Bool) throws {
        func above(_ path: String) -> String { PathText.folder(of: path) }
        var parent = above(path)
        var missing: String?
        while !parent.isEmpty, parent != "/", kind(of: parent) == nil {
            missing = missing ?? parent
            parent = above(parent)
        }
        if !parent.isEmpty, kind(of: parent) == .file {
            throw ValidationError("\(option) \(path): \(parent) is a file, not a folder")
        }
        if mustExist, let missing {
            throw ValidationError("\(option) \(path): the folder \(missing) does not exist")
        }
    }
}
