import ArgumentParser
import Faces

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Results

/// One line on standard error (diagnostics, never mixed into the summaries on standard output).
func printError(_ line: String) {
    fputs(line + "\n", stderr)
}

/// Runs `body`; a failure a person can act on — a bad data file, a run folder that cannot be
/// used — is printed as `error: …` on standard error (without the usage text, since the
/// command line was fine) and becomes exit status 1.
func reportingFailures<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as DataFileError {
        printError("error: \(error)")
        throw ExitCode.failure
    } catch let error as UserError {
        printError("error: \(error)")
        throw ExitCode.failure
    }
}
