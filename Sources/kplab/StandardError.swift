#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One line on standard error (diagnostics, never mixed into the summaries on standard output).
func printError(_ line: String) {
    fputs(line + "\n", stderr)
}
