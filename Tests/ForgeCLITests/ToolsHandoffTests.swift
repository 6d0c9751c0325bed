import ForgeTestSupport
import Foundation
import Testing

/// `sglang-forge` and its companion `sglang-forge-tools`: the everyday executable links none of
/// the network, git or archive libraries, and hands `lock`, `pin`, `pack`, `unpack` and `bump`
/// over with the same arguments, streams and exit codes.
@Suite struct ToolsHandoffTests {
    static let forge = Repository.executable("sglang-forge")
    static let tools = Repository.executable("sglang-forge-tools")

    /// The shared libraries an ELF executable names (`readelf -d`, NEEDED entries).
    static func neededLibraries(_ executable: URL) throws -> [String] {
        let result = try Command.run(["readelf", "-d", executable.path])
        try #require(result.status == 0, "readelf -d failed: \(result.stderr)")
        return result.stdout.split(separator: "\n").compactMap { line in
            guard line.contains("(NEEDED)"), let open = line.firstIndex(of: "["), let close = line.lastIndex(of: "]") else { return nil }
            return String(line[line.index(after: open)..<close])
        }
    }

    @Test(.enabled(if: Command.has("readelf"), "needs readelf (binutils)"))
    func everydayExecutableLinksNoNetworkGitOrArchiveLibrary() throws {
        let needed = try Self.neededLibraries(Self.forge)
        #expect(needed.contains { $0.hasPrefix("libyaml") }, "the spec loader's libyaml should be linked: \(needed)")
        for heavy in ["libgit2", "libarchive", "libcurl", "libFoundationNetworking"] {
            #expect(!needed.contains { $0.hasPrefix(heavy) }, "sglang-forge links \(heavy): \(needed)")
        }
        // The companion is where they are.
        let toolsNeeded = try Self.neededLibraries(Self.tools)
        #expect(toolsNeeded.contains { $0.hasPrefix("libgit2") } && toolsNeeded.contains { $0.hasPrefix("libarchive") }, "\(toolsNeeded)")
    }

    @Test func toolCommandsRunInTheCompanionWithTheirOwnHelpAndExitCodes() throws {
        let help = try Command.run([Self.forge.path, "lock", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("USAGE: sglang-forge lock"))
        #expect(help.stdout.contains("--exclude-newer"), "the real command's options, not a placeholder's")
        let helpCommand = try Command.run([Self.forge.path, "help", "pack"])
        #expect(helpCommand.status == 0)
        #expect(helpCommand.stdout.contains("USAGE: sglang-forge pack"))
        let usage = try Command.run([Self.forge.path, "pin", "nixpkgs", "--no-such-option"])
        #expect(usage.status == 64)
        #expect(usage.stderr.contains("Unknown option '--no-such-option'"))
        let refused = try Command.run([Self.forge.path, "unpack", "/nonexistent/archive.tar.zst", "/nonexistent/out"])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("/nonexistent/archive.tar.zst"))
        // The root's help lists every command, the companion's included.
        let root = try Command.run([Self.forge.path, "--help"])
        for name in ["plan", "validate", "lock", "check", "emit", "backends", "pin", "pack", "unpack", "bump", "audit", "select", "verify"] {
            #expect(root.stdout.contains("\n  \(name) "), "--help does not list \(name)")
        }
    }

    @Test func missingCompanionIsAClearErrorWithExitThree() throws {
        let directory = try Scratch.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let alone = directory.appendingPathComponent("sglang-forge")
        try FileManager.default.copyItem(at: Self.forge, to: alone)
        let result = try Command.run([alone.path, "lock", "specs/main.yaml"], in: Repository.root)
        #expect(result.status == 3)
        #expect(result.stderr == "error: `sglang-forge lock` runs in the companion executable sglang-forge-tools, which is not in \(directory.resolvingSymlinksInPath().path); build it (`swift build --product sglang-forge-tools`, or `swift build` for every product) or install both executables into one directory\n")
        // The everyday commands do not need it.
        let plan = try Command.run([alone.path, "validate", "specs/main.yaml"], in: Repository.root)
        #expect(plan.status == 0)
    }

    @Test func symbolicLinkToTheExecutableStillFindsTheCompanion() throws {
        let directory = try Scratch.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let link = directory.appendingPathComponent("forge-link")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: Self.forge)
        let result = try Command.run([link.path, "pack", "--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("USAGE: sglang-forge pack"))
    }
}
