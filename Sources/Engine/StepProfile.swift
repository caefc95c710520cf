#if canImport(Glibc)
import Glibc
#endif

/// Where a network's training steps spend their time: wall-clock seconds, summed over the
/// steps recorded, of each step of the training plan (a layer, or a fused group) forward and
/// backward, and of copying the batch in. These are the figures in place, which products
/// measured alone do not give: operands cold from the layer before, helper threads waking,
/// work that runs on one thread. Collected while `Network.profile` is set; each step of the
/// plan then costs two clock reads more.
public final class StepProfile {
    /// Per step of the training plan, the nodes it runs: one, or a fused group in order.
    public let stepNodes: [[Int]]
    public private(set) var forwardSeconds: [Double]
    public private(set) var backwardSeconds: [Double]
    /// Copying the caller's batch into the network's input buffer.
    public private(set) var inputCopySeconds: Double = 0
    /// Training forward passes recorded.
    public private(set) var steps = 0

    init(stepNodes: [[Int]]) {
        self.stepNodes = stepNodes
        forwardSeconds = Array(repeating: 0, count: stepNodes.count)
        backwardSeconds = Array(repeating: 0, count: stepNodes.count)
    }

    func addForward(step: Int, since start: Double) { forwardSeconds[step] += MonotonicClock.seconds() - start }
    func addBackward(step: Int, since start: Double) { backwardSeconds[step] += MonotonicClock.seconds() - start }
    /// Once per training forward (the copy always runs in training), so it counts the steps too.
    func addInputCopy(since start: Double) {
        inputCopySeconds += MonotonicClock.seconds() - start
        steps += 1
    }
}

/// Seconds on the system's monotonic clock, from an arbitrary start: for intervals.
public enum MonotonicClock {
    public static func seconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }
}
