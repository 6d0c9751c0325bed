import ForgeTestSupport
import Foundation
import Git
import Hashes
import NAR
import Testing

/// The NAR hash of a commit's tree, computed from git objects, against Nix's own hash of
/// `git archive`'s extraction of the same commit.
@Suite(.serialized) struct TreeNARTests {
    static let haveTools = Shell.has("git") && Shell.has("nix-hash") && Shell.has("nix-store") && Shell.has("tar")

    @Test(.enabled(if: haveTools, "needs git, nix-hash, nix-store and tar on PATH"))
    func richTreeMatchesNixOnGitArchive() throws {
        let temp = try TemporaryDirectory("nar-rich")
        let repoPath = temp.path + "/repo"
        let commit = try GitFixture.makeRichRepository(repoPath)
        try GitFixture.archive(repository: repoPath, commit: commit, into: temp.path + "/archive")

        // The oracle itself must show the features under test, or the comparison proves little.
        let archived = temp.path + "/archive"
        #expect(!FileManager.default.fileExists(atPath: archived + "/secret.txt"))
        #expect(!FileManager.default.fileExists(atPath: archived + "/logs"))
        #expect(!FileManager.default.fileExists(atPath: archived + "/sub/local.txt"))
        #expect(FileManager.default.fileExists(atPath: archived + "/sub/keep.txt"))
        #expect(!FileManager.default.fileExists(atPath: archived + "/generated"))
        #expect(!FileManager.default.fileExists(atPath: archived + "/nested/generated"))
        #expect(!FileManager.default.fileExists(atPath: archived + "/a/b/c/ignored-1"))
        #expect(!FileManager.default.fileExists(atPath: archived + "/nested/build.tmp"))
        #expect(FileManager.default.isExecutableFile(atPath: archived + "/bin/run.sh"))
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: archived + "/link")) == "a/b/c/deep.txt")
        #expect((try? FileManager.default.contentsOfDirectory(atPath: archived + "/vendor/mod")) == [])

        let repository = try Git.Repository.open(path: repoPath)
        let id = try #require(ObjectID(hex: commit))
        let archive = TreeArchive(repository: repository, commit: id)

        // Byte-for-byte: our NAR against `nix-store --dump` of the extraction.
        var writer = NARWriter(sink: NARBytesSink())
        try archive.write(into: &writer)
        let dump = try Shell.run(["nix-store", "--dump", archived])
        #expect(dump.status == 0, "\(dump.stderr)")
        #expect(writer.sink.bytes == [UInt8](dump.stdout))

        let (digest, narSize) = try archive.narHash()
        #expect(digest.nixBase32 == (try GitFixture.nixHash(archived)))
        #expect(narSize == dump.stdout.count)
        let sri = try Shell.check(["nix", "--extra-experimental-features", "nix-command", "hash", "path", archived])
        #expect(digest.sri == sri)
    }

    @Test(.enabled(if: haveTools, "needs git, nix-hash and tar on PATH"))
    func withoutExportIgnoreTheRawTreeIsHashed() throws {
        let temp = try TemporaryDirectory("nar-raw")
        let repoPath = temp.path + "/repo"
        let commit = try GitFixture.makeRichRepository(repoPath)
        // The raw tree: a clone's checkout has every file, export-ignore or not (the gitlink
        // becomes an empty directory, as in the archive).
        try Shell.check(["git", "clone", "-q", repoPath, temp.path + "/checkout"])
        try FileManager.default.removeItem(atPath: temp.path + "/checkout/.git")
        try FileManager.default.createDirectory(atPath: temp.path + "/checkout/vendor/mod", withIntermediateDirectories: true)
        let repository = try Git.Repository.open(path: repoPath)
        let id = try #require(ObjectID(hex: commit))
        let raw = try TreeArchive(repository: repository, commit: id, honourExportIgnore: false).narHash().digest
        #expect(raw.nixBase32 == (try GitFixture.nixHash(temp.path + "/checkout")))
        let filtered = try TreeArchive(repository: repository, commit: id).narHash().digest
        #expect(raw != filtered)
    }

    @Test(.enabled(if: haveTools, "needs git and nix-hash on PATH"))
    func exportSubstIsRefusedNotHashedWrongly() throws {
        let temp = try TemporaryDirectory("nar-subst")
        let repoPath = temp.path + "/repo"
        try GitFixture.initRepository(repoPath)
        try GitFixture.write(repoPath, ".gitattributes", "version.txt export-subst\n")
        try GitFixture.write(repoPath, "version.txt", "$Format:%H$\n")
        let commit = try GitFixture.commitAll(repoPath, message: "subst", date: 1_700_000_100)
        let repository = try Git.Repository.open(path: repoPath)
        #expect(throws: TreeArchiveError.exportSubstUnsupported(path: ".gitattributes")) {
            try TreeArchive(repository: repository, commit: ObjectID(hex: commit)!).narHash()
        }
    }

    /// Large real trees: Swift packages' repositories cached on this machine (bare clones), at a tag.
    static let nio = (repository: "/opt/swift-packages/apple/swift-nio.git", tag: "2.101.2")
    static let crypto = (repository: "/opt/swift-packages/apple/swift-crypto.git", tag: "4.5.2")
    static func present(_ tree: (repository: String, tag: String)) -> Bool {
        haveTools && FileManager.default.fileExists(atPath: tree.repository)
    }

    @Test(.enabled(if: present(nio), "skipped: needs git, nix-hash, tar and the bare clone \(nio.repository)"))
    func swiftNIOTreeMatchesNix() throws { try Self.checkLargeTree(Self.nio) }

    @Test(.enabled(if: present(crypto), "skipped: needs git, nix-hash, tar and the bare clone \(crypto.repository)"))
    func swiftCryptoTreeMatchesNix() throws { try Self.checkLargeTree(Self.crypto) }

    static func checkLargeTree(_ tree: (repository: String, tag: String)) throws {
        let temp = try TemporaryDirectory("nar-large")
        let commit = try Shell.check(["git", "-C", tree.repository, "rev-parse", "\(tree.tag)^{commit}"])
        try GitFixture.archive(repository: tree.repository, commit: commit, into: temp.path + "/archive")
        let repository = try Git.Repository.open(path: tree.repository)
        let (digest, narSize) = try TreeArchive(repository: repository, commit: try #require(ObjectID(hex: commit))).narHash()
        #expect(narSize > 1_000_000)
        #expect(digest.nixBase32 == (try GitFixture.nixHash(temp.path + "/archive")))
    }
}
