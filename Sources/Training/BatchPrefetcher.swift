import Dispatch
import Faces
import Foundation

/// Prepares the next training batch (gather, flip, warp, normalise) on a thread of its own
/// while the network trains on the current one, so that a step never waits for its data
/// unless preparing a batch takes longer than training on one.
///
///     prefetcher.prefetch(selections[0])
///     for index in selections.indices {
///         let batch = prefetcher.take()           // waits only if the fill is still running
///         if index + 1 < selections.count { prefetcher.prefetch(selections[index + 1]) }
///         train(on: batch)
///     }
///
/// The fill is the same code whatever thread runs it, so prefetching changes no number. Two
/// buffers alternate: the one `take` returns is not written again until the prefetch after
/// the next one.
final class BatchPrefetcher {
    /// One buffer, a class so that the worker fills one while the loop reads the other
    /// without either touching the other's storage.
    private final class Slot: @unchecked Sendable {
        var batch: FaceBatch
        init(_ batch: FaceBatch) { self.batch = batch }
    }

    private let samples: any TrainingSamples
    private let slots: [Slot]
    private let queue = DispatchQueue(label: "kplab.batch-prefetch", qos: .userInitiated)
    /// The slot being filled and the signal that it is done; nil when no fill is pending.
    private var pending: (slot: Slot, done: DispatchSemaphore)?
    private var nextSlot = 0
    /// Seconds `take` has spent waiting for a fill to finish.
    private(set) var waitSeconds = 0.0

    init(samples: any TrainingSamples, capacity: Int) {
        self.samples = samples
        slots = [Slot(samples.makeBatch(capacity: capacity)), Slot(samples.makeBatch(capacity: capacity))]
    }

    /// Starts filling a batch with `selection` on the prefetch thread. The batch before it
    /// must have been taken.
    func prefetch(_ selection: BatchSelection) {
        precondition(pending == nil, "BatchPrefetcher: take the pending batch before prefetching another")
        let slot = slots[nextSlot]
        nextSlot = 1 - nextSlot
        let done = DispatchSemaphore(value: 0)
        let samples = self.samples
        queue.async {
            samples.fill(&slot.batch, with: selection)
            done.signal()
        }
        pending = (slot, done)
    }

    /// The batch of the last `prefetch`, once it is filled.
    func take() -> FaceBatch {
        guard let (slot, done) = pending else { preconditionFailure("BatchPrefetcher: nothing was prefetched") }
        let start = DispatchTime.now()
        done.wait()
        waitSeconds += Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        pending = nil
        return slot.batch
    }

    /// Waits for a fill still running (a loop that stops mid-epoch), so no thread writes a
    /// buffer after the loop is done with it.
    func cancel() {
        if pending != nil { _ = take() }
    }
}
