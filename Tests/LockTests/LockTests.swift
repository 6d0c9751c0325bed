import ForgeTestSupport
import Foundation
import Lock
import Locking
import LockReading
import Spec
import Testing

/// `sglang-forge lock` end to end against the fixture index, the golden lock, staleness and the
/// consistency check.
@Suite(.serialized) struct LockTests {
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

    @Test func goldenLockOfTheFixtureSpec() async throws {
        let index = try FixtureIndex()
        defer { index.stop() }
        let specPath = try writeSpec(index: index.root)
        let (lock, diagnostics) = try await lock(specAt: specPath, cache: try Scratch.directory())
        let locked = try #require(lock, "\(diagnostics)")
        let spec = try #require(SpecLoader.load(path: specPath).spec)
        #expect(locked.spec.inputsSha256 == LockInputs(spec: spec).fingerprint())
        let text = String(decoding: LockCoder.encode(locked), as: UTF8.self)
            .replacingOccurrences(of: "127.0.0.1:\(index.port)", with: "127.0.0.1:{port}")
            .replacingOccurrences(of: locked.spec.inputsSha256, with: "{inputs-sha256}")
        let golden = Fixtures.root.appendingPathComponent("lock/expected.lock")
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" { try text.write(to: golden, atomically: true, encoding: .utf8) }
        #expect(text == (try String(contentsOf: golden, encoding: .utf8)))
        // Round trip: the bytes decode to the same lock.
        #expect(try LockCoder.decode(LockCoder.encode(locked)) == locked)
    }

    @Test func checkReportsBothSidesWaiversAndUnusedWaivers() async throws {
        let index = try FixtureIndex()
        defer { index.stop() }
        // Without the waiver: the disagreement is an error at beta's pin, with the wheel side as a note.
        let specPath = try writeSpec(index: index.root) { $0.replacingOccurrences(of: "      - requirement: beta==0.9\n        reason: the fixture pins beta 1.0 on purpose\n", with: "") }
        let (lock, diagnostics) = try await lock(specAt: specPath, cache: try Scratch.directory())
        let locked = try #require(lock, "\(diagnostics)")
        let spec = try #require(SpecLoader.load(path: specPath).spec)
        let report = ConsistencyCheck(spec: spec, lock: locked, lockPath: "demo.lock").run()
        let lines = report.diagnostics.map(\.description)
        #expect(lines.contains("\(specPath):52:14: error: alpha 1.0 requires 'beta==0.9', but the spec pins beta 1.0\ndemo.lock: note: alpha-1.0-cp312-cp312-manylinux_2_17_x86_64.whl declares 'Requires-Dist: beta==0.9' (locked in demo.lock)\n\(specPath):43:3: note: fix the pin, or waive it with a reason under 'waivers:' of component 'alpha'"))
        #expect(lines.contains("\(specPath):49:22: warning: unused waiver: no locked wheel of component 'alpha' declares 'gamma>=2' in disagreement with the spec"))
        // numpy is a python-dep (provided); pywin32 and pytest do not apply (markers, extras).
        #expect(report.unprovided.isEmpty)
        #expect(report.findings.map(\.requirement) == ["beta==0.9"])

        // With the waiver (the template's): no error, the finding is waived.
        let waivedPath = try writeSpec(index: index.root)
        let waivedSpec = try #require(SpecLoader.load(path: waivedPath).spec)
        let waived = ConsistencyCheck(spec: waivedSpec, lock: locked, lockPath: "demo.lock").run()
        #expect(!waived.diagnostics.contains { $0.severity == .error })
        #expect(waived.findings.first?.waivedBecause == "the fixture pins beta 1.0 on purpose")

        // Listing numpy under lock.unprovided-requirements: the requirement is neither checked nor resolved.
        let leftOutPath = try writeSpec(index: index.root) {
            $0.replacingOccurrences(of: "    python-deps: [numpy]\n", with: "")
                .replacingOccurrences(of: "lock:\n", with: "lock:\n  unprovided-requirements:\n    - package: NumPy\n      reason: the demo never imports it\n")
        }
        let leftOutSpec = try #require(SpecLoader.load(path: leftOutPath).spec)
        let leftOut = ConsistencyCheck(spec: leftOutSpec, lock: locked, lockPath: "demo.lock").run()
        #expect(leftOut.unprovided.map(\.component) == ["alpha"])
        #expect(leftOut.unprovided.first?.requirements == ["numpy>=1.26"])
    }

    @Test func theOldPolicyFormOfUnprovidedRequirementsIsRefusedWithTheNewForm() throws {
        let path = try writeSpec(index: "https://pypi.org/simple/") { $0.replacingOccurrences(of: "lock:\n", with: "lock:\n  unprovided-requirements: warn\n") }
        let diagnostics = SpecLoader.load(path: path).diagnostics.map(\.description)
        #expect(diagnostics.contains { $0.hasPrefix("\(path):41:28: error: 'unprovided-requirements' in 'lock' is a list of the packages the runtime deliberately leaves out") }, "\(diagnostics)")
    }
}
