import Foundation

/// Facts about the machine a run happens on, for run records.
public enum MachineInfo {
    /// `model name` from /proc/cpuinfo (Linux), else the architecture.
    public static var cpuModel: String {
        if let text = String(contentsOfFileAtPath: "/proc/cpuinfo"),
           let line = text.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
           let colon = line.firstIndex(of: ":") {
            return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var info = utsname()
        uname(&info)
        return withUnsafeBytes(of: &info.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    /// Those of the CPU features that choose which code runs (the engine's kernel level, the
    /// C library's libm variants) that this CPU has, e.g. "avx512f avx2 fma".
    public static var cpuFeatures: String {
        let flags = String(contentsOfFileAtPath: "/proc/cpuinfo")?.split(separator: "\n")
            .first(where: { $0.hasPrefix("flags") })
            .map { Set($0.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == ":" }).map(String.init)) } ?? []
        return ["avx512f", "avx2", "fma"].filter(flags.contains).joined(separator: " ")
    }

    /// The C library and its version as it names itself, e.g. "glibc 2.36".
    public static var libc: String {
        #if canImport(Glibc)
        var text = [CChar](repeating: 0, count: 64)
        if confstr(Int32(_CS_GNU_LIBC_VERSION), &text, text.count) > 0 {
            return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        #endif
        return "unknown"
    }

    /// PRETTY_NAME from /etc/os-release plus the kernel release, e.g. "Debian GNU/Linux 12 (bookworm), Linux 6.1".
    public static var operatingSystem: String {
        var info = utsname()
        uname(&info)
        let kernel = withUnsafeBytes(of: &info.sysname) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            + " " + withUnsafeBytes(of: &info.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if let text = String(contentsOfFileAtPath: "/etc/os-release"),
           let line = text.split(separator: "\n").first(where: { $0.hasPrefix("PRETTY_NAME=") }) {
            let name = line.dropFirst("PRETTY_NAME=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            return "\(name), \(kernel)"
        }
        return kernel
    }
}

/// The few git questions a run record asks. Failing quietly is right here: a kplab built
/// outside a repository simply records no commit.
enum Git {
    static func repositoryContaining(path: String) -> String? {
        var url = URL(fileURLWithPath: path).resolvingSymlinksInPath().deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent(".git").path) { return url.path }
            url.deleteLastPathComponent()
        }
        return nil
    }

    static func run(_ arguments: [String], in directory: String) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", directory] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
