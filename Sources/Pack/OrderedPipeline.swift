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
    private let condition = NSCondition()
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
                condition.lock()
                running -= 1
                condition.broadcast()
                condition.unlock()
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

    /// The next index to work on, waiting while the results ahead of the consumer weigh too
    /// much; `nil` when all are claimed or the pipeline was cancelled.
    private func claim() -> Int? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if cancelled || nextClaim >= weights.count { return nil }
            let weight = weights[nextClaim]
            if weightAhead == 0 || weightAhead + weight <= maxWeight {
                weightAhead += weight
                nextClaim += 1
                return nextClaim - 1
            }
            condition.wait()
        }
    }

    private func deliver(_ index: Int, _ value: Value) {
        condition.lock()
        done[index] = value
        condition.broadcast()
        condition.unlock()
    }

    /// The result of the next index in order, waiting for it; `nil` after the last one.
    func next() -> Value? {
        condition.lock()
        defer { condition.unlock() }
        guard nextTake < weights.count else { return nil }
        var value = done.removeValue(forKey: nextTake)
        while value == nil {
            condition.wait()
            value = done.removeValue(forKey: nextTake)
        }
        weightAhead -= weights[nextTake]
        nextTake += 1
        condition.broadcast()
        return value
    }

    /// Stops handing out work and waits until every thread has finished its current index.
    func finish() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        while running > 0 { condition.wait() }
        condition.unlock()
    }
}

/// A value handed to another thread, which alone uses it until the handing thread takes that
/// thread's result (``OrderedPipeline/next()``): for a non-`Sendable` object such as libarchive's
/// writer, whose use is sequential but not confined to one thread.
struct Handover<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
