import Foundation
import Testing

/// The command line's own errors: every usage mistake exits with status 2 (as the README and
/// every help page say) with a message naming what is wrong, and nothing is written.
@Suite struct CommandLineTests {
    static let files = ["x.yaml": "name: x\nmodel: {layers: [flatten, {dense: 30}]}\ntrain: {epochs: 1}\n", "notes.txt": "hi\n"]

    func kplab(_ arguments: String...) throws -> CommandResult {
        let result = try runInScratchFolder(arguments, files: Self.files)
        #expect(result.filesAfterwards == ["notes.txt", "x.yaml"], "kplab \(arguments) wrote something")
        return result
    }

    @Test func anUnknownCommandIsAnErrorThatSuggestsTheClosest() throws {
        let typo = try kplab("rnu", "x.yaml")
        #expect(typo.status == 2)
        #expect(typo.standardError.hasPrefix("Error: unknown command 'rnu' (did you mean 'run'?)\n"))
        #expect(try kplab("evalute").standardError.hasPrefix("Error: unknown command 'evalute' (did you mean 'evaluate'?)\n"))
        let file = try kplab("x.yaml")
        #expect(file.status == 2)
        #expect(file.standardError.hasPrefix("Error: unknown command 'x.yaml' (to train it: kplab run x.yaml)\n"))
    }

    @Test func helpForACommandThatDoesNotExistIsAnError() throws {
        let missing = try kplab("help", "nonexistent")
        #expect(missing.status == 2)
        #expect(missing.standardError.hasPrefix("Error: help: unknown command 'nonexistent'\n"))
        #expect(missing.standardOutput.isEmpty)
        #expect(try kplab("help", "run", "extra").status == 2)
        let help = try kplab("help", "run")
        #expect(help.status == 0 && help.standardOutput.hasPrefix("OVERVIEW: Train one experiment"))
        #expect(try kplab("--help").status == 0)
        #expect(try kplab("--version").status == 0)
    }

    @Test func parserErrorsExitTwoNotSixtyFour() throws {
        let unknownOption = try kplab("run", "x.yaml", "--bogus")
        #expect(unknownOption.status == 2)
        #expect(unknownOption.standardError.hasPrefix("Error: Unknown option '--bogus'"))
        #expect(try kplab("run").status == 2, "missing argument")
        #expect(try kplab("evaluate", "r", "--data", "d.csv", "--threads", "two").status == 2, "not a number")
        #expect(try kplab("show", "--data", "d.csv", "--out", "a.png", "--scale", "9").status == 2, "validate()")
    }

    @Test func negativeNumbersReachTheOptionsOwnCheck() throws {
        for (arguments, message) in [
            (["run", "x.yaml", "--threads", "-1"], "Error: --threads must be 1 to 1024, got -1\n"),
            (["bench", "--arch", "mlp", "--steps", "-5"], "Error: --steps must be at least 1, got -5\n"),
            (["sweep", "x.yaml", "--jobs", "-2"], "Error: --jobs must be at least 1\n"),
            (["evaluate", "r", "--data", "d.csv", "--batch-size", "-3"], "Error: --batch-size must be at least 1\n"),
            (["show", "--data", "d.csv", "--out", "a.png", "--rows", "-3"],
             "Error: --rows -3: '-3' is not a row number or a range such as 0-23 (rows are counted from 0)\n"),
        ] {
            let result = try runInScratchFolder(arguments, files: Self.files)
            #expect(result.status == 2, "\(arguments)")
            #expect(result.standardError.hasPrefix(message), "\(arguments): \(result.standardError)")
        }
    }

    @Test func thousandsOfThreadsOrAHugeRowListAreRefusedAtOnce() throws {
        #expect(try kplab("run", "x.yaml", "--threads", "100000").standardError.hasPrefix("Error: --threads must be 1 to 1024, got 100000\n"))
        let rows = try kplab("show", "--data", "d.csv", "--out", "a.png", "--rows", "0-999999999999")
        #expect(rows.status == 2)
        #expect(rows.standardError.hasPrefix("Error: --rows 0-999999999999 selects more than 400 rows"))
    }

    @Test func anEmptyPathIsAnErrorNotTheWorkingFolder() throws {
        for arguments in [["run", "x.yaml", "--out", ""], ["run", "x.yaml", "--out="], ["inspect", ""],
                          ["show", "--data", "", "--out", "a.png"], ["predict", "", "--data", "d.csv", "--submission", "s.csv"],
                          ["compare", ""], ["sweep", "x.yaml", "--out", ""]] {
            let result = try runInScratchFolder(arguments, files: Self.files)
            #expect(result.status == 2, "\(arguments)")
            #expect(result.standardError.contains("empty"), "\(arguments): \(result.standardError)")
            #expect(result.filesAfterwards == ["notes.txt", "x.yaml"])
        }
        #expect(try kplab("run", "x.yaml", "--out", "").standardError.hasPrefix(
            "Error: empty argument after '--out': give a value (an empty path would mean the working folder)\n"))
    }

    @Test func aPathOfTheWrongKindIsNamed() throws {
        let file = try kplab("run", "x.yaml", "--out", "notes.txt")
        #expect(file.status == 2)
        #expect(file.standardError.hasPrefix("Error: --out notes.txt: is a file, not a folder\n"))
        #expect(try kplab("run", "x.yaml", "--out", "notes.txt/runs").standardError.hasPrefix(
            "Error: --out notes.txt/runs: notes.txt is a file, not a folder\n"))
        #expect(try kplab("sweep", "x.yaml", "--out", "notes.txt").standardError.hasPrefix("Error: --out notes.txt: is a file, not a folder\n"))
        #expect(try kplab("reproduce", "r", "--out", "notes.txt").standardError.hasPrefix("Error: --out notes.txt: is a file, not a folder\n"))
        #expect(try kplab("predict", "r", "--data", "d.csv", "--submission", "missing/s.csv").standardError.hasPrefix(
            "Error: --submission missing/s.csv: the folder missing does not exist\n"))
        #expect(try kplab("show", "--data", "d.csv", "--out", ".").standardError.hasPrefix(
            "Error: --out .: is a folder, not a file (name the file to write)\n"))
        #expect(try kplab("compare", ".", "--html", "notes.txt/r.html").standardError.hasPrefix(
            "Error: --html notes.txt/r.html: notes.txt is a file, not a folder\n"))
        #expect(try kplab("synth", "--count", "2", "--out", "missing/s.csv").standardError.hasPrefix(
            "Error: --out missing/s.csv: the folder missing does not exist\n"))
    }
}
