import ForgeTestSupport
import Foundation
import Lock
import Locking
import LockReading
import Spec
import Testing
@testable import ForgeCLI

/// The CLI's plan pipeline with a lock: a fresh lock is used, a missing one refused under
/// `--locked`, a stale one refused always (the lock itself is tested in LockTests).
@Suite(.serialized) struct PlanPipelineLockTests {
    /// Writes the fixture spec for `index` into a new directory; returns the spec path.
    func writeSpec(index: String, edit: (String) -> String = { $0 }) throws -> String {
        let template = try String(contentsOf: Fixtures.root.appendingPathComponent("lock/spec.yaml.template"), encoding: .utf8)
        let dir = try Scratch.directory()
        let path = dir.appendingPathComponent("demo.yaml").path
        try edit(template.replacingOccurrences(of: "{index}", with: index)).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func lock(specAt path: String, cache: URL) async throws -> (LockFile?, [Diagnostic]) {
        let (spec, diagnostics) = SpecLoader.load(path: path)
        let loaded = try #require(spec, "\(diagnostics)")
        let settings = Locker.Settings(closure: false, cacheDirectory: cache, timeout: 10, attempts: 1, askGitHub: false)
        let outcome = await Locker(spec: loaded, lockPath: LockLocation.defaultPath(forSpec: path), previous: nil, settings: settings).run()
        return (outcome.lock, outcome.diagnostics)
    }

    @Test func planUsesAFreshLockAndRefusesAStaleOne() async throws {
        let index = try FixtureIndex()
        defer { index.stop() }
        let specPath = try writeSpec(index: index.root)
        let lockPath = LockLocation.defaultPath(forSpec: specPath)
        // --locked without a lock: error.
        #expect(try Pipeline.plan(specAt: specPath, lockAt: lockPath, locked: true) == nil)
        // Without --locked and without a lock: planned, index wheels have no artifact.
        let unlocked = try #require(try Pipeline.plan(specAt: specPath, lockAt: lockPath, locked: false))
        #expect(unlocked.components.first { $0.name == "alpha" }?.artifact == nil)

        let (lock, diagnostics) = try await lock(specAt: specPath, cache: try Scratch.directory())
        try LockCoder.encode(try #require(lock, "\(diagnostics)")).write(to: URL(fileURLWithPath: lockPath))
        let plan = try #require(try Pipeline.plan(specAt: specPath, lockAt: lockPath, locked: true))
        let artifact = try #require(plan.components.first { $0.name == "alpha" }?.artifact)
        #expect(artifact.filename == "alpha-1.0-cp312-cp312-manylinux_2_17_x86_64.whl")
        #expect(artifact.digest.hex == lock?.artifact(of: "alpha")?.sha256)
        #expect(artifact.origin == .index)
        #expect(plan.runtime.glibc.minimum?.description == "2.17")

        // Edit a pin: the lock is stale, and plan refuses it even without --locked.
        let edited = try String(contentsOfFile: specPath, encoding: .utf8).replacingOccurrences(of: "  beta:\n    version: 1.0", with: "  beta:\n    version: 1.1")
        try edited.write(toFile: specPath, atomically: true, encoding: .utf8)
        let spec = try #require(SpecLoader.load(path: specPath).spec)
        guard case .failure(.stale(let reasons)) = LockReader.readLock(at: lockPath, for: spec) else {
            Issue.record("a lock made for beta 1.0 was accepted for beta 1.1")
            return
        }
        #expect(reasons == ["component 'beta': 1.1 in the spec, 1.0 in the lock"])
        #expect(try Pipeline.plan(specAt: specPath, lockAt: lockPath, locked: false) == nil)

        // Editing a comment or a note does not make it stale.
        try (try String(contentsOf: URL(fileURLWithPath: specPath), encoding: .utf8).replacingOccurrences(of: "version: 1.1", with: "version: 1.0") + "# trailing comment\n")
            .write(toFile: specPath, atomically: true, encoding: .utf8)
        #expect(try Pipeline.plan(specAt: specPath, lockAt: lockPath, locked: true) != nil)
    }
}
