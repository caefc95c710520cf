import Foundation

extension RunFolder {
    /// Every run folder (a folder holding `run.json`) at or under each path: a run folder, an
    /// experiment folder, a whole results folder, or a `run.json` file. Folders inside a run
    /// folder and hidden folders are not searched; a folder found twice is listed once. Paths
    /// keep the form they were given in (relative stays relative), in name order throughout,
    /// so the result does not depend on the file system's order.
    ///
    /// - Throws: `UserError` when a path does not exist or holds no run folder.
    public static func find(under paths: [String]) throws -> [RunFolder] {
        var folders: [RunFolder] = []
        var seen: Set<String> = []
        for path in paths {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
                throw UserError("\(path): no such file or folder")
            }
            let start = isFolder.boolValue ? path : PathText.folder(of: path)
            if !isFolder.boolValue && PathText.name(of: path) != "run.json" {
                throw UserError("\(path): not a folder; give a run folder, an experiment folder or a results folder")
            }
            var visited: Set<String> = []
            let found = runFolders(under: start.isEmpty ? "." : trimmed(start), visited: &visited)
            if found.isEmpty {
                throw UserError("\(path): no runs found (no folder under it holds a run.json)")
            }
            for folder in found where seen.insert(resolved(folder)).inserted { folders.append(RunFolder(path: folder)) }
        }
        return folders
    }

    /// Depth-first, children in name order. `visited` holds resolved folders already searched,
    /// so a link back up the tree ends.
    private static func runFolders(under folder: String, visited: inout Set<String>) -> [String] {
        let manager = FileManager.default
        guard visited.insert(resolved(folder)).inserted else { return [] }
        if RunFolder(path: folder).exists { return [folder] }
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
}
