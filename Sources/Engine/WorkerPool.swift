#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import CKernels

/// Threads that live for the whole process and wake for each parallel section.
///
/// The engine runs dozens of short parallel sections per training step (each layer's
/// forward and backward). Dispatch's `concurrentPerform` lets the calling thread start
/// the work while a pool thread is still waking, and on small sections the caller often
/// finished every chunk alone (2 threads measured at the speed of 1). Here the workers
/// spin between sections (up to `spinSeconds`), then sleep on a condition variable; the
/// caller wakes them, runs its own share and waits for theirs.
///
/// A spinning worker starts without taking a lock: it sees the section in `announcement` and
/// reads `body`, published before it. When workers took the lock to read them, a spinning one
/// often found it still held by the caller's broadcast, slept in the kernel and woke tens of
/// microseconds later, with the caller then waiting for it at the section's end (measured at 2
/// threads, cnn-large: the caller waited 6.5–7.2% of each parallel section, the worker sat idle
/// 4–5%; with this and `Parallelism.largestFirst`, 1.8–4.3% and 1.3–5.8%).
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool()

    /// How long a finished worker spins for the next section before it sleeps, in seconds.
    /// A sleeping worker takes tens of microseconds to wake on a virtual machine, longer than a
    /// small layer's whole section: a bound of 2,000 spins (a few microseconds) let workers
    /// fall asleep between the sections of one step, and cnn-small's dense layers and ReLUs ran
    /// slower at 2 threads than at 1. Spinning through a step's gaps: those layers 1.3–2× at
    /// 2 threads, cnn-small's step 1.0–1.1× (two runs of 6–8 alternations); real nouri runs
    /// unchanged. (Intel's OpenMP runtime spins 200 ms by default.)
    private static let spinSeconds = 200e-6

    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// Held for a whole `run`: one section at a time (several networks may train at once).
    private let runLock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    /// The current section's number and helper count (`section << helperBits | helpers`),
    /// stored by `run` after `body`: workers poll it while spinning, and sleep on `wake` until
    /// it changes.
    private let announcement = Atomic<Int>(0)
    private static let helperBits = 16
    private static let helperMask = 1 << helperBits - 1
    private var body: ((Int) -> Void)?
    /// Guarded by `lock`.
    private var started = 0
    private let remaining = Atomic<Int>(0)

    private init() {
        pthread_mutex_init(lock, nil)
        pthread_mutex_init(runLock, nil)
        pthread_cond_init(wake, nil)
    }

    /// Runs `body(0)` on the calling thread and `body(1)` … `body(workers − 1)` on pool
    /// threads, and returns when all have returned.
    func run(workers: Int, _ body: (Int) -> Void) {
        if workers <= 1 {
            body(0)
            return
        }
        pthread_mutex_lock(runLock)
        defer { pthread_mutex_unlock(runLock) }
        withoutActuallyEscaping(body) { escaping in
            self.body = escaping
            remaining.store(workers - 1, ordering: .relaxed)
            // Published last (releasing): a worker that sees this value sees the body too. Only
            // `run` stores it, so the next section's number comes from the last one.
            let section = (announcement.load(ordering: .relaxed) >> Self.helperBits) + 1
            announcement.store(section << Self.helperBits | (workers - 1), ordering: .releasing)
            pthread_mutex_lock(lock)
            while started < workers - 1 { startThread(index: started + 1) }  // they read it on starting
            pthread_cond_broadcast(wake)
            pthread_mutex_unlock(lock)
            escaping(0)
            var spins = 0
            while remaining.load(ordering: .acquiring) > 0 {
                kp_spin_pause()
                spins += 1
                if spins > 1000 { sched_yield() }
            }
            self.body = nil
        }
    }

    /// Called with `lock` held.
    private func startThread(index: Int) {
        started += 1
        let context = Unmanaged.passRetained(WorkerContext(pool: self, index: index)).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { raw in
            let context = Unmanaged<WorkerContext>.fromOpaque(raw!).takeRetainedValue()
            context.pool.workerLoop(index: context.index)
            return nil
        }, context)
        precondition(status == 0, "could not start an engine thread (pthread_create returned \(status))")
        pthread_detach(thread)
    }

    private func workerLoop(index: Int) {
        var seen = 0
        while true {
            // Spin a while: the next section usually follows within microseconds. The clock is
            // read every 64 pauses.
            let deadline = MonotonicClock.seconds() + Self.spinSeconds
            var spins = 0
            var current = announcement.load(ordering: .acquiring)
            while current == seen {
                kp_spin_pause()
                spins += 1
                if spins % 64 == 0 && MonotonicClock.seconds() > deadline { break }
                current = announcement.load(ordering: .acquiring)
            }
            if current == seen {
                pthread_mutex_lock(lock)
                while announcement.load(ordering: .acquiring) == seen { pthread_cond_wait(wake, lock) }
                pthread_mutex_unlock(lock)
                current = announcement.load(ordering: .acquiring)
            }
            seen = current
            guard index <= current & Self.helperMask else { continue }
            // `body` is this section's until every helper has reported: `run` waits for them.
            var task = body
            task!(index)
            // Drop the reference before reporting: `run` lends a non-escaping closure
            // and checks that no one holds it when it returns.
            task = nil
            remaining.subtract(1, ordering: .releasing)
        }
    }

    private final class WorkerContext {
        let pool: WorkerPool
        let index: Int
        init(pool: WorkerPool, index: Int) {
            self.pool = pool
            self.index = index
        }
    }
}
