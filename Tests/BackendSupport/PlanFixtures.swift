import BackendCore
import ForgeTestSupport
import Foundation
import Lock
import LockReading
import Planner
import Spec
#if canImport(Testing)
import Testing

/// Build plans of the fixture specs, as the CLI's pipeline makes them, for the backends' tests.
public enum PlanFixtures {
    /// Plans a spec given relative to the package root with the lock beside it (`NAME.lock`),
    /// when there is one, as `emit` does: the lock's closure and build requirements attached, a
    /// stale lock or any error recorded as a test issue. The plan records the relative path, as
    /// the CLI run from the root would.
    public static func plan(_ relativePath: String) throws -> BuildPlan {
        let path = Repository.root.appendingPathComponent(relativePath).path
        let (spec, loadDiagnostics) = SpecLoader.load(path: path)
        let loaded = try #require(spec, "\(loadDiagnostics)")
        let lockPath = String(path.dropLast(".yaml".count)) + ".lock"
        let lock = try FileManager.default.contents(atPath: lockPath).map { try LockCoder.decode($0) }
        if let lock { #expect(LockFreshness.check(lock, against: loaded) == .fresh, "stale \(lockPath)") }
        let (plan, diagnostics) = Planner.plan(loaded, lock: lock)
        #expect(diagnostics.allSatisfy { $0.severity != .error }, "\(diagnostics)")
        var result = try #require(plan)
        // The lock's closure with its chosen wheels, as the CLI's pipeline attaches it.
        if let closure = lock?.closure {
            let (attached, problems) = LockReader.readClosure(closure, lockPath: lockPath)
            #expect(problems.isEmpty, "\(problems)")
            result.pythonClosure = attached
        }
        // And the source components' hashed build requirements.
        if let lock {
            let problems = LockReader.addBuildRequirements(lock, lockPath: lockPath, to: &result)
            #expect(problems.isEmpty, "\(problems)")
        }
        result.spec = relativePath
        return result
    }

    /// Plans spec text (the pinned fixture `Tests/Fixtures/specs/pinned.yaml` unless given) and
    /// attaches the fixture closure and torch's hashed build requirements, as the lock would.
    /// Throws ``FixtureError`` when the spec does not load or plan or a fixture does not parse.
    public static func pinned(_ spec: String? = nil, closure: Bool = true, buildRequirements: Bool = true) throws -> BuildPlan {
        let source = try spec ?? Fixtures.text(Fixtures.pinnedSpec)
        let (decoded, loadDiagnostics) = SpecLoader.decode(Array(source.utf8), path: Fixtures.pinnedSpec)
        let errors = loadDiagnostics.filter { $0.severity == .error }
        guard let decoded, errors.isEmpty else { throw FixtureError("spec does not load: \(errors)") }
        let (planned, planDiagnostics) = Planner.plan(decoded)
        guard var planned else { throw FixtureError("spec does not plan: \(planDiagnostics)") }
        if closure {
            let (parsed, diagnostics) = PythonClosureReader.parse(try Fixtures.text(Fixtures.pinnedClosure), source: Fixtures.pinnedClosure)
            guard let parsed else { throw FixtureError("closure fixture does not parse: \(diagnostics)") }
            planned.pythonClosure = parsed
        }
        if buildRequirements, let torch = planned.components.firstIndex(where: { $0.name == "torch" }) {
            let (parsed, diagnostics) = PythonClosureReader.parse(try Fixtures.text(Fixtures.pinnedTorchBuild), source: Fixtures.pinnedTorchBuild)
            guard let parsed else { throw FixtureError("build-requirements fixture does not parse: \(diagnostics)") }
            planned.components[torch].buildClosure = parsed
        }
        return planned
    }

    /// Writes `files` under `target` (default: a fresh temporary directory) and returns it.
    public static func write(_ files: [GeneratedFile], to target: URL? = nil) throws -> URL {
        let directory = target ?? FileManager.default.temporaryDirectory.appendingPathComponent("forge-emit-\(UUID().uuidString)")
        for file in files {
            let url = directory.appendingPathComponent(file.path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(file.contents.utf8).write(to: url)
        }
        return directory
    }
}

extension Golden {
    /// Compares generated files with the golden directory `directory` through ``Golden/expectTree(_:matches:sourceLocation:)``
    /// (the one golden helper); `directory` is made relative to the package root.
    public static func expect(_ files: [GeneratedFile], matches directory: URL, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let root = Repository.root.standardizedFileURL.path + "/"
        let path = directory.standardizedFileURL.path
        let relative = path.hasPrefix(root) ? String(path.dropFirst(root.count)) : directory.path
        try expectTree(Dictionary(uniqueKeysWithValues: files.map { ($0.path, $0.contents) }), matches: relative, sourceLocation: sourceLocation)
    }
}
#endif
