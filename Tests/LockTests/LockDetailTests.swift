import ForgeTestSupport
import Foundation
import Lock
import Testing

/// `LockCoder.decode(_:detail:)` on the real lock: the full decode round-trips byte for byte, and
/// the planner's decode differs only in the closure wheels' Requires-Dist.
struct LockDetailTests {
    static let data: Data = (try? Data(contentsOf: Repository.root.appendingPathComponent("specs/main.lock"))) ?? Data()

    @Test func fullDecodeRoundTripsTheCommittedLock() throws {
        let lock = try LockCoder.decode(Self.data)
        #expect(LockCoder.encode(lock) == Self.data)
        let wheels = try #require(lock.closure?.wheels)
        #expect(wheels.count > 100)
        #expect(wheels.contains { !$0.requiresDist.isEmpty })
    }

    @Test func withoutClosureRequirementsLeavesOnlyThoseOut() throws {
        var full = try LockCoder.decode(Self.data)
        let partial = try LockCoder.decode(Self.data, detail: .withoutClosureRequirements)
        #expect(partial.closure?.wheels.allSatisfy { $0.requiresDist.isEmpty } == true)
        // Component artifacts keep theirs.
        #expect(partial.artifacts.map(\.requiresDist) == full.artifacts.map(\.requiresDist))
        for index in full.closure?.wheels.indices ?? 0..<0 { full.closure?.wheels[index].requiresDist = [] }
        #expect(partial == full)
    }

    @Test func closureWheelFieldErrorsAreStillReported() throws {
        var text = String(decoding: Self.data, as: UTF8.self)
        let wheels = try #require(text.range(of: "\"wheels\" : ["))
        let range = try #require(text.range(of: "\"metadata\" : \"wheel-range\"", range: wheels.upperBound..<text.endIndex))
        text.replaceSubrange(range, with: "\"metadata\" : \"telepathy\"")
        for detail in [LockCoder.Detail.full, .withoutClosureRequirements] {
            #expect(throws: LockError.self) { try LockCoder.decode(Data(text.utf8), detail: detail) }
        }
    }
}
