import Foundation

/// The runs found under the paths given to `kplab compare`, and what could not be read.
public struct RunDiscovery: Sendable {
    public var runs: [ComparedRun]
    /// One line per folder skipped or shown incompletely, for standard error.
    public var warnings: [String]

    /// Finds every run folder (a folder holding `run.json`) at or under each path: a run
    /// folder, an experiment folder, a whole results folder, or a `run.json` file. Folders
    /// inside a run folder and hidden folders are not searched. A run found twice is read once.
    ///
    /// - Throws: `RunnerError` when a path does not exist, when a path holds no run folder,
    ///   or when no run at all could be read.
    public static func load(paths: [String]) throws -> RunDiscovery {
        var folders: [String] = []
        var seen: Set<String> = []
        for path in paths {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
                throw RunnerError("\(path): no such file or folder")
            }
            let start = isFolder.boolValue ? path : (path as NSString).deletingLastPathComponent
            if !isFolder.boolValue && (path as NSString).lastPathComponent != "run.json" {
                throw RunnerError("\(path): not a folder; give a run folder, an experiment folder or a results folder")
            }
            var visited: Set<String> = []
            let found = runFolders(under: start.isEmpty ? "." : trimmed(start), visited: &visited)
            if found.isEmpty {
                throw RunnerError("\(path): no runs found (no folder under it holds a run.json)")
            }
            for folder in found where seen.insert(resolved(folder)).inserted { folders.append(folder) }
        }
        var runs: [ComparedRun] = []
        var warnings: [String] = []
        for folder in folders {
            do {
                let (run, warning) = try ComparedRun.read(folder: folder)
                runs.append(run)
                if let warning { warnings.append(warning) }
            } catch {
                warnings.append("skipping \(folder): \(error)")
            }
        }
        if runs.isEmpty {
            throw RunnerError("none of the \(folders.count) run folder(s) found could be read:\n  "
                              + warnings.joined(separator: "\n  "))
        }
        return RunDiscovery(runs: runs, warnings: warnings)
    }

    /// Depth-first, children in name order so that output does not depend on the file system.
    /// `visited` holds resolved folders already searched, so a link back up the tree ends.
    private static func runFolders(under folder: String, visited: inout Set<String>) -> [String] {
        let manager = FileManager.default
        guard visited.insert(resolved(folder)).inserted else { return [] }
        if manager.fileExists(atPath: folder + "/run.json") { return [folder] }
        guard let names = try? manager.contentsOfDirectory(atPath: folder) else { return [] }
        var found: [String] = []
        for name in names.sorted() where !name.hasPrefix(".") {
            let child = folder == "/" ? "/" + name : folder + "/" + name
            var isFolder: ObjCBool = false
            guard manager.fileExists(atPath: child, isDirectory: &isFolder), isFolder.boolValue else { continue }
            found += runFolders(under: child, visited: &visited)
        }
        return found
    }

    private static func trimmed(_ path: String) -> String {
        var path = path
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        return path
    }

    private static func resolved(_ path: String) -> String {
        URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path
    }
}
