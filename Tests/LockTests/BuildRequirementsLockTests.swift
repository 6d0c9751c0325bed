import Crypto
import ForgeTestSupport
import Foundation
import Hashes
import Lock
import Planner
import Spec
import Testing

@testable import Locking
import LockReading

/// The lock side of a source component's `build-requires`: inputs and staleness, resolution with
/// uv against the fixture index (127.0.0.1), and reading the hashed file back.
@Suite(.serialized) struct BuildRequirementsLockTests {
    static func spec(_ edit: (String) -> String = { $0 }) throws -> Spec {
        let text = edit(try Fixtures.text(Fixtures.pinnedSpec))
        let (decoded, diagnostics) = SpecLoader.decode(Array(text.utf8), path: Fixtures.pinnedSpec)
        return try #require(decoded, "\(diagnostics)")
    }

    /// A lock whose only content is `entries` (what ``LockReader/readBuildRequirements`` reads).
    static func lock(_ entries: [LockedBuildRequirements], spec: Spec) -> LockFile {
        let inputs = LockInputs(spec: spec)
        var lock = LockFile(spec: LockedSpec(path: "pinned.yaml", inputsSha256: inputs.fingerprint()), inputs: inputs,
                            nixpkgs: LockedNixpkgs(owner: "NixOS", repo: "nixpkgs", rev: String(repeating: "0", count: 40), narHash: nil, lastModified: nil),
                            artifacts: [], closure: nil)
        lock.buildRequirements = entries
        return lock
    }

    @Test func theInputsNameTheRequirementsAndTheBuildersPlatform() throws {
        let inputs = LockInputs(spec: try Self.spec())
        #expect(inputs.buildRequirements == [
            LockInputBuildRequirements(component: "torch", requirements: ["setuptools>=70.1.0,<80.0", "ninja"], platform: "x86_64-manylinux_2_35"),
        ])
        // Without build-requires the inputs (and their fingerprint) are what they were before.
        let none = LockInputs(spec: try Self.spec { $0.replacingOccurrences(of: "    build-requires:\n      - setuptools>=70.1.0,<80.0\n      - ninja\n", with: "") })
        #expect(none.buildRequirements == nil)
        let json = String(decoding: try JSONEncoder().encode(none), as: UTF8.self)
        #expect(!json.contains("buildRequirements"))
    }

    @Test func editingBuildRequiresMakesTheLockStale() throws {
        let lock = Self.lock([], spec: try Self.spec())
        #expect(LockFreshness.check(lock, against: try Self.spec()) == .fresh)
        let edited = try Self.spec { $0.replacingOccurrences(of: "      - ninja\n", with: "      - ninja>=1.11\n") }
        #expect(LockFreshness.check(lock, against: edited) == .stale(["build requirements of source components changed (build-requires, or the builder image's glibc)"]))
        let olderBuilder = try Self.spec { $0.replacingOccurrences(of: "  builder-glibc: 2.35\n", with: "  builder-glibc: 2.28\n") }
        #expect(LockFreshness.check(lock, against: olderBuilder) == .stale(["build requirements of source components changed (build-requires, or the builder image's glibc)"]))
    }

    @Test func uvResolvesThemWithHashesAndTheReaderReadsThemBack() async throws {
        let index = try FixtureIndex()
        defer { index.stop() }
        let directory = try Scratch.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let lockPath = directory.appendingPathComponent("demo.lock").path
        let output = LockedBuildRequirements.path(forLock: lockPath, component: "torch")
        #expect(output == directory.appendingPathComponent("demo.torch-build.txt").path)
        let inputs = LockInputBuildRequirements(component: "torch", requirements: ["slow>=1.0"], platform: "x86_64-manylinux_2_35")
        let entry = try BuildRequirementsCompiler.compile(inputs, python: "3.12", index: index.root, outputPath: output, lockDirectory: directory.path)
        #expect(entry.component == "torch" && entry.path == "demo.torch-build.txt" && entry.packages == 1)
        #expect(entry.resolver.hasPrefix("uv "))
        let data = try Data(contentsOf: URL(fileURLWithPath: output))
        #expect(entry.sha256 == SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined())
        // The fixture index serves `slow` 1.0 with this sha256 (fixture_index.py builds it deterministically).
        #expect(String(decoding: data, as: UTF8.self) == "slow==1.0 \\\n    --hash=sha256:bb41a8184ab1f64de896071e4adf64eb4469dd9eec4ab25d04693ac7764ff05c\n")

        let (read, diagnostics) = LockReader.readBuildRequirements(Self.lock([entry], spec: try Self.spec()), lockPath: lockPath)
        #expect(diagnostics.isEmpty)
        #expect(read["torch"]?.packages == [PlannedPythonPackageShape.slow])

        // A changed file is refused, naming both hashes.
        try Data("slow==1.0\n".utf8).write(to: URL(fileURLWithPath: output))
        let (_, changed) = LockReader.readBuildRequirements(Self.lock([entry], spec: try Self.spec()), lockPath: lockPath)
        #expect(changed.map(\.message) == ["the build requirements \(directory.path)/demo.torch-build.txt do not match the lock (sha256 \(SHA256.hash(data: Data("slow==1.0\n".utf8)).map { String(format: "%02x", $0) }.joined()), the lock records \(entry.sha256)); run `sglang-forge lock`"])
    }

    @Test func anUnhashedLineIsALocatedErrorOfTheReader() throws {
        let directory = try Scratch.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = "ninja==1.13.2 --hash=sha256:09de9ab04f7352f51570c73fd4913acb1e6c24be0a72cd8b80243d4d3ed04925\nsetuptools==79.0.1\n"
        try Data(text.utf8).write(to: directory.appendingPathComponent("demo.torch-build.txt"))
        let entry = LockedBuildRequirements(component: "torch", path: "demo.torch-build.txt",
                                            sha256: SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined(), resolver: "uv", packages: 2)
        let lockPath = directory.appendingPathComponent("demo.lock").path
        let (read, diagnostics) = LockReader.readBuildRequirements(Self.lock([entry], spec: try Self.spec()), lockPath: lockPath)
        #expect(read.isEmpty)
        #expect(diagnostics.map(\.description) == ["\(directory.path)/demo.torch-build.txt:2:1: error: 'setuptools==79.0.1' has no --hash=sha256:…; every package of the closure must be hash-pinned"])
    }

    @Test func aRequirementTheIndexLacksIsUvsError() async throws {
        let index = try FixtureIndex()
        defer { index.stop() }
        let directory = try Scratch.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let inputs = LockInputBuildRequirements(component: "torch", requirements: ["gone>=1"], platform: "x86_64-manylinux_2_35")
        #expect {
            try BuildRequirementsCompiler.compile(inputs, python: "3.12", index: index.root,
                                                  outputPath: directory.appendingPathComponent("x.txt").path, lockDirectory: directory.path)
        } throws: { error in
            "\(error)".hasPrefix("uv pip compile of the build requirements of 'torch' failed (exit 1): ") && "\(error)".contains("gone")
        }
    }
}

/// The `slow` package of the fixture index as the closure reader returns it.
enum PlannedPythonPackageShape {
    static let slow = PlannedPythonPackage(normalizedName: "slow", version: "1.0", sha256: [try! Digest(algorithm: .sha256, hex: "bb41a8184ab1f64de896071e4adf64eb4469dd9eec4ab25d04693ac7764ff05c")])
}
