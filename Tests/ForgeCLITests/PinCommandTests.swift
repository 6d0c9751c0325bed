import ArgumentParser
import ForgeTestSupport
import Foundation
@testable import ForgeToolsCLI
import Hashes
import Lock
import Spec
import Testing

/// `sglang-forge pin nixpkgs` end to end, against a local bare repository.
@Suite(.serialized) struct PinCommandTests {
    static let haveTools = Shell.has("git") && Shell.has("nix-hash") && Shell.has("tar")

    struct Setup {
        let temp: TemporaryDirectory
        let remote: String
        let head: String
        let spec: String
        let original: String
        var cache: String { temp.path + "/cache" }

        init() throws {
            temp = try TemporaryDirectory("pin-cli")
            let work = temp.path + "/work"
            try GitFixture.initRepository(work)
            try GitFixture.write(work, "default.nix", "{ }: { }\n")
            try GitFixture.write(work, "lib/default.nix", "{ }\n")
            head = try GitFixture.commitAll(work, message: "nixpkgs stand-in", date: 1_750_000_000)
            remote = temp.path + "/nixpkgs.git"
            try Shell.check(["git", "clone", "-q", "--bare", work, remote])
            original = try String(contentsOfFile: Repository.root.path + "/specs/main.yaml", encoding: .utf8)
            spec = temp.path + "/main.yaml"
            try original.write(toFile: spec, atomically: false, encoding: .utf8)
        }

        func run(_ arguments: [String]) throws {
            var command = try ToolsCommand.parseAsRoot(["pin", "nixpkgs"] + arguments + ["--url", "file://" + remote, "--cache-dir", cache, spec])
            try command.run()
        }

        var current: String { (try? String(contentsOfFile: spec, encoding: .utf8)) ?? "" }
    }

    @Test(.enabled(if: haveTools, "needs git, nix-hash and tar"))
    func refPinsRevAndHashAndKeepsEveryOtherByte() throws {
        let setup = try Setup()
        try setup.run(["--ref", "main"])
        try GitFixture.archive(repository: setup.remote, commit: setup.head, into: setup.temp.path + "/archive")
        let nixHash = try GitFixture.nixHash(setup.temp.path + "/archive")
        let oldPin = try #require(SpecLoader.decode(Array(setup.original.utf8), path: "main.yaml").spec?.nixpkgs)
        var expected = try Fixtures.replacingOnce(setup.original, oldPin.rev.value, setup.head)
        expected = try Fixtures.replacingOnce(expected, "sha256:" + (try #require(oldPin.tarballHash)).value.nixBase32, "sha256:" + nixHash)
        #expect(setup.current == expected)

        // Running again without --ref checks the recorded hash and changes nothing.
        try setup.run([])
        #expect(setup.current == expected)
        try setup.run(["--rev", setup.head])
        #expect(setup.current == expected)
    }

    @Test(.enabled(if: haveTools, "needs git, nix-hash and tar"))
    func thePinIsRecordedInAFreshLockWhichStaysFresh() throws {
        let setup = try Setup()
        let lockPath = setup.temp.path + "/main.lock"
        try FileManager.default.copyItem(atPath: Repository.root.path + "/specs/main.lock", toPath: lockPath)
        let before = try LockCoder.decode(try Data(contentsOf: URL(fileURLWithPath: lockPath)))
        try setup.run(["--ref", "main"])
        let after = try LockCoder.decode(try Data(contentsOf: URL(fileURLWithPath: lockPath)))
        let spec = try #require(SpecLoader.decode(Array(setup.current.utf8), path: "main.yaml").spec)
        let digest = try #require(spec.nixpkgs.tarballHash).value
        #expect(after.nixpkgs == LockedNixpkgs(owner: "NixOS", repo: "nixpkgs", rev: setup.head, narHash: digest.sri, lastModified: 1_750_000_000))
        #expect(LockFreshness.check(after, against: spec) == .fresh)
        #expect(after.artifacts == before.artifacts, "a pin changes only the nixpkgs entry")

        // A stale lock is left alone.
        try setup.original.replacingOccurrences(of: "version: 0.1.27", with: "version: 0.1.28").write(toFile: setup.spec, atomically: false, encoding: .utf8)
        let staleBytes = try Data(contentsOf: URL(fileURLWithPath: lockPath))
        try setup.run(["--ref", "main"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: lockPath)) == staleBytes)
    }

    @Test(.enabled(if: haveTools, "needs git, nix-hash and tar"))
    func wrongRecordedHashIsReportedNotOverwritten() throws {
        let setup = try Setup()
        try setup.run(["--ref", "main"])
        let pinned = setup.current
        let recorded = try #require(SpecLoader.decode(Array(pinned.utf8), path: "x").spec?.nixpkgs.tarballHash).value
        let wrong = try Fixtures.replacingOnce(pinned, recorded.nixBase32, String(repeating: "0", count: 52))
        try wrong.write(toFile: setup.spec, atomically: false, encoding: .utf8)
        #expect(throws: ExitCode(1)) { try setup.run([]) }
        #expect(setup.current == wrong)
    }

    @Test(.enabled(if: haveTools, "needs git, nix-hash and tar"))
    func unknownRefDryRunAndBadArgumentsLeaveTheSpecAlone() throws {
        let setup = try Setup()
        #expect(throws: ExitCode(1)) { try setup.run(["--ref", "nixos-unstable"]) }
        #expect(setup.current == setup.original)
        try setup.run(["--ref", "main", "--dry-run"])
        #expect(setup.current == setup.original)
        #expect(throws: (any Error).self) { try setup.run(["--ref", "main", "--rev", setup.head]) }
        #expect(throws: (any Error).self) { try setup.run(["--rev", "abc123"]) }
        #expect(setup.current == setup.original)
        #expect(throws: (any Error).self) { try setup.run(["--check"]) }
    }

    @Test(.enabled(if: haveTools, "needs git, nix-hash and tar"))
    func checkReportsWhetherTheRefMovedWithoutFetching() throws {
        let setup = try Setup()
        #expect(throws: ExitCode(1)) { try setup.run(["--ref", "main", "--check"]) }
        #expect(!FileManager.default.fileExists(atPath: setup.cache))
        try setup.run(["--ref", "main"])
        try setup.run(["--ref", "main", "--check"])
        #expect(setup.current != setup.original)
    }
}
