import Foundation

struct CommandResult {
    var status: Int32
    var standardOutput: String
    var standardError: String
    var filesAfterwards: [String]
}

/// Runs kplab with `arguments` in a fresh temporary folder holding `files`, and reports what
/// it printed and which files the folder holds afterwards.
/// `inspect` sees the folder before it is removed.
func runInScratchFolder(_ arguments: [String], files: [String: String],
                        inspect: (URL) throws -> Void = { _ in }) throws -> CommandResult {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kplab-check-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    for (name, text) in files {
        try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }
    let result = try runKplab(arguments, in: folder)
    try inspect(folder)
    return result
}

/// Runs kplab with `arguments` in `folder`, with `environment` added to this process's, and
/// reports what it printed and which files the folder holds afterwards.
func runKplab(_ arguments: [String], in folder: URL, environment: [String: String] = [:]) throws -> CommandResult {
    let process = Process()
    process.executableURL = kplabBinary()
    process.arguments = arguments
    process.currentDirectoryURL = folder
    if !environment.isEmpty {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    let output = Pipe(), error = Pipe()
    process.standardOutput = output
    process.standardError = error
    try process.run()
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = error.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandResult(status: process.terminationStatus,
                         standardOutput: String(decoding: outputData, as: UTF8.self),
                         standardError: String(decoding: errorData, as: UTF8.self),
                         filesAfterwards: try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted())
}

/// `$KPLAB_BINARY` (relative paths are relative to the package root, as the Makefile sets
/// it), else the debug build that `swift test` has just made.
func kplabBinary(filePath: String = #filePath) -> URL {
    let root = URL(fileURLWithPath: filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    guard let configured = ProcessInfo.processInfo.environment["KPLAB_BINARY"], !configured.isEmpty else {
        return root.appendingPathComponent(".build/debug/kplab")
    }
    return configured.hasPrefix("/") ? URL(fileURLWithPath: configured) : root.appendingPathComponent(configured)
}
