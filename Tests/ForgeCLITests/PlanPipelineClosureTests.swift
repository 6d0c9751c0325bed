import ForgeTestSupport
import Foundation
import LockReading
import Testing
@testable import ForgeCLI

/// `plan` reads the closure file on a thread of its own, at the name a lock conventionally
/// records, while the spec and the lock are decoded: the file the lock really references is the
/// one used and checked, whatever the lock file is called.
@Suite struct PlanPipelineClosureTests {
    /// specs/main.yaml, its lock under `lockName` and its closure and build requirements, copied
    /// into a new directory; returns the spec's and the lock's paths.
    func copyMainSpec(lockName: String) throws -> (spec: String, lock: String) {
        let dir = try Scratch.directory()
        let specs = Repository.root.appendingPathComponent("specs")
        for (from, to) in [("main.yaml", "main.yaml"), ("main.lock", lockName), ("main.closure.txt", "main.closure.txt"), ("main.torch-build.txt", "main.torch-build.txt")] {
            try FileManager.default.copyItem(at: specs.appendingPathComponent(from), to: dir.appendingPathComponent(to))
        }
        return (dir.appendingPathComponent("main.yaml").path, dir.appendingPathComponent(lockName).path)
    }

    @Test func theClosureTheLockReferencesIsUsedUnderAnyLockName() throws {
        let specs = Repository.root.appendingPathComponent("specs")
        let reference = try #require(try Pipeline.plan(
            specAt: specs.appendingPathComponent("main.yaml").path, lockAt: specs.appendingPathComponent("main.lock").path, locked: true))
        // `other.lock` makes the prefetch read `other.closure.txt`, which does not exist; the lock
        // references `main.closure.txt`, which is then read.
        let (spec, lock) = try copyMainSpec(lockName: "other.lock")
        #expect(LockLocation.closureFileName(forLock: lock) == "other.closure.txt")
        let plan = try #require(try Pipeline.plan(specAt: spec, lockAt: lock, locked: true))
        #expect(plan.pythonClosure?.packages == reference.pythonClosure?.packages)
        #expect(plan.pythonClosure?.packages.count == 160)
    }

    @Test func aClosureThatDoesNotMatchTheLockIsRefused() throws {
        let (spec, lock) = try copyMainSpec(lockName: "main.lock")
        let closure = URL(fileURLWithPath: lock).deletingLastPathComponent().appendingPathComponent("main.closure.txt")
        try (try String(contentsOf: closure, encoding: .utf8) + "# edited\n").write(to: closure, atomically: true, encoding: .utf8)
        #expect(try Pipeline.plan(specAt: spec, lockAt: lock, locked: true) == nil)
    }

    @Test func backgroundWorkReturnsItsValueAndMayBeDropped() {
        let work = BackgroundWork { (1...1000).reduce(0, +) }
        #expect(work.wait() == 500_500)
        #expect(work.wait() == 500_500)
        for _ in 0..<50 { _ = BackgroundWork { (1...10_000).reduce(0, +) } }
    }
}
