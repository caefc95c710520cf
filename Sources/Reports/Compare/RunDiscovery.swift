import Results

/// The runs found under the paths given to `kplab compare`, and what could not be read.
public struct RunDiscovery: Sendable {
    public var runs: [ComparedRun]
    /// One line per folder skipped or shown incompletely, for standard error.
    public var warnings: [String]

    /// Reads every run folder at or under each path (`RunFolder.find(under:)`).
    ///
    /// - Throws: `UserError` when a path does not exist, when a path holds no run folder,
    ///   or when no run at all could be read.
    public static func load(paths: [String]) throws -> RunDiscovery {
        let folders = try RunFolder.find(under: paths)
        var runs: [ComparedRun] = []
        var warnings: [String] = []
        for folder in folders {
            do {
                let (run, warning) = try ComparedRun.read(folder)
                runs.append(run)
                if let warning { warnings.append(warning) }
            } catch {
                warnings.append("skipping \(folder.path): \(error)")
            }
        }
        if runs.isEmpty {
            throw UserError("none of the \(folders.count) run folder(s) found could be read:\n  "
                              + warnings.joined(separator: "\n  "))
        }
        return RunDiscovery(runs: runs, warnings: warnings)
    }
}
