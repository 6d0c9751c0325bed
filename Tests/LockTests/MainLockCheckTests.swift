import ForgeTestSupport
import Foundation
import Lock
import Locking
import LockReading
import Spec
import Testing

/// `check` on the committed `specs/main.yaml` and its lock, and on the closure locked before
/// issue 10 (the regression fixture `Fixtures/lock/main-before-issue-10.closure.txt`).
@Suite struct MainLockCheckTests {
    static let specPath = Repository.root.appendingPathComponent("specs/main.yaml").path

    func committed() throws -> (Spec, LockFile) {
        let spec = try #require(SpecLoader.load(path: Self.specPath).spec)
        guard case .success(let lock) = LockReader.readLock(at: LockLocation.defaultPath(forSpec: Self.specPath), for: spec) else {
            Issue.record("specs/main.lock is missing or stale")
            throw CocoaError(.fileReadCorruptFile)
        }
        return (spec, lock)
    }

    @Test func theCommittedLockSatisfiesEveryRequirement() throws {
        let (spec, lock) = try committed()
        let report = ConsistencyCheck(spec: spec, lock: lock, lockPath: "specs/main.lock").run()
        #expect(report.diagnostics.filter { $0.severity == .error }.isEmpty, "\(report.diagnostics.map(\.description))")
        #expect(report.findings.filter { $0.waivedBecause == nil }.isEmpty)
        #expect(report.findings.map(\.requirement).sorted() == ["flashinfer_cubin==0.6.3", "flashinfer_python==0.6.3"])
        let closure = try #require(lock.closure)
        let versions = Dictionary(uniqueKeysWithValues: closure.wheels.map { ($0.name, $0.version) })
        // sglang 0.5.9's own pins, and CUDA 12 bindings for cuda.version 12.8.
        #expect(versions["transformers"] == "4.57.1")
        #expect(versions["torchao"] == "0.9.0")
        #expect(versions["outlines"] == "0.1.11")
        #expect(versions["openai"] == "2.6.1")
        #expect(versions["openai-harmony"] == "0.0.4")
        #expect(versions["cuda-python"] == "12.9.0")
        #expect(versions["cuda-bindings"]?.hasPrefix("12.") == true)
        #expect(closure.packages == closure.wheels.count)
        #expect(closure.excludeNewer == spec.lock.excludeNewer?.value)
        // The closure file is the one the lock names.
        let (packages, diagnostics) = LockReader.readClosure(closure, lockPath: LockLocation.defaultPath(forSpec: Self.specPath))
        #expect(diagnostics.isEmpty)
        #expect(packages?.packages.map { "\($0.normalizedName)==\($0.version)" } == closure.wheels.map { "\($0.name)==\($0.version)" })
    }

    /// The closure `lock` made before issue 10 (Requires-Dist stripped from the resolution): check
    /// now fails on it, at the python-deps entries sglang's pins name and at cuda.version.
    @Test func checkFailsOnTheClosureLockedBeforeIssue10() throws {
        let (spec, lock) = try committed()
        let text = try String(contentsOf: Fixtures.root.appendingPathComponent("lock/main-before-issue-10.closure.txt"), encoding: .utf8)
        let old = try #require(PythonClosureReader.parse(text, source: "old.closure.txt").0)
        var stale = lock
        let current = Dictionary(uniqueKeysWithValues: lock.closure!.wheels.map { ($0.name, $0) })
        // The old set of distributions; their Requires-Dist as the new lock records them for the same name.
        stale.closure!.wheels = old.packages.map { p in
            var d = current[p.normalizedName] ?? LockedClosureWheel(name: p.normalizedName, version: p.version, filename: "\(p.normalizedName)-\(p.version).whl",
                                                                    url: "", sha256: p.sha256[0].hex, size: nil, requiresGlibc: nil)
            d.version = p.version
            return d
        }
        let report = ConsistencyCheck(spec: spec, lock: stale, lockPath: "specs/main.lock").run()
        let errors = report.diagnostics.filter { $0.severity == .error }.map { $0.description.components(separatedBy: "\n")[0] }
        func line(_ name: String) throws -> String {
            let dep = try #require(spec.components.first { $0.name.value == "sglang" }?.pythonDeps.first { $0.name.value == name })
            return "\(Self.specPath):\(dep.name.location.line):\(dep.name.location.column)"
        }
        for (name, pin, installed) in [("transformers", "4.57.1", "5.24.0"), ("torchao", "0.9.0", "0.18.0"), ("outlines", "0.1.11", "1.3.3"),
                                       ("openai", "2.6.1", "3.57.0"), ("openai-harmony", "0.0.4", "0.0.8")] {
            #expect(errors.contains("\(try line(name)): error: sglang 0.5.9 requires '\(name)==\(pin)', but the closure installs \(name) \(installed)"), "\(errors)")
        }
        let cuda = spec.cuda.version.location
        #expect(errors.contains("\(Self.specPath):\(cuda.line):\(cuda.column): error: cuda-bindings 13.5.0 (closure) is built for CUDA 13, but cuda.version is 12.8: cuda-bindings 13.5.0 targets CUDA 13"))
        #expect(errors.count > 6)
    }
}
