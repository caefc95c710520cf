@testable import Experiments
import Faces
import Testing

/// `data.augment`'s random transforms: both written forms decode to the same ranges, the
/// canonical text keeps probability and amount, and an experiment without them keeps the
/// canonical text it had before they existed (so no finished run changes identity).
@Suite struct AugmentDecodingTests {
    @Test func shortAndLongFormsAndTheirCanonicalText() throws {
        let short = try RunIdentityTests.decode(["data.augment.rotate=10"])
        let long = try RunIdentityTests.decode(["data.augment.rotate={amount: 10, probability: 1}"])
        #expect(short == long)
        #expect(short.data.augment.transforms.rotate == TransformRange(amount: 10))

        let half = try RunIdentityTests.decode(["data.augment.rotate={amount: 10, probability: 0.5}",
                                                "data.augment.brightness=0.1"])
        #expect(half.data.augment.transforms.rotate == TransformRange(amount: 10, probability: 0.5))
        #expect(half.identity.configHash != short.identity.configHash)
        #expect(half.identity.canonicalText.contains("probability: 0.5"))
        #expect(try Experiment.decode(text: half.identity.canonicalText, path: "config.yaml") == half)
        // The batch plan carries them to training.
        #expect(half.batchPlan(seed: 1).transforms == half.data.augment.transforms)
    }

    @Test func withoutTransformsTheCanonicalTextHasNoneOfTheirKeys() throws {
        let plain = try RunIdentityTests.decode(["data.augment.flip=true"])
        for key in ["shift", "rotate", "scale", "brightness", "contrast"] {
            #expect(!plain.identity.canonicalText.contains(key + ":"))
        }
        #expect(plain.batchPlan(seed: 1).transforms.isEmpty)
    }

    /// `train.tta` decodes; left at none, the canonical text has no `tta` key, so runs from
    /// before the key keep their identity.
    @Test func testTimeFlipsAreSetInTrainAndLeftOutOfTheCanonicalTextWhenOff() throws {
        let flipped = try RunIdentityTests.decode(["train.tta=flip"])
        #expect(flipped.train.tta == .flip)
        #expect(flipped.identity.canonicalText.contains("tta: flip"))
        #expect(try Experiment.decode(text: flipped.identity.canonicalText, path: "config.yaml") == flipped)
        let off = try RunIdentityTests.decode(["train.tta=none"])
        #expect(off == (try RunIdentityTests.decode([])))
        #expect(!off.identity.canonicalText.contains("tta"))
    }
}
