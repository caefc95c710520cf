import ArgumentParser
import Experiments
import Faces
import Foundation

/// `kplab synth`: writes the built-in synthetic faces in Kaggle's training.csv format.
struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Write synthetic faces with exact keypoints in Kaggle's training.csv format.",
        discussion: """
            The faces are the built-in default data: 96×96 grayscale, random pose, lighting, \
            hair, glasses, clutter, blur and noise, deterministic from --seed. With --missing, \
            about 70% of rows keep only the eye centres, nose tip and bottom lip, as in Kaggle's file.
            """
    )

    @Option(help: "Number of faces.")
    var count: Int = 2000

    @Option(help: "Seed: the same seed gives the same bytes.")
    var seed: UInt64 = 7

    @Flag(help: "Leave labels missing in Kaggle's pattern.")
    var missing = false

    @Option(help: "The CSV file to write (replaced whole, never half-written).")
    var out: String

    func validate() throws {
        guard count > 0 else { throw ValidationError("--count must be positive, got \(count)") }
        try PathChecks.outputFile(out, option: "--out")
    }

    func run() throws {
        // Every face is drawn into memory before the file is written: a count that cannot fit
        // is refused now, rather than by an allocation that kills the process.
        let bytes = Double(count) * Double(SyntheticFaces.bytesPerFace)
        guard bytes <= Double(PhysicalMemory.bytes) else {
            printError("error: --count \(count) needs \(byteCountText(bytes)) of memory for the faces "
                       + "(\(SyntheticFaces.bytesPerFace) bytes each), more than this machine's "
                       + "\(byteCountText(Double(PhysicalMemory.bytes))); write fewer faces")
            throw ExitCode(2)
        }
        let generator = SyntheticFaces(count: count, seed: seed, missingLabels: missing)
        try reportingFailures { try generator.generate().write(to: out) }
        print("\(out): \(count) synthetic faces, seed \(seed)\(missing ? ", Kaggle-like missing labels" : "")")
        print("fingerprint \(generator.fingerprint)")
    }
}
