import ForgeTestSupport
import Foundation
import Lock
import Locking
import LockReading
import PackageIndex
import Packaging
import Planner
import Spec
import Testing

/// `lock`'s closure resolution with uv against the fixture index on 127.0.0.1: component
/// requirements constrain it, the CUDA release constrains it, `exclude-newer` bounds it, and an
/// unsatisfiable pair of pins fails with located notes.
@Suite(.serialized) struct ClosureResolutionTests {
    /// Writes the closure fixture spec for `index`; returns its path.
    func writeSpec(index: String, edit: (String) -> String = { $0 }) throws -> String {
        let template = try String(contentsOf: Fixtures.root.appendingPathComponent("lock/closure.yaml.template"), encoding: .utf8)
        let path = try Scratch.directory().appendingPathComponent("demo.yaml").path
        try edit(template.replacingOccurrences(of: "{index}", with: index)).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func lock(_ path: String, excludeNewer: Locker.ExcludeNewerOverride? = nil) async throws -> (Spec, Locker.Outcome) {
        let (spec, diagnostics) = SpecLoader.load(path: path)
        let loaded = try #require(spec, "\(diagnostics)")
        var settings = Locker.Settings(cacheDirectory: try Scratch.directory(), timeout: 10, attempts: 1, askGitHub: false)
        settings.uvCacheDirectory = try Scratch.directory()
        settings.excludeNewer = excludeNewer
        settings.now = { Date(timeIntervalSince1970: 1_800_000_000) }
        return (loaded, await Locker(spec: loaded, lockPath: LockLocation.defaultPath(forSpec: path), previous: nil, settings: settings).run())
    }

    func versions(_ closure: LockedClosure?) -> [String: String] {
        Dictionary(uniqueKeysWithValues: (closure?.wheels ?? []).map { ($0.name, $0.version) })
    }

    /// Unconstrained, uv would pick lib 2.0 (uploaded 2025-03-01, inside the bound); app's
    /// Requires-Dist `lib==1.0` holds although app's policy is `requires-dist: strip`.
    @Test func aComponentPinConstrainsTheClosureAndCUDAAndTheBoundApply() async throws {
        let index = try FixtureIndex()
        defer { index.stop() }
        let (spec, outcome) = try await lock(try writeSpec(index: index.root))
        let lock = try #require(outcome.lock, "\(outcome.diagnostics.map(\.description))")
        let closure = try #require(lock.closure)
        // lib 1.0 (app's pin) and fresh 1.0 (lib's requirement, 1.1 is newer than the bound);
        // cuda-bindings 12.9.0, not 13.0.0, for CUDA 12.8; srcpkg (uploaded after the bound) is
        // exempt as a component and not emitted; app is not emitted either.
        #expect(versions(closure) == ["cuda-bindings": "12.9.0", "fresh": "1.0", "lib": "1.0"])
        #expect(closure.excludeNewer == "2025-06-01T00:00:00Z")
        #expect(closure.excludeNewerSource == .spec)
        #expect(lock.inputs.excludeNewer == "2025-06-01T00:00:00Z")
        // lib has no PEP 658 file: its METADATA was read from the deflated wheel by range requests.
        let lib = try #require(closure.wheel("lib"))
        #expect(lib.metadata == .wheelRange)
        #expect(lib.requiresDist == ["fresh"])
        #expect(lib.uploadTime == "2025-01-01T00:00:00Z")
        #expect(closure.wheel("cuda-bindings")?.metadata == .pep658)
        let text = String(decoding: try #require(outcome.closureFile), as: UTF8.self)
        #expect(text.contains("lib==1.0"))
        #expect(text.contains("#   -r app.requires-dist.in"), "\(text)")
        #expect(!text.contains("sglang-forge-closure-"), "no scratch path in the closure file")
        // check: everything installed satisfies everything declared.
        let report = ConsistencyCheck(spec: spec, lock: lock, lockPath: "demo.lock").run()
        #expect(!report.diagnostics.contains { $0.severity == .error }, "\(report.diagnostics.map(\.description))")
        #expect(report.checkedWheels == 4)
    }

    /// With app's pin waived, the resolver is free again and chooses lib 2.0; check reports the waived finding.
    @Test func aWaivedRequirementDoesNotConstrain() async throws {
        let index = try FixtureIndex()
        defer { index.stop() }
        let path = try writeSpec(index: index.root) {
            $0.replacingOccurrences(of: "    requires-dist: strip\n", with: "    requires-dist: strip\n    waivers:\n      - requirement: lib==1.0\n        reason: the fixture wants lib 2.0\n")
        }
        let (spec, outcome) = try await lock(path)
        let lock = try #require(outcome.lock, "\(outcome.diagnostics.map(\.description))")
        #expect(versions(lock.closure)["lib"] == "2.0")
        let report = ConsistencyCheck(spec: spec, lock: lock, lockPath: "demo.lock").run()
        #expect(report.findings.map(\.waivedBecause) == ["the fixture wants lib 2.0"])
        #expect(!report.diagnostics.contains { $0.severity == .error })
    }

    @Test func aCUDA13PackageInACUDA12RuntimeIsAnErrorAtCudaVersion() async throws {
        let index = try FixtureIndex()
        defer { index.stop() }
        let path = try writeSpec(index: index.root)
        let (spec, outcome) = try await lock(path)
        var lock = try #require(outcome.lock)
        // The closure a resolver without the CUDA constraint would have made.
        let position = try #require(lock.closure?.wheels.firstIndex { $0.name == "cuda-bindings" })
        lock.closure!.wheels[position].version = "13.0.0"
        let expected = "\(path):11:12: error: cuda-bindings 13.0.0 (closure) is built for CUDA 13, but cuda.version is 12.8: cuda-bindings 13.0.0 targets CUDA 13"
        let report = ConsistencyCheck(spec: spec, lock: lock, lockPath: "demo.lock").run()
        #expect(report.diagnostics.filter { $0.severity == .error }.map { $0.description.components(separatedBy: "\n")[0] } == [expected])
        // plan reports it too.
        let planned = Planner.plan(spec, lock: lock)
        #expect(planned.plan == nil)
        #expect(planned.diagnostics.contains { $0.description.hasPrefix(expected) })
    }

    /// check's shortcut for lines of extras nobody asks for agrees with evaluating the marker.
    @Test func extraOnlyLinesAreSkippedExactlyWhenTheirMarkerCannotHold() throws {
        let lines = [
            "pytest; extra == \"test\"", "st_attn==0.0.7; (platform_machine != \"aarch64\" and platform_machine != \"arm64\") and extra == 'diffusion'",
            "x; python_version >= \"3\" or extra == \"test\"", "y; extra == \"Dev_Tools\"", "z; sys_platform == \"linux\"", "w", "v; \"test\" == extra",
            "u; extra == \"a\" and extra == \"b\"", "t; platform_release == \"extra\"",
        ]
        let target = TargetEnvironment(pythonMajor: 3, pythonMinor: 12, architecture: "x86_64", glibc: GlibcVersion(major: 2, minor: 35))
        for requested in [Set<String>(), ["test"], ["dev-tools"], ["a"], ["a", "b", "diffusion"]] {
            let environment = MarkerEnvironment(values: MarkerEnvironment.linuxCPython(target).values, extras: Array(requested))
            for line in lines where ConsistencyCheck.excludedByExtras(line, requested: requested) {
                #expect(!(try Requirement(parsing: line)).applies(in: environment), "\(line) with \(requested)")
            }
        }
        #expect(ConsistencyCheck.excludedByExtras("pytest; extra == \"test\"", requested: []))
        #expect(!ConsistencyCheck.excludedByExtras("pytest; extra == \"test\"", requested: ["test"]))
        #expect(ConsistencyCheck.excludedByExtras("y; extra == \"Dev_Tools\"", requested: ["test"]))
        #expect(!ConsistencyCheck.excludedByExtras("x; python_version >= \"3\" or extra == \"test\"", requested: []))
        #expect(!ConsistencyCheck.excludedByExtras("w", requested: []))
    }

    @Test func cudaCarriersAreReadFromTheTable() {
        #expect(CUDARelease.carried(name: "nvidia-cublas-cu12", version: "12.8.4.1")?.major == 12)
        #expect(CUDARelease.carried(name: "nvidia_nccl_cu13", version: "2.28.3")?.major == 13)
        #expect(CUDARelease.carried(name: "cupy-cuda12x", version: "13.6.0")?.major == 12)
        #expect(CUDARelease.carried(name: "cupy-cuda117", version: "10.6.0")?.major == 11)
        #expect(CUDARelease.carried(name: "cuda-python", version: "13.0.1")?.major == 13)
        #expect(CUDARelease.carried(name: "torch", version: "2.9.1+cu130")?.major == 13)
        #expect(CUDARelease.carried(name: "flashinfer-jit-cache", version: "0.6.5+cu128")?.major == 12)
        #expect(CUDARelease.carried(name: "nvidia-cudnn-frontend", version: "1.18.0") == nil)
        #expect(CUDARelease.carried(name: "nvidia-ml-py", version: "13.590.48") == nil)
        #expect(CUDARelease.carried(name: "cuda-core", version: "0.5.0") == nil)
        #expect(CUDARelease.constraints(major: 12) == ["cuda-bindings>=12,<13", "cuda-python>=12,<13"])
        #expect(CUDARelease.constraints(major: 13) == ["cuda-bindings>=13,<14", "cuda-python>=13,<14"])
    }

    @Test func excludeNewerNowAdmitsTheNewerRelease() async throws {
        let index = try FixtureIndex()
        defer { index.stop() }
        let (_, outcome) = try await lock(try writeSpec(index: index.root), excludeNewer: .now)
        let closure = try #require(outcome.lock?.closure, "\(outcome.diagnostics.map(\.description))")
        #expect(versions(closure)["fresh"] == "1.1")
        #expect(closure.excludeNewer == "2027-01-15T08:00:00Z")
        #expect(closure.excludeNewerSource == .now)
    }

    @Test func lockRefusesToResolveWithoutABoundAndSuggestsOne() async throws {
        let index = try FixtureIndex()
        defer { index.stop() }
        let path = try writeSpec(index: index.root) { $0.replacingOccurrences(of: "  exclude-newer: 2025-06-01T00:00:00Z\n", with: "") }
        let (_, outcome) = try await lock(path)
        #expect(outcome.lock == nil)
        #expect(outcome.diagnostics.map(\.description) == [
            "\(path):41:10: error: no lock.exclude-newer: the closure would be whatever the index offers today; set 'exclude-newer' (RFC 3339) under 'lock:'; the newest upload among the wheels the spec pins is app 1.0, uploaded 2026-02-01T00:00:00Z, so `exclude-newer: 2026-02-01T00:00:01Z` resolves as of then, or pass `--exclude-newer now` to resolve against today's index once",
        ])
    }

    @Test func anUnsatisfiablePairOfPinsFailsWithUVsExplanationAndLocations() async throws {
        let index = try FixtureIndex()
        defer { index.stop() }
        let path = try writeSpec(index: index.root) { $0 + "  other:\n    version: 1.0\n    kind: wheel\n" }
        let (_, outcome) = try await lock(path)
        #expect(outcome.lock == nil)
        let error = try #require(outcome.diagnostics.first { $0.severity == .error })
        #expect(error.description.hasPrefix("\(path):45:14: error: the requirements of the spec's components cannot all be satisfied (uv): No solution found when resolving dependencies cause: Because you require lib==1.0 and lib==2.0, we can conclude that your requirements are unsatisfiable.\n"), "\(error.description)")
        #expect(error.message.contains("No solution found"))
        #expect(error.notes.map(\.description) == [
            "\(path):45:14: note: app 1.0 requires 'lib==1.0' (Requires-Dist of app-1.0-py3-none-any.whl)",
            "\(path):48:19: note: 'lib' is a python-deps entry of component 'app'",
            "\(path):53:14: note: other 1.0 requires 'lib==2.0' (Requires-Dist of other-1.0-py3-none-any.whl)",
        ])
    }

    @Test func requestLeavesOutComponentsWaiversAndUnprovidedPackages() throws {
        let path = try writeSpec(index: "http://127.0.0.1:1/simple/") {
            $0 + "  other:\n    version: 1.0\n    kind: wheel\n    waivers:\n      - requirement: lib==2.0\n        reason: test\n"
        }
        var text = try String(contentsOfFile: path, encoding: .utf8)
        text = text.replacingOccurrences(of: "  exclude-newer: 2025-06-01T00:00:00Z\n", with: "  exclude-newer: 2025-06-01T00:00:00Z\n  unprovided-requirements:\n    - package: gone\n      reason: not needed at run time\n")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let spec = try #require(SpecLoader.load(path: path).spec)
        func artifact(_ name: String, _ lines: [String]) -> LockedArtifact {
            LockedArtifact(component: name, version: "1.0", filename: "\(name)-1.0-py3-none-any.whl", url: "https://x/\(name)", size: 1, sha256: "00",
                           tags: [], requiresGlibc: nil, origin: .index, index: nil, requiresPython: nil, requiresDist: lines, metadata: .pep658)
        }
        let target = TargetEnvironment(pythonMajor: 3, pythonMinor: 12, architecture: "x86_64", glibc: GlibcVersion(major: 2, minor: 35))
        let request = ClosureRequest.make(spec: spec, artifacts: [
            artifact("app", ["lib==1.0", "srcpkg>=2", "gone", "uvicorn[standard]>=0.30; python_version >= \"3.10\"", "pywin32; sys_platform == \"win32\"", "pytest; extra == \"test\""]),
            artifact("other", ["lib==2.0", "idna"]),
        ], target: target)
        #expect(request.inputs.map(\.file) == ["app.requires-dist.in", "other.requires-dist.in", "python-deps.in", "source-builds.in"])
        #expect(request.inputs[0].lines.map(\.text) == ["lib==1.0", "uvicorn[standard]>=0.30"])
        #expect(request.inputs[1].lines.map(\.text) == ["idna"])
        #expect(request.inputs[3].lines.map(\.text) == ["srcpkg==1.0"])
        #expect(request.constraints.map(\.text) == ["app==1.0", "other==1.0", "srcpkg==1.0", "cuda-bindings>=12,<13", "cuda-python>=12,<13"])
        #expect(request.excludes == ["gone"])
        #expect(request.components == ["app", "other", "srcpkg"])
    }
}
