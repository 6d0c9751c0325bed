import Foundation

/// Runs `work(index)` for `0..<count` on several threads and hands the results to one consumer
/// in index order, so the work runs ahead of (and in parallel with) a consumer that must go in
/// order (the archive writer). A result may come with a follow-up, which its thread runs after
/// handing the result over and before it claims the next index (a ``ChunkStream`` fills while
/// the consumer takes from it).
///
/// At most `maxWeight` of results may wait for the consumer (each index weighs
/// `weights[index]`, e.g. the bytes it holds in memory); a single index heavier than that still
/// runs, alone. Results are handed over in order whatever the scheduling, so the output does not
/// depend on the number of threads.
final class OrderedPipeline<Value: Sendable>: @unchecked Sendable {
    /// Guards what the workers claim (``nextClaim``, ``weightAhead``, ``cancelled``,
    /// ``running``, ``claimersWaiting``); workers wait on it for room in the window.
    private let window = NSCondition()
    /// Guards the results (``done``, ``nextTake``); only the consumer waits on it. Two locks, so
    /// that a delivery wakes only the consumer, and only when it waits for that very index, and
    /// taking a result wakes one waiting worker rather than every thread: each wake-up is a
    /// futex call, and one to a sleeping CPU is an inter-processor interrupt (on the 905 MiB
    /// prefix of benchmarks/pack.sh, one shared condition cost 51,255 futex calls).
    private let results = NSCondition()
    /// Results done and not yet taken, by index: at most the read-ahead window's worth, so the
    /// memory does not grow with the number of indices (an array of 51,000 optional results
    /// was 11 MB of fresh pages on the 905 MiB prefix of benchmarks/pack.sh).
    private var done: [Int: Value] = [:]
    private let weights: [Int64]
    private let maxWeight: Int64
    private var nextClaim = 0
    private var nextTake = 0
    private var weightAhead: Int64 = 0
    private var cancelled = false
    private var running = 0
    private var claimersWaiting = 0

    /// Starts `workers` threads (at least 1) working on `0..<weights.count`. `work` returns the
    /// result of an index and what its thread does next, after the result is handed over.
    init(weights: [Int64], maxWeight: Int64, workers: Int, work: @escaping @Sendable (Int) -> (Value, followUp: (() -> Void)?)) {
        self.weights = weights
        self.maxWeight = maxWeight
        let threads = max(1, min(workers, weights.count))
        running = threads
        for _ in 0..<threads {
            let thread = Thread { [self] in
                while let index = claim() {
                    let (value, followUp) = work(index)
                    deliver(index, value)
                    followUp?()
                }
                window.lock()
                running -= 1
                window.broadcast()
                window.unlock()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// One job on a thread of its own: `work()`, computed in the background; ``next()`` waits
    /// for it.
    convenience init(background work: @escaping @Sendable () -> Value) {
        self.init(weights: [0], maxWeight: 0, workers: 1) { _ in (work(), nil) }
    }

    /// Whether the next index fits in the window. Call with ``window`` locked.
    private var roomForNext: Bool {
        nextClaim < weights.count && (weightAhead == 0 || weightAhead + weights[nextClaim] <= maxWeight)
    }

    /// The next index to work on, waiting while the results ahead of the consumer weigh too
    /// much; `nil` when all are claimed or the pipeline was cancelled.
    private func claim() -> Int? {
        window.lock()
        defer { window.unlock() }
        while true {
            if cancelled || nextClaim >= weights.count { return nil }
            if roomForNext {
                weightAhead += weights[nextClaim]
                nextClaim += 1
                // Room for one more: pass the wake-up on to another waiting worker.
                if claimersWaiting > 0 && roomForNext { window.signal() }
                return nextClaim - 1
            }
            claimersWaiting += 1
            window.wait()
            claimersWaiting -= 1
        }
    }

    private func deliver(_ index: Int, _ value: Value) {
        results.lock()
        done[index] = value
        if index == nextTake { results.signal() }
        results.unlock()
    }

    /// The result of the next index in order, waiting for it; `nil` after the last one.
    func next() -> Value? {
        results.lock()
        guard nextTake < weights.count else {
            results.unlock()
            return nil
        }
        var value = done.removeValue(forKey: nextTake)
        while value == nil {
            results.wait()
            value = done.removeValue(forKey: nextTake)
        }
        let taken = nextTake
        nextTake += 1
        results.unlock()
        window.lock()
        weightAhead -= weights[taken]
        if claimersWaiting > 0 && roomForNext { window.signal() }
        window.unlock()
        return value
    }

    /// Stops handing out work and waits until every thread has finished its current index.
    func finish() {
        window.lock()
        cancelled = true
        window.broadcast()
        while running > 0 { window.wait() }
        window.unlock()
    }
}

/// A value handed to another thread, which alone uses it until the handing thread takes that
/// thread's result (``OrderedPipeline/next()``): for a non-`Sendable` object such as libarchive's
/// writer, whose use is sequential but not confined to one thread.
struct Handover<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
