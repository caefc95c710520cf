import Engine
@testable import Experiments
import Faces
import Testing
import YAML

/// Cascade files: what decodes, the first line of each error with its position, and the
/// canonical form that a run records.
@Suite struct CascadeDecodingTests {
    static let file = """
        name: refine
        seed: 5
        cascade:
          level1: ../results/realfaces/realfaces-1a2b3c4d
          patch: 20
          jitter: 2.5
          groups: [[left_eye_center, right_eye_center], nose_tip]
          model:
            layers:
              - conv: {filters: 8, kernel: 3}
              - relu
              - flatten
              - dense: 32
              - relu
        train: {epochs: 10, optimizer: adam}
        """

    static func decode(_ text: String, _ sets: [String] = []) throws -> CascadeExperiment {
        try CascadeExperiment.decode(text: text, path: "/work/exp/c.yaml", overrides: sets.map { try Override(parsing: $0) })
    }

    /// The first line of the error for `text` with `line` replaced, without the file name.
    static func error(replacing old: String, with new: String, _ sets: [String] = []) -> String? {
        do {
            _ = try decode(file.replacingOccurrences(of: old, with: new), sets)
            return nil
        } catch {
            let first = String("\(error)".prefix { $0 != "\n" })
            return first.hasPrefix("/work/exp/c.yaml:") ? String(first.dropFirst("/work/exp/c.yaml:".count)) : first
        }
    }

    @Test func aCascadeDecodesWithItsGroupsPatchAndLevel2Nets() throws {
        let cascade = try Self.decode(Self.file)
        #expect(cascade.name == "refine")
        #expect(cascade.seed == 5)
        #expect(cascade.cascade.level1.path == "/work/results/realfaces/realfaces-1a2b3c4d")
        #expect(!cascade.cascade.level1.isExperimentFile)
        #expect(cascade.cascade.patch == 20 && cascade.cascade.jitter == 2.5)
        #expect(cascade.cascade.groups == [[.leftEyeCenter, .rightEyeCenter], [.noseTip]])
        #expect(cascade.train.epochs == 10)
        // Each net reads a 20×20 patch and ends in its group's coordinates.
        let eyes = try ModelSummary(model: cascade.cascade.level2Model(group: 0))
        #expect(eyes.input == Shape(channels: 1, height: 20, width: 20))
        #expect(eyes.rows.last?.output.count == 4)
        #expect(try ModelSummary(model: cascade.cascade.level2Model(group: 1)).rows.last?.output.count == 2)
    }

    @Test func theDefaultsAreANetPerKeypointOn24PixelPatches() throws {
        let cascade = try Self.decode("""
            cascade: {level1: l1.yaml, model: {layers: [flatten, {dense: 16}]}}
            train: {epochs: 1}
            """)
        #expect(cascade.name == "c")
        #expect(cascade.cascade.level1.isExperimentFile && cascade.cascade.level1.path == "/work/exp/l1.yaml")
        #expect(cascade.cascade.groups.count == 15 && cascade.cascade.patch == 24 && cascade.cascade.jitter == 2)
    }

    @Test func theCanonicalFormDecodesToTheSameCascadeAndNamesLevel1sIdentity() throws {
        var cascade = try Self.decode(Self.file)
        let unresolved = cascade.canonicalText
        #expect(try Self.decode(unresolved) == cascade)
        cascade.cascade.level1.configHash = String(repeating: "ab", count: 32)
        cascade.cascade.level1.dataFingerprint = String(repeating: "cd", count: 32)
        let resolved = cascade.canonicalText
        #expect(resolved.contains("config_hash: abab") && resolved.contains("data_fingerprint: cdcd"))
        #expect(try Self.decode(resolved) == cascade)
        // Another level 1 (or the same trained on other faces) is another run.
        var other = cascade
        other.cascade.level1.dataFingerprint = String(repeating: "ef", count: 32)
        #expect(other.identity.runID != cascade.identity.runID)
        #expect(cascade.identity.runID.hasPrefix("refine-"))
    }

    @Test func aKeyOfTheCascadeChangesItsIdentity() throws {
        let base = try Self.decode(Self.file).identity.runID
        for set in ["cascade.patch=16", "cascade.jitter=1", "cascade.groups=per-keypoint", "cascade.level1=other.yaml",
                    "cascade.model.layers.3.dense=16", "train.epochs=11", "seed=6"] {
            #expect(try Self.decode(Self.file, [set]).identity.runID != base, "\(set)")
        }
    }

    static let errors: [(old: String, new: String, message: String)] = [
        ("groups: [[left_eye_center, right_eye_center], nose_tip]", "groups: [[left_eye_centre], nose_tip]",
         "7:13: unknown keypoint 'left_eye_centre' (did you mean 'left_eye_center'?)"),
        ("groups: [[left_eye_center, right_eye_center], nose_tip]", "groups: [[nose_tip, right_eye_center], nose_tip]",
         "7:42: nose_tip is already in group 0 (groups count from 0); a keypoint is refined by one level-2 net"),
        ("groups: [[left_eye_center, right_eye_center], nose_tip]", "groups: [[], nose_tip]",
         "7:12: a group needs at least one keypoint"),
        ("groups: [[left_eye_center, right_eye_center], nose_tip]", "groups: every-keypoint",
         "7:11: unknown keypoint grouping 'every-keypoint' (did you mean 'per-keypoint'?)"),
        ("patch: 20", "patch: 128", "5:10: patch must be at most 96 (the whole face), found 128"),
        ("patch: 20", "patch: 4", "5:10: patch must be at least 8, found 4"),
        ("jitter: 2.5", "jitter: 10", "6:11: jitter must be less than half the patch (20 px), found 10.0: a keypoint could then fall outside its patch"),
        ("jitter: 2.5", "jitter: -1", "6:11: jitter must be at least 0, found -1"),
        ("  level1: ../results/realfaces/realfaces-1a2b3c4d\n", "",
         "4:3: missing required key 'level1' in 'cascade' (e.g. level1: results/realfaces/realfaces-1a2b3c4d)"),
        ("      - flatten\n      - dense: 32\n      - relu\n", "",
         "11:9: cascade.model.layers.1: the cascade ends each level-2 net with 'dense: 2', which fails: dense needs a flat input but gets 8×18×18; add '- flatten' before it"),
        ("- conv: {filters: 8, kernel: 3}", "- conv: {filters: 8, kernel: 30}", "10:9: cascade.model.layers.0: conv kernel 30×30 is larger than its input 1×20×20 (padding 0)"),
        ("train: {epochs: 10, optimizer: adam}", "train: {epochs: 10, tta: flip}",
         "15:26: train.tta: a cascade's level-2 nets cannot average with mirror images (a mirrored patch of one keypoint shows its mirror twin); remove it — level 1 keeps its own"),
        ("  patch: 20\n", "  patches: 20\n", "5:3: unknown key 'patches' in 'cascade' (did you mean 'patch'?)"),
        ("  level1: ../results/realfaces/realfaces-1a2b3c4d\n", "  level1: {run: x, config_hash: 12}\n",
         "4:33: config_hash must be 64 hex digits (as run.json records it), found '12'"),
    ]

    @Test(arguments: errors.indices) func aMistakeIsNamedAtItsLine(_ index: Int) {
        let (old, new, message) = Self.errors[index]
        #expect(Self.file.contains(old))
        #expect(Self.error(replacing: old, with: new) == message)
    }

    @Test func aCascadeIsNotReadAsASingleNetworksExperiment() {
        #expect {
            try Experiment.decode(text: Self.file, path: "c.yaml")
        } throws: { error in
            "\(error)".contains("this is a cascade (it has 'cascade:'), not a single network's experiment")
        }
    }
}
