import Foundation
import Inference
import Results
import Testing
@testable import Training

/// The statistics behind diagnostics.csv and output_spread, on activations made by hand.
@Suite struct DiagnosticsStatisticsTests {
    @Test func meanAndStandardDeviationOfKnownValues() {
        var moments = Moments()
        moments.add([2, 4, 4, 4])
        moments.add([5, 5, 7, 9])
        #expect(moments.count == 8)
        #expect(moments.mean == 5)
        #expect(moments.standardDeviation == 2)  // the textbook population example
        #expect(Moments().mean.isNaN && Moments().standardDeviation.isNaN)
    }

    @Test func aUnitIsDeadOnlyWhenNoProbeSampleMakesItPositive() {
        // 3 samples × 4 units: unit 0 fires in sample 2 only, unit 1 never (negative), unit 2
        // never (exactly 0, which ReLU passes as 0), unit 3 always.
        var dead = DeadUnits(units: 4)
        dead.observe([-1, -2, 0, 3,
                      -1, -5, 0, 1], count: 2)
        #expect(dead.fraction == 0.75)
        dead.observe([0.5, -1, 0, 2], count: 1)
        #expect(dead.alive == [true, false, false, true])
        #expect(dead.fraction == 0.5)
        #expect(DeadUnits(units: 3).fraction.isNaN)
    }

    @Test func normsAndDistances() {
        #expect(l2Norm([3, 4]) == 5)
        #expect(l2Norm([]) == 0)
        #expect(l2Distance([1, 1, 1], [1, 4, 5]) == 5)
        let norms = DiagnosticsLog.Norms(norm: 2, gradientNorm: 1, updateNorm: 0.004)
        #expect(norms.updateRatio == 0.002)
    }

    @Test func biasShareSeparatesTheInputsPartFromTheBias() {
        // 2 samples of 2 channels × 2 positions; bias per channel [1, −1].
        let bias: [Float] = [1, -1]
        var measurement = LayerProbe.Measurement()
        let outputs: [Float] = [1, 1, -1, -1,   // W·x = 0 everywhere: the bias alone
                                1, 1, -1, -1]
        outputs.withUnsafeBufferPointer { LayerProbe.splitBias($0, bias: bias, perSample: 4, into: &measurement) }
        #expect(measurement.biasShare == 1)
        var balanced = LayerProbe.Measurement()
        let mixed: [Float] = [2, 0, 0, -2]       // W·x = ±1, as large as the bias
        mixed.withUnsafeBufferPointer { LayerProbe.splitBias($0, bias: bias, perSample: 4, into: &balanced) }
        #expect(balanced.biasShare == 0.5)
    }

    /// Two coordinates: predictions and targets for 4 faces, all present unless masked.
    func spread(predictions: [Float], targets: [Float], mask: [Float]? = nil) -> Double {
        var spread = OutputSpread(width: 2)
        let mask = mask ?? [Float](repeating: 1, count: targets.count)
        predictions.withUnsafeBufferPointer { p in
            targets.withUnsafeBufferPointer { t in
                mask.withUnsafeBufferPointer { m in spread.add(predictions: p, targets: t, mask: m, count: 4) }
            }
        }
        return spread.value
    }

    @Test func aConstantPredictorHasNoSpreadAndAFaithfulOneHasOne() {
        let targets: [Float] = [-0.5, 0.2, 0.5, 0.4, -0.5, 0.2, 0.5, 0.4]
        #expect(spread(predictions: [0.1, 0.3, 0.1, 0.3, 0.1, 0.3, 0.1, 0.3], targets: targets) < 1e-6)
        #expect(spread(predictions: targets, targets: targets) == 1)
        // Half the movement of the targets on both coordinates.
        #expect(abs(spread(predictions: targets.map { $0 / 2 }, targets: targets) - 0.5) < 1e-12)
        // A coordinate present on one face only cannot be judged and is left out.
        let mask: [Float] = [1, 1, 1, 0, 1, 0, 1, 0]
        #expect(spread(predictions: targets, targets: targets, mask: mask) == 1)
    }

    @Test func theDetectorFlagsALongEnoughRunOfLowSpreadOnly() {
        let low = CollapseDetector.threshold / 10, high = 0.9
        let patience = CollapseDetector.patience
        // A constant predictor from the first epoch: collapsed once `patience` epochs are in.
        #expect(CollapseDetector.onset(spreads: Array(repeating: 0, count: patience - 1)) == nil)
        #expect(CollapseDetector.onset(spreads: Array(repeating: 0, count: patience)) == 1)
        // A varying predictor never is, even after a slow start.
        #expect(CollapseDetector.onset(spreads: [low, low, low] + Array(repeating: high, count: 20)) == nil)
        // A collapse late in the run begins where the low spreads begin.
        #expect(CollapseDetector.onset(spreads: [high, high, high] + Array(repeating: low, count: patience)) == 4)
        // NaN (a diverged epoch) is not a collapse.
        #expect(CollapseDetector.onset(spreads: Array(repeating: .nan, count: patience)) == nil)

        var watch = CollapseWatch()
        var changes: [CollapseWatch.Change] = []
        for spread in Array(repeating: low, count: patience + 2) + [high] {
            if let change = watch.observe(spread) { changes.append(change) }
        }
        #expect(changes == [.began(epoch: 1), .ended(epoch: patience + 3)])
        // Resumed from a run already collapsed: nothing new to say.
        var resumed = CollapseWatch(spreads: Array(repeating: low, count: patience))
        #expect(resumed.onset == 1 && resumed.observe(low) == nil)
    }

    @Test func theWarningNamesTheLikelyCauses() {
        let text = CollapseDetector.warning(since: 3, spread: 0.004)
        #expect(text.contains("since epoch 3"))
        for cause in ["dead ReLUs", "bias", "learning rate", "kplab diagnose RUN"] { #expect(text.contains(cause)) }
        #expect(text.contains("train with --diagnostics"))
        // A run that records diagnostics is not told to.
        #expect(!CollapseDetector.warning(since: 3, spread: 0.004, recordingDiagnostics: true).contains("train with --diagnostics"))
    }
}
