import Foundation
import Testing

/// `kplab check` as people run it: the real binary, its exit status, its two output streams,
/// and the files around it.
@Suite struct CheckCommandTests {
    static let good = """
        name: tiny
        model:
          layers:
            - conv: {filters: 4, kernel: 5, stride: 2}
            - relu
            - maxpool: 2
            - flatten
            - dense: 30
        train: {epochs: 2}
        """

    static let bad = """
        name: tiny
        model:
          layers:
            - convv: {filters: 4, kernel: 5}
            - flatten
            - dense: 30
        train: {epochs: 2}
        """

    @Test func aGoodFilePrintsItsSummaryAndExitsZero() throws {
        let result = try runInScratchFolder(["check", "good.yaml"], files: ["good.yaml": Self.good])
        #expect(result.status == 0)
        #expect(result.standardError == "")
        // Seedless: the seed drawn when it runs is part of the run id, so there is none to show yet.
        #expect(result.standardOutput.hasPrefix("good.yaml: ok\ntiny (seed chosen at random when it runs, and with it the run id)\n"))
        #expect(result.standardOutput.contains("0  conv1     conv 4@5×5/2  4×46×46          104   0.423  xavier-uniform, bias 0"))
        // 4·(5·5·1) + 4 = 104 and 2116·30 + 30 = 63,510 parameters; 2·(4·46·46)·25 = 0.423 MFLOPs.
        #expect(result.standardOutput.contains("63,614 parameters"))
        #expect(result.filesAfterwards == ["good.yaml"])
    }

    @Test func aBadFileExitsTwoWithTheDiagnosticOnStandardErrorAndWritesNothing() throws {
        let result = try runInScratchFolder(["check", "good.yaml", "bad.yaml"],
                                            files: ["good.yaml": Self.good, "bad.yaml": Self.bad])
        #expect(result.status == 2)
        #expect(result.standardError == """
            bad.yaml:4:7: unknown layer 'convv' (did you mean 'conv'?)
                - convv: {filters: 4, kernel: 5}
                  ^
            1 of 2 files with errors

            """)
        #expect(result.standardOutput.hasPrefix("good.yaml: ok\n"))
        #expect(result.filesAfterwards == ["bad.yaml", "good.yaml"])
    }

    @Test func overridesAreCheckedLikeTheFile() throws {
        let result = try runInScratchFolder(["check", "good.yaml", "--set", "train.epoch=3"], files: ["good.yaml": Self.good])
        #expect(result.status == 2)
        #expect(result.standardError.hasPrefix(
            "--set train.epoch=3: unknown key 'train.epoch' (did you mean 'train.epochs'?)\n"))
        let fixed = try runInScratchFolder(["check", "good.yaml", "--set", "model.layers.0.conv.filters=8", "--resolved"],
                                           files: ["good.yaml": Self.good])
        #expect(fixed.status == 0)
        #expect(fixed.standardOutput.contains("      filters: 8\n"))
    }

    @Test func helpExplainsTheCommand() throws {
        let result = try runInScratchFolder(["check", "--help"], files: [:])
        #expect(result.status == 0)
        for phrase in ["USAGE: kplab check", "--set <dotted.key=value>", "--resolved", "Exit status: 0 when every file"] {
            #expect(result.standardOutput.contains(phrase), "missing \(phrase)")
        }
    }
}
