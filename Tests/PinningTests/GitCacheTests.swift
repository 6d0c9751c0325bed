import Dispatch
import ForgeTestSupport
import Foundation
import Git
import Pinning
import Testing

/// Fetching into the cache from a local bare repository (how the tests run offline).
@Suite(.serialized) struct GitCacheTests {
    static let haveTools = Shell.has("git") && Shell.has("nix-hash") && Shell.has("tar")

    /// An upstream work tree, the bare "remote" it pushes to, and an empty cache root.
    final class Upstream {
        let temp: TemporaryDirectory
        let work: String
        let remote: String
        let cacheRoot: String
        var date = 1_700_000_000

        init() throws {
            temp = try TemporaryDirectory("git-cache")
            work = temp.path + "/work"
            remote = temp.path + "/remote.git"
            cacheRoot = temp.path + "/cache/sglang-forge/git"
            try GitFixture.initRepository(work)
            try GitFixture.write(work, "README", "nixpkgs stand-in\n")
            try GitFixture.write(work, "pkgs/top-level/all-packages.nix", "{ }\n")
            try commit("initial")
            try Shell.check(["git", "init", "-q", "--bare", remote])
            try push()
        }

        @discardableResult
        func commit(_ message: String, file: String? = nil) throws -> ObjectID {
            if let file { try GitFixture.write(work, file, message + "\n") }
            date += 100
            return ObjectID(hex: try GitFixture.commitAll(work, message: message, date: date))!
        }

        func push() throws {
            try Shell.check(["git", "push", "-q", remote, "main", "--tags"], in: work)
        }

        var cache: GitCache { GitCache(root: cacheRoot) }
        var cachedRepository: String { cache.repositoryPath(for: remote) }
    }

    @Test(.enabled(if: haveTools, "needs git, nix-hash and tar"))
    func listingMatchesGitLsRemote() throws {
        let up = try Upstream()
        try Shell.check(["git", "tag", "-a", "-m", "release", "v1"], in: up.work)
        try Shell.check(["git", "tag", "light"], in: up.work)
        try up.push()
        let ours = try Remote.listReferences(url: "file://" + up.remote)
        let theirs = try Shell.check(["git", "ls-remote", up.remote]).split(separator: "\n").map { line in
            let parts = line.split(separator: "\t")
            return "\(parts[1]) \(parts[0])"
        }.sorted()
        var flattened: [String] = []
        for reference in ours {
            flattened.append("\(reference.name) \(reference.target.hex)")
            if let peeled = reference.peeled { flattened.append("\(reference.name)^{} \(peeled.hex)") }
        }
        #expect(flattened.sorted() == theirs)
        let tag = try #require(Remote.resolve("v1", in: ours))
        #expect(tag.name == "refs/tags/v1")
        #expect(tag.commit.hex == (try Shell.check(["git", "rev-parse", "v1^{commit}"], in: up.work)))
        #expect(Remote.resolve("main", in: ours)?.name == "refs/heads/main")
    }

    @Test(.enabled(if: haveTools, "needs git, nix-hash and tar"))
    func firstFetchThenIncrementalFetch() throws {
        let up = try Upstream()
        let pinner = NixpkgsPinner(url: up.remote, cache: up.cache)
        let main = try pinner.resolve(reference: "main")
        var firstObjects = 0
        let fetched = try up.cache.ensure(commit: main.commit, from: up.remote, reference: main.name) { firstObjects = $0.totalObjects; return true }
        #expect(fetched)
        #expect(firstObjects >= 5)  // commit, 3 trees, 2 blobs

        let cached = try Git.Repository.open(path: up.cachedRepository)
        #expect(cached.containsCommit(main.commit))
        #expect(try cached.resolveReference(GitCache.pinReference(main.commit)) == main.commit)
        #expect(try cached.resolveReference(GitCache.incomingReference) == nil)

        // Already cached: no fetch at all.
        #expect(try up.cache.ensure(commit: main.commit, from: up.remote, reference: main.name) { _ in
            Issue.record("no transfer expected for a cached commit"); return true
        } == false)

        // A new commit upstream: only the new objects travel.
        for i in 0..<20 { try GitFixture.write(up.work, "pkgs/by-name/p\(i).nix", "{ p\(i) }\n") }
        try up.commit("many packages")
        let second = try up.commit("second", file: "pkgs/new.nix")
        try up.push()
        let next = try pinner.resolve(reference: "main")
        #expect(next.commit == second)
        var secondObjects = 0
        #expect(try up.cache.ensure(commit: next.commit, from: up.remote, reference: next.name) { secondObjects = $0.totalObjects; return true })
        let totalUpstream = Int(try Shell.check(["sh", "-c", "git -C '\(up.remote)' rev-list --objects --all | wc -l"]))!
        #expect(secondObjects > 0 && secondObjects < totalUpstream - 3, "incremental fetch sent \(secondObjects) of \(totalUpstream) objects")
        // The cache is one repository per URL, whichever way the URL is written.
        #expect(up.cache.repositoryPath(for: "file://" + up.remote) == up.cachedRepository)
        #expect(try FileManager.default.contentsOfDirectory(atPath: up.cacheRoot).filter { $0.hasSuffix(".git") }.count == 1)

        // The pinned result agrees with Nix on the archive of the same commit.
        let result = try pinner.pin(rev: next.commit, reference: next.name)
        try GitFixture.archive(repository: up.remote, commit: next.commit.hex, into: up.temp.path + "/archive")
        #expect(result.narHash.nixBase32 == (try GitFixture.nixHash(up.temp.path + "/archive")))
        #expect(result.lastModified == Int64(up.date))
    }

    @Test(.enabled(if: haveTools, "needs git, nix-hash and tar"))
    func fetchByCommitIdWithoutReference() throws {
        let up = try Upstream()
        let old = try up.commit("old", file: "old.nix")
        try up.commit("newer", file: "new.nix")
        try up.push()
        #expect(try up.cache.ensure(commit: old, from: up.remote))
        #expect(try Git.Repository.open(path: up.cachedRepository).containsCommit(old))
    }

    @Test(.enabled(if: haveTools, "needs git, nix-hash and tar"))
    func nonexistentReferenceIsAClearError() throws {
        let up = try Upstream()
        let pinner = NixpkgsPinner(url: up.remote, cache: up.cache)
        #expect(throws: PinError.unknownReference("nixos-unstable", url: up.remote, candidates: [])) {
            try pinner.resolve(reference: "nixos-unstable")
        }
        // Asking the fetch itself for a missing ref (libgit2 fetches nothing, successfully).
        let head = try pinner.resolve(reference: "main").commit
        let other = ObjectID(hex: String(repeating: "ab", count: 20))!
        #expect(throws: GitCacheError.referenceNotFound(reference: "refs/heads/nope", url: up.remote)) {
            try up.cache.ensure(commit: other, from: up.remote, reference: "refs/heads/nope")
        }
        // A commit id the remote does not have: libgit2's own message and the failing function.
        do {
            try up.cache.ensure(commit: other, from: up.remote)
            Issue.record("fetching a missing commit succeeded")
        } catch let error as GitError {
            #expect(error.function == "git_remote_fetch")
            #expect(!error.message.isEmpty)
            #expect(error.description.hasPrefix("git_remote_fetch failed: "))
        } catch {
            Issue.record("unexpected error \(error)")
        }
        // The cache is still usable afterwards.
        try up.cache.ensure(commit: head, from: up.remote, reference: "refs/heads/main")
        #expect(try Git.Repository.open(path: up.cachedRepository).containsCommit(head))
        // Listing a path that is no repository fails with libgit2's own words.
        do {
            _ = try Remote.listReferences(url: up.temp.path + "/missing.git")
            Issue.record("listing a missing repository succeeded")
        } catch {
            #expect(error.function == "git_remote_connect")
            #expect(!error.message.isEmpty)
        }
    }

    @Test(.enabled(if: haveTools, "needs git, nix-hash and tar"))
    func cancelledFetchThenGoodFetch() throws {
        let up = try Upstream()
        for i in 0..<50 { try GitFixture.write(up.work, "pkgs/p\(i).nix", "{ p\(i) }\n") }
        let head = try up.commit("bulk")
        try up.push()
        var calls = 0
        do {
            try up.cache.ensure(commit: head, from: up.remote, reference: "refs/heads/main") { _ in calls += 1; return false }
            Issue.record("a cancelled fetch reported success")
        } catch let error as GitError {
            #expect(error.isCancelled)
        }
        #expect(calls == 1)
        let cached = try Git.Repository.open(path: up.cachedRepository)
        #expect(!cached.containsCommit(head))
        #expect(try cached.resolveReference(GitCache.pinReference(head)) == nil)
        // The next run completes and hashes correctly.
        let result = try NixpkgsPinner(url: up.remote, cache: up.cache).pin(rev: head, reference: "refs/heads/main")
        try GitFixture.archive(repository: up.remote, commit: head.hex, into: up.temp.path + "/archive")
        #expect(result.narHash.nixBase32 == (try GitFixture.nixHash(up.temp.path + "/archive")))
    }

    /// What a killed run can leave behind: a half-written pack under a temporary name, a stale
    /// `incoming` ref, the lock file, a half-created repository directory beside the real one.
    @Test(.enabled(if: haveTools, "needs git, nix-hash and tar"))
    func leftoversOfAKilledFetchAreHarmless() throws {
        let up = try Upstream()
        let first = try up.commit("first", file: "a.nix")
        try up.push()
        try up.cache.ensure(commit: first, from: up.remote, reference: "refs/heads/main")
        let second = try up.commit("second", file: "b.nix")
        try up.push()

        let packs = up.cachedRepository + "/objects/pack"
        try Data(repeating: 0x50, count: 4096).write(to: URL(fileURLWithPath: packs + "/tmp_pack_Xq3vZ1"))
        try Data("PACK\0\0\0\u{2}garbage".utf8).write(to: URL(fileURLWithPath: packs + "/pack-0000000000000000000000000000000000000000.pack"))
        try Git.Repository.open(path: up.cachedRepository).setReference(GitCache.incomingReference, to: first, message: "stale")
        try FileManager.default.createDirectory(atPath: up.cacheRoot + "/stale.tmp-1-2", withIntermediateDirectories: true)
        #expect(FileManager.default.fileExists(atPath: String(up.cachedRepository.dropLast(4)) + ".lock"))

        let result = try NixpkgsPinner(url: up.remote, cache: up.cache).pin(rev: second, reference: "refs/heads/main")
        #expect(result.rev == second)
        try GitFixture.archive(repository: up.remote, commit: second.hex, into: up.temp.path + "/archive")
        #expect(result.narHash.nixBase32 == (try GitFixture.nixHash(up.temp.path + "/archive")))
        #expect(try Git.Repository.open(path: up.cachedRepository).resolveReference(GitCache.incomingReference) == nil)
    }

    /// The `sglang-forge` executable built beside the test bundle (`swift build` makes it).
    static let executable: String? = {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
        let candidate = directory + "/sglang-forge"
        return FileManager.default.isExecutableFile(atPath: candidate) ? candidate : nil
    }()
    static let bigRemote = "/opt/swift-packages/apple/swift-crypto.git"

    /// A real interruption: `sglang-forge pin nixpkgs` killed with SIGKILL while the pack is
    /// arriving, then run again to completion.
    @Test(.enabled(if: haveTools && executable != nil && FileManager.default.fileExists(atPath: bigRemote),
                   "skipped: needs git, nix-hash, tar, the built sglang-forge executable and \(bigRemote)"))
    func killedRunThenGoodRun() throws {
        let temp = try TemporaryDirectory("pin-kill")
        let commit = try Shell.check(["git", "-C", Self.bigRemote, "rev-parse", "4.5.2^{commit}"])
        let spec = temp.path + "/main.yaml"
        try FileManager.default.copyItem(atPath: ForgeTestSupport.Repository.root.path + "/specs/main.yaml", toPath: spec)
        let cacheRoot = temp.path + "/cache"
        let arguments = ["pin", "nixpkgs", "--rev", commit, "--url", Self.bigRemote, "--cache-dir", cacheRoot, "--dry-run", spec]
        let packs = GitCache(root: cacheRoot).repositoryPath(for: Self.bigRemote) + "/objects/pack"

        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable!)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait until the incoming pack exists (libgit2 writes it under a temporary name), then kill.
        let deadline = Date().addingTimeInterval(120)
        while process.isRunning && Date() < deadline {
            if let files = try? FileManager.default.contentsOfDirectory(atPath: packs), !files.isEmpty { break }
            usleep(2_000)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal, "the run finished before it could be interrupted")
        let cached = try Git.Repository.open(path: GitCache(root: cacheRoot).repositoryPath(for: Self.bigRemote))
        #expect(!cached.containsCommit(ObjectID(hex: commit)!))

        let second = try Shell.run([Self.executable!] + arguments)
        #expect(second.status == 0, "\(second.stderr)")
        try GitFixture.archive(repository: Self.bigRemote, commit: commit, into: temp.path + "/archive")
        #expect(second.text.contains("nixBase32 " + (try GitFixture.nixHash(temp.path + "/archive"))))
    }

    /// Two runs racing on one remote: both succeed, the lock makes them take turns, exactly one fetches.
    @Test(.enabled(if: haveTools, "needs git, nix-hash and tar"))
    func racingRunsTakeTurns() throws {
        let up = try Upstream()
        for i in 0..<200 { try GitFixture.write(up.work, "pkgs/p\(i).nix", String(repeating: "{ p\(i) }\n", count: 50)) }
        let head = try up.commit("bulk")
        try up.push()
        let cache = up.cache, remote = up.remote
        let outcomes = RaceOutcomes()
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            do {
                let fetched = try cache.ensure(commit: head, from: remote, reference: "refs/heads/main")
                outcomes.add(fetched ? "fetched" : "cached")
            } catch {
                outcomes.add("error: \(error)")
            }
        }
        #expect(outcomes.sorted == ["cached", "fetched"])
    }
}

/// Collects results from concurrent threads.
final class RaceOutcomes: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String] = []
    func add(_ value: String) { lock.lock(); values.append(value); lock.unlock() }
    var sorted: [String] { lock.lock(); defer { lock.unlock() }; return values.sorted() }
}

/// Where the cache lives and how remotes are named in it.
struct GitCacheLayoutTests {
    @Test func defaultRootFollowsXDG() {
        #expect(GitCache.defaultRoot(environment: ["XDG_CACHE_HOME": "/x/cache", "HOME": "/home/u"]) == "/x/cache/sglang-forge/git")
        // A relative XDG_CACHE_HOME is ignored, as the XDG Base Directory Specification says.
        #expect(GitCache.defaultRoot(environment: ["XDG_CACHE_HOME": "rel/cache", "HOME": "/home/u"]) == "/home/u/.cache/sglang-forge/git")
        #expect(GitCache.defaultRoot(environment: ["HOME": "/home/u"]) == "/home/u/.cache/sglang-forge/git")
    }

    @Test func oneRepositoryPerNormalisedURL() {
        let cache = GitCache(root: "/c")
        #expect(cache.repositoryPath(for: "/srv/mirror/../mirror/nixpkgs.git") == cache.repositoryPath(for: "file:///srv/mirror/nixpkgs.git"))
        #expect(cache.repositoryPath(for: "https://github.com/NixOS/nixpkgs.git/") == cache.repositoryPath(for: "https://github.com/NixOS/nixpkgs.git"))
        #expect(cache.repositoryPath(for: "https://github.com/NixOS/nixpkgs.git") != cache.repositoryPath(for: "https://github.com/nixos/nixpkgs.git"))
        let path = cache.repositoryPath(for: "https://github.com/NixOS/nixpkgs.git")
        #expect(path.hasPrefix("/c/github.com_NixOS_nixpkgs.git-") && path.hasSuffix(".git"))
        #expect(path.count == "/c/github.com_NixOS_nixpkgs.git-".count + 16 + 4)
    }
}
