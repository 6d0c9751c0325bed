import Foundation
import Testing
@testable import Pack

/// What the workers of a pipeline under test did, in the order they did it.
private final class Log: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [String] = []

    func add(_ event: String) { lock.withLock { events.append(event) } }
    var all: [String] { lock.withLock { events } }
    /// Waits up to `seconds` until `condition` holds for the events; returns whether it did.
    func wait(seconds: Double, until condition: ([String]) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition(all) { return true }
            usleep(2_000)
        }
        return condition(all)
    }
}

@Suite("ordered pipeline")
struct OrderedPipelineTests {
    @Test func resultsComeInIndexOrderWhateverTheScheduling() {
        let count = 300
        var state: UInt32 = 11
        let weights = (0..<count).map { _ -> Int64 in
            state = state &* 1_664_525 &+ 1_013_904_223
            return Int64(state >> 26)  // 0 to 63
        }
        let pipeline = OrderedPipeline<Int>(weights: weights, maxWeight: 100, workers: 6) { index in
            // Later indices often finish first.
            usleep(UInt32((index * 7919) % 500))
            return (index * 3, followUp: nil)
        }
        defer { pipeline.finish() }
        var taken: [Int] = []
        while let value = pipeline.next() { taken.append(value) }
        #expect(taken == (0..<count).map { $0 * 3 })
        #expect(pipeline.next() == nil)
    }

    @Test func theWindowBoundsWhatRunsAheadOfTheConsumer() {
        let log = Log()
        let pipeline = OrderedPipeline<Int>(weights: Array(repeating: 1, count: 20), maxWeight: 3, workers: 8) { index in
            log.add("work \(index)")
            return (index, followUp: nil)
        }
        defer { pipeline.finish() }
        // Nothing taken: three results fit in the window, and no more start however long one
        // waits.
        #expect(log.wait(seconds: 10) { $0.count == 3 })
        usleep(300_000)
        #expect(log.all.count == 3)
        // Taking one makes room for exactly one more.
        #expect(pipeline.next() == 0)
        #expect(log.wait(seconds: 10) { $0.count == 4 })
        usleep(300_000)
        #expect(log.all.count == 4)
    }

    @Test func anIndexHeavierThanTheWindowRunsAlone() {
        let log = Log()
        let pipeline = OrderedPipeline<Int>(weights: [1, 10, 1], maxWeight: 5, workers: 4) { index in
            log.add("work \(index)")
            return (index, followUp: nil)
        }
        defer { pipeline.finish() }
        #expect(log.wait(seconds: 10) { $0 == ["work 0"] })
        usleep(300_000)
        #expect(log.all == ["work 0"])
        #expect(pipeline.next() == 0)
        // Index 1 alone fills more than the window: it starts only when nothing is ahead.
        #expect(log.wait(seconds: 10) { $0 == ["work 0", "work 1"] })
        usleep(300_000)
        #expect(log.all == ["work 0", "work 1"])
        #expect(pipeline.next() == 1)
        #expect(pipeline.next() == 2)
        #expect(pipeline.next() == nil)
    }

    @Test func aFollowUpRunsAfterItsResultIsHandedOverAndBeforeTheNextIndex() {
        let log = Log()
        let taken = [DispatchSemaphore(value: 0), DispatchSemaphore(value: 0)]
        let pipeline = OrderedPipeline<Int>(weights: [1, 1], maxWeight: 10, workers: 1) { index in
            log.add("work \(index)")
            return (index, followUp: {
                // Waits for the consumer to have this result: a follow-up run before the
                // handover would time out here.
                let handed = taken[index].wait(timeout: .now() + 10) == .success
                log.add("follow-up \(index) \(handed ? "after" : "BEFORE") the handover")
            })
        }
        defer { pipeline.finish() }
        #expect(pipeline.next() == 0)
        taken[0].signal()
        #expect(pipeline.next() == 1)
        taken[1].signal()
        #expect(log.wait(seconds: 20) { $0.count == 4 })
        #expect(log.all == ["work 0", "follow-up 0 after the handover", "work 1", "follow-up 1 after the handover"])
    }

    @Test func aBackgroundJobGivesItsValueOnce() {
        let started = DispatchSemaphore(value: 0)
        let pipeline = OrderedPipeline<String>(background: {
            started.signal()
            return "checked"
        })
        defer { pipeline.finish() }
        #expect(started.wait(timeout: .now() + 10) == .success)
        #expect(pipeline.next() == "checked")
        #expect(pipeline.next() == nil)
    }

    @Test func finishStopsHandingOutWorkAndWaitsForTheThreads() {
        let log = Log()
        let pipeline = OrderedPipeline<Int>(weights: Array(repeating: 1, count: 1_000), maxWeight: 4, workers: 3) { index in
            log.add("work \(index)")
            return (index, followUp: nil)
        }
        #expect(pipeline.next() == 0)
        pipeline.finish()
        // Every thread has returned: nothing starts any more.
        let after = log.all.count
        usleep(200_000)
        #expect(log.all.count == after && after < 1_000)
    }
}
