import Crypto
import Foundation
import Testing
@testable import Pack

/// Packs `prefix` and returns the refusal's text; fails the test when packing succeeds or fails
/// for another reason.
private func refusal(_ prefix: String, options: PackOptions = PackOptions()) throws -> String {
    do {
        _ = try Packer.pack(prefix: prefix, output: prefix + ".tar.zst", options: options)
    } catch let error {
        guard case .refused = error else { Issue.record("expected a refusal, got \(error)"); return "" }
        #expect(!FileManager.default.fileExists(atPath: prefix + ".tar.zst"), "a refused pack left an archive")
        return error.description
    }
    Issue.record("packing \(prefix) succeeded")
    return ""
}

@Suite("pack refusals")
struct PackRefusalTests {
    @Test func escapingSymlink() throws {
        let work = try TemporaryDirectory()
        try work.write("p/lib/real.txt", "x\n")
        try FileManager.default.createSymbolicLink(atPath: work.path + "/p/lib/up", withDestinationPath: "../../outside")
        #expect(try refusal(work.path + "/p") == "cannot pack \(work.path)/p: 1 problem\n  lib/up: symlink target '../../outside' escapes the prefix")
    }

    @Test func escapingThroughAnotherSymlink() throws {
        let work = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: work.path + "/p/a/b", withIntermediateDirectories: true)
        // a/b/top -> ../.. is the prefix root; a/esc -> b/top/.. then climbs above it, although
        // a purely lexical reading (a/b/top/.. = a/b) would stay inside.
        try FileManager.default.createSymbolicLink(atPath: work.path + "/p/a/b/top", withDestinationPath: "../..")
        try FileManager.default.createSymbolicLink(atPath: work.path + "/p/a/esc", withDestinationPath: "b/top/..")
        #expect(try refusal(work.path + "/p") == "cannot pack \(work.path)/p: 1 problem\n  a/esc: symlink target 'b/top/..' escapes the prefix")
    }

    @Test func absoluteSymlink() throws {
        let work = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: work.path + "/p/bin", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: work.path + "/p/bin/sh", withDestinationPath: "/bin/sh")
        #expect(try refusal(work.path + "/p") == "cannot pack \(work.path)/p: 1 problem\n  bin/sh: symlink to the absolute path '/bin/sh'; make it relative to stay inside the prefix")
    }

    @Test func fifo() throws {
        let work = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: work.path + "/p/run", withIntermediateDirectories: true)
        #expect(mkfifo(work.path + "/p/run/pipe", 0o644) == 0)
        #expect(try refusal(work.path + "/p") == "cannot pack \(work.path)/p: 1 problem\n  run/pipe: FIFO; only regular files, directories and symlinks can be packed")
    }

    @Test func stubsAndOutsideRunPaths() throws {
        let work = try TemporaryDirectory()
        try work.write("c/lib.c", "int answer(void) { return 42; }\n")
        try Shell.run("""
            mkdir -p \(shellQuoted(work.path))/p/lib
            gcc -shared -fPIC -o \(shellQuoted(work.path))/p/lib/libstubbed.so \(shellQuoted(work.path))/c/lib.c -Wl,-rpath,/usr/local/cuda/lib64/stubs
            gcc -shared -fPIC -o \(shellQuoted(work.path))/p/lib/libelsewhere.so \(shellQuoted(work.path))/c/lib.c -Wl,-rpath,/opt/elsewhere/lib:/usr/lib/x86_64-linux-gnu
            """)
        #expect(try refusal(work.path + "/p") == """
            cannot pack \(work.path)/p: 2 problems
              lib/libelsewhere.so: RPATH/RUNPATH entry '/opt/elsewhere/lib' is outside the prefix and not a system library directory
              lib/libstubbed.so: RPATH/RUNPATH entry '/usr/local/cuda/lib64/stubs' is a stubs directory (link-time only; at run time libcuda.so.1 comes from the driver)
            """)
    }

    @Test func leftoverPrefixString() throws {
        let work = try TemporaryDirectory()
        let prefix = work.path + "/p"
        try work.write("p/share/config.txt", "home = \(prefix)/share\ncache = \(prefix)/cache\n")
        try work.write("p/share/clean.txt", "nothing to see\n")
        #expect(try refusal(prefix) == "cannot pack \(prefix): 1 problem\n  share/config.txt: the build prefix is still written 2 times (first at byte 7); rewrite it or allow it with --allow-prefix-in")
        // Allowed by a glob: packed, and reported.
        let report = try Packer.pack(prefix: prefix, output: work.path + "/ok.tar.zst", options: PackOptions(allowPrefixIn: ["share/*.txt"]))
        #expect(report.allowedLeftovers == [.prefixLeftover("share/config.txt", count: 2, firstOffset: 7)])
    }

    @Test func leftoverPrefixAcrossChunkBoundary() throws {
        let work = try TemporaryDirectory()
        let prefix = work.path + "/p"
        // The prefix string straddles the 1 MiB read chunks.
        let padding = String(repeating: "a", count: (1 << 20) - 5)
        try work.write("p/data.bin", padding + prefix + "\n")
        #expect(try refusal(prefix) == "cannot pack \(prefix): 1 problem\n  data.bin: the build prefix is still written 1 time (first at byte \((1 << 20) - 5)); rewrite it or allow it with --allow-prefix-in")
    }

    @Test func nonPythonInterpreterInPrefix() throws {
        let work = try TemporaryDirectory()
        let prefix = work.path + "/p"
        try work.write("p/bin/tool", "#!\(prefix)/bin/perl -w\nprint 1;\n", executable: true)
        #expect(try refusal(prefix) == "cannot pack \(prefix): 1 problem\n  bin/tool: shebang interpreter '\(prefix)/bin/perl' is in the prefix but is not Python; no relocatable launcher can be written for it")
    }

    @Test func outputInsidePrefix() throws {
        let work = try TemporaryDirectory()
        try work.write("p/a", "a\n")
        #expect(throws: PackError.self) { try Packer.pack(prefix: work.path + "/p", output: work.path + "/p/out.tar.zst") }
    }
}

/// Writes a hostile (uncompressed) tar: a manifest listing `manifestEntries` first, then the entries.
private func hostileArchive(_ path: String, manifest manifestEntries: [Manifest.Entry], entries: [(path: String, kind: EntryKind, data: String, link: String?)], manifestFirst: Bool = true) throws {
    let writer = try ArchiveWriter(path: path, zstdLevel: nil)
    if manifestFirst {
        let text = Array(Manifest(entries: manifestEntries).text.utf8)
        try writer.writeHeader(.normalised(path: Manifest.path, kind: .regular, permissions: 0o644, size: Int64(text.count), linkTarget: nil, mtime: 0))
        try writer.writeData(text)
    }
    for entry in entries {
        let bytes = Array(entry.data.utf8)
        let permissions: UInt32 = entry.kind == .symlink ? 0o777 : (entry.kind == .directory ? 0o755 : 0o644)
        try writer.writeHeader(.normalised(path: entry.path, kind: entry.kind, permissions: permissions, size: Int64(bytes.count), linkTarget: entry.link, mtime: 0))
        if entry.kind == .regular { try writer.writeData(bytes) }
    }
    try writer.close()
}

private func sha256(_ text: String) -> String {
    SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
}

private func fileEntry(_ path: String, _ text: String) -> Manifest.Entry {
    Manifest.Entry(path: path, kind: .file, mode: 0o644, size: Int64(text.utf8.count), sha256: sha256(text))
}

/// Unpacks and returns the error's text; the destination must not exist afterwards.
private func unpackRefusal(_ archive: String, _ destination: String) -> String {
    do {
        _ = try Unpacker.unpack(archive: archive, into: destination)
    } catch {
        #expect(!FileManager.default.fileExists(atPath: destination), "a refused unpack left \(destination)")
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: (destination as NSString).deletingLastPathComponent)) ?? []
        #expect(!leftovers.contains { $0.contains(".unpack-") }, "a staging directory was left behind")
        return error.description
    }
    Issue.record("unpacking \(archive) succeeded")
    return ""
}

@Suite("unpack refusals")
struct UnpackRefusalTests {
    @Test func dotDotEntry() throws {
        let work = try TemporaryDirectory()
        try hostileArchive(work.path + "/a.tar", manifest: [fileEntry("ok", "x")], entries: [("ok", .regular, "x", nil), ("../evil", .regular, "x", nil)])
        #expect(unpackRefusal(work.path + "/a.tar", work.path + "/out") == "archive entry '../evil' has an empty, '.' or '..' path component")
    }

    @Test func nestedDotDotEntry() throws {
        let work = try TemporaryDirectory()
        try hostileArchive(work.path + "/a.tar", manifest: [], entries: [("lib/../../evil", .regular, "x", nil)])
        #expect(unpackRefusal(work.path + "/a.tar", work.path + "/out") == "archive entry 'lib/../../evil' has an empty, '.' or '..' path component")
    }

    @Test func absoluteEntry() throws {
        let work = try TemporaryDirectory()
        try hostileArchive(work.path + "/a.tar", manifest: [], entries: [("/tmp/evil", .regular, "x", nil)])
        #expect(unpackRefusal(work.path + "/a.tar", work.path + "/out") == "archive entry '/tmp/evil' has an absolute path")
    }

    @Test func deviceEntry() throws {
        let work = try TemporaryDirectory()
        try hostileArchive(work.path + "/a.tar", manifest: [], entries: [("dev/null", .special(0o020000), "", nil)])
        #expect(unpackRefusal(work.path + "/a.tar", work.path + "/out") == "archive entry 'dev/null' is a character device; device files, FIFOs and sockets are not extracted")
    }

    @Test func hardLinkEntry() throws {
        let work = try TemporaryDirectory()
        try hostileArchive(work.path + "/a.tar", manifest: [fileEntry("a", "x")], entries: [("a", .regular, "x", nil), ("b", .hardlink("a"), "", nil)])
        #expect(unpackRefusal(work.path + "/a.tar", work.path + "/out") == "archive entry 'b' is a hard link to 'a'; sglang-forge archives contain none")
    }

    @Test func escapingLinkEntries() throws {
        let work = try TemporaryDirectory()
        try hostileArchive(work.path + "/a.tar", manifest: [], entries: [("lib/up", .symlink, "", "../../etc")])
        #expect(unpackRefusal(work.path + "/a.tar", work.path + "/out") == "archive entry 'lib/up' is a symlink to '../../etc', outside the destination")
        try hostileArchive(work.path + "/b.tar", manifest: [], entries: [("passwd", .symlink, "", "/etc/passwd")])
        #expect(unpackRefusal(work.path + "/b.tar", work.path + "/out") == "archive entry 'passwd' is a symlink to '/etc/passwd', outside the destination")
        // Through another link listed in the manifest: a/top -> .. is the root; esc -> a/top/.. leaves it.
        let links = [Manifest.Entry(path: "a/top", kind: .symlink, mode: 0o777, size: 0, linkTarget: ".."),
                     Manifest.Entry(path: "esc", kind: .symlink, mode: 0o777, size: 0, linkTarget: "a/top/..")]
        try hostileArchive(work.path + "/c.tar", manifest: links, entries: [("esc", .symlink, "", "a/top/..")])
        #expect(unpackRefusal(work.path + "/c.tar", work.path + "/out") == "archive entry 'esc' is a symlink to 'a/top/..', outside the destination")
    }

    @Test func manifestMismatch() throws {
        let work = try TemporaryDirectory()
        try hostileArchive(work.path + "/a.tar", manifest: [fileEntry("bin/tool", "good")], entries: [("bin/tool", .regular, "evil", nil)])
        #expect(unpackRefusal(work.path + "/a.tar", work.path + "/out")
            == "archive entry 'bin/tool' does not match the manifest: sha256 is \(sha256("evil")) in the archive, \(sha256("good")) in the manifest")
    }

    @Test func realArchiveWithOneByteChanged() throws {
        // Pack for real, then flip one byte of a file's data in the decompressed tar.
        let work = try TemporaryDirectory()
        try work.write("p/share/data.txt", "original contents\n")
        _ = try Packer.pack(prefix: work.path + "/p", output: work.path + "/a.tar.zst")
        try Shell.run("""
            cd \(shellQuoted(work.path))
            zstd -q -d a.tar.zst -o a.tar
            python3 -c 'import sys; d = open("a.tar","rb").read(); i = d.index(b"original contents"); open("b.tar","wb").write(d[:i] + b"O" + d[i+1:])'
            """)
        #expect(unpackRefusal(work.path + "/b.tar", work.path + "/out")
            == "archive entry 'share/data.txt' does not match the manifest: sha256 is \(sha256("Original contents\n")) in the archive, \(sha256("original contents\n")) in the manifest")
    }

    @Test func sizeAndModeMismatch() throws {
        let work = try TemporaryDirectory()
        var entry = fileEntry("a", "x")
        entry.mode = 0o755
        try hostileArchive(work.path + "/a.tar", manifest: [entry], entries: [("a", .regular, "x", nil)])
        #expect(unpackRefusal(work.path + "/a.tar", work.path + "/out") == "archive entry 'a' does not match the manifest: mode is 0644 in the archive, 0755 in the manifest")
        try hostileArchive(work.path + "/b.tar", manifest: [fileEntry("a", "xy")], entries: [("a", .regular, "x", nil)])
        #expect(unpackRefusal(work.path + "/b.tar", work.path + "/out") == "archive entry 'a' does not match the manifest: size is 1 in the archive, 2 in the manifest")
    }

    @Test func unlistedMissingDuplicateAndNoManifest() throws {
        let work = try TemporaryDirectory()
        try hostileArchive(work.path + "/a.tar", manifest: [], entries: [("extra", .regular, "x", nil)])
        #expect(unpackRefusal(work.path + "/a.tar", work.path + "/out") == "archive entry 'extra' is not in the manifest")
        try hostileArchive(work.path + "/b.tar", manifest: [fileEntry("a", "x"), fileEntry("gone", "y")], entries: [("a", .regular, "x", nil)])
        #expect(unpackRefusal(work.path + "/b.tar", work.path + "/out") == "1 manifest entry is missing from the archive: gone")
        try hostileArchive(work.path + "/c.tar", manifest: [fileEntry("a", "x")], entries: [("a", .regular, "x", nil), ("a", .regular, "x", nil)])
        #expect(unpackRefusal(work.path + "/c.tar", work.path + "/out") == "archive entry 'a' appears twice")
        try hostileArchive(work.path + "/d.tar", manifest: [], entries: [("a", .regular, "x", nil)], manifestFirst: false)
        #expect(unpackRefusal(work.path + "/d.tar", work.path + "/out") == "the archive does not start with share/sglang-forge/manifest.tsv (first entry: 'a'); it was not written by sglang-forge pack")
    }

    @Test func nonEmptyDestination() throws {
        let work = try TemporaryDirectory()
        try work.write("p/a", "a\n")
        try work.write("out/keep", "mine\n")
        _ = try Packer.pack(prefix: work.path + "/p", output: work.path + "/a.tar.zst")
        #expect(throws: UnpackError.destinationNotEmpty(work.path + "/out")) { try Unpacker.unpack(archive: work.path + "/a.tar.zst", into: work.path + "/out") }
        #expect(try String(contentsOfFile: work.path + "/out/keep", encoding: .utf8) == "mine\n")
    }
}
