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

    @Test func stubsAndExistingOutsideRunPaths() throws {
        let work = try TemporaryDirectory()
        try work.write("c/lib.c", "int answer(void) { return 42; }\n")
        try work.write("outside/lib/keep.txt", "a directory that exists on the build host\n")
        try Shell.run("""
            mkdir -p \(shellQuoted(work.path))/p/lib
            gcc -shared -fPIC -o \(shellQuoted(work.path))/p/lib/libstubbed.so \(shellQuoted(work.path))/c/lib.c -Wl,-rpath,/usr/local/cuda/lib64/stubs
            gcc -shared -fPIC -o \(shellQuoted(work.path))/p/lib/libelsewhere.so \(shellQuoted(work.path))/c/lib.c -Wl,-rpath,\(shellQuoted(work.path))/outside/lib:/usr/lib/x86_64-linux-gnu
            """)
        #expect(try refusal(work.path + "/p") == """
            cannot pack \(work.path)/p: 2 problems
              lib/libelsewhere.so: RPATH/RUNPATH entry '\(work.path)/outside/lib' is a directory outside the prefix (and not a system library directory) that exists on this host, so libraries may be loaded from it; bundle them into the prefix
              lib/libstubbed.so: RPATH/RUNPATH entry '/usr/local/cuda/lib64/stubs' is a stubs directory (link-time only; at run time libcuda.so.1 comes from the driver)
            """)
    }

    @Test func leakedRunPathOfAnAbsentDirectoryIsDroppedWithAWarning() throws {
        let work = try TemporaryDirectory()
        try work.write("c/lib.c", "int answer(void) { return 42; }\n")
        try Shell.run("""
            mkdir -p \(shellQuoted(work.path))/p/lib
            gcc -shared -fPIC -o \(shellQuoted(work.path))/p/lib/libleaky.so \(shellQuoted(work.path))/c/lib.c -Wl,-rpath,/opt/_internal/cpython-3.11/lib:\(shellQuoted(work.path))/p/lib
            """)
        let report = try Packer.pack(prefix: work.path + "/p", output: work.path + "/p.tar.zst")
        #expect(report.droppedRunPaths == [.init(path: "lib/libleaky.so", entry: "/opt/_internal/cpython-3.11/lib")])
        #expect(report.rewrittenRunPaths.map(\.new) == ["$ORIGIN"])
    }

    @Test func textFilesNamingThePrefixAreRecordedAndRewrittenByUnpack() throws {
        let work = try TemporaryDirectory()
        let prefix = work.path + "/p"
        try work.write("p/share/config.txt", "home = \(prefix)/share\ncache = \(prefix)/cache\nnot this: \(prefix)x/y\n")
        try work.write("p/share/clean.txt", "nothing to see\n")
        let report = try Packer.pack(prefix: prefix, output: work.path + "/ok.tar.zst")
        #expect(report.textRewrites == ["share/config.txt"])
        _ = try Unpacker.unpack(archive: work.path + "/ok.tar.zst", into: work.path + "/elsewhere")
        let text = try String(contentsOfFile: work.path + "/elsewhere/share/config.txt", encoding: .utf8)
        let real = FileSystem.realPath(work.path + "/elsewhere")!
        #expect(text == "home = \(real)/share\ncache = \(real)/cache\nnot this: \(prefix)x/y\n")
        // Allowed by a glob: left as it is, and reported.
        let allowed = try Packer.pack(prefix: prefix, output: work.path + "/allowed.tar.zst", options: PackOptions(allowPrefixIn: ["share/*.txt"]))
        #expect(allowed.allowedLeftovers == [.prefixLeftover("share/config.txt", count: 3, firstOffset: 7)])
        #expect(allowed.textRewrites.isEmpty)
    }

    @Test func binaryAndBytecodeLeftoversAreInertAcrossChunkBoundaries() throws {
        let work = try TemporaryDirectory()
        let prefix = work.path + "/p"
        // The prefix string straddles the 1 MiB read chunks; a NUL makes the file binary.
        let padding = String(repeating: "a", count: (1 << 20) - 5)
        try work.write("p/data.bin", "\0" + padding + prefix + "\n")
        try work.write("p/lib/__pycache__/m.cpython-311.pyc", "\u{1}\0\0\0" + prefix + "/lib/m.py")
        let report = try Packer.pack(prefix: prefix, output: work.path + "/ok.tar.zst")
        #expect(report.inertBinaries == ["data.bin"])
        #expect(report.inertBytecode == ["lib/__pycache__/m.cpython-311.pyc"])
        #expect(report.textRewrites.isEmpty)
    }

    @Test func absoluteSymlinkIntoThePrefixBecomesRelative() throws {
        let work = try TemporaryDirectory()
        let prefix = work.path + "/p"
        try work.write("p/bin/python3.11", "#!/bin/sh\n", executable: true)
        try FileManager.default.createSymbolicLink(atPath: prefix + "/bin/python3", withDestinationPath: prefix + "/bin/python3.11")
        let report = try Packer.pack(prefix: prefix, output: work.path + "/ok.tar.zst")
        #expect(report.relativisedSymlinks == ["bin/python3"])
        _ = try Unpacker.unpack(archive: work.path + "/ok.tar.zst", into: work.path + "/u")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: work.path + "/u/bin/python3") == "python3.11")
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
private func hostileArchive(_ path: String, manifest manifestEntries: [Manifest.Entry], entries: [(path: String, kind: EntryKind, data: String, link: String?)], manifestFirst: Bool = true, mode: UInt32? = nil, manifestText: String? = nil) throws {
    let writer = try ArchiveWriter(path: path, zstdLevel: nil)
    if manifestFirst {
        let text = Array((manifestText ?? Manifest(entries: manifestEntries).text).utf8)
        try writer.writeHeader(.normalised(path: Manifest.path, kind: .regular, permissions: 0o644, size: Int64(text.count), linkTarget: nil, mtime: 0))
        try writer.writeData(text)
    }
    for entry in entries {
        let bytes = Array(entry.data.utf8)
        let permissions: UInt32 = mode ?? (entry.kind == .symlink ? 0o777 : (entry.kind == .directory ? 0o755 : 0o644))
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

    @Test func setuidAndSetgidAreRefused() throws {
        let work = try TemporaryDirectory()
        var entry = fileEntry("bin/su", "x")
        entry.mode = 0o755
        // In the header only, and in the manifest too.
        try hostileArchive(work.path + "/a.tar", manifest: [entry], entries: [("bin/su", .regular, "x", nil)], mode: 0o4755)
        #expect(unpackRefusal(work.path + "/a.tar", work.path + "/out") == "archive entry 'bin/su' has mode 4755 with setuid, setgid or sticky bits; sglang-forge archives never carry them")
        entry.mode = 0o2755
        try hostileArchive(work.path + "/b.tar", manifest: [entry], entries: [("bin/su", .regular, "x", nil)], mode: 0o2755)
        #expect(unpackRefusal(work.path + "/b.tar", work.path + "/out") == "archive entry 'bin/su' has mode 2755 with setuid, setgid or sticky bits; sglang-forge archives never carry them")
    }

    @Test func moreDataThanTheManifestDeclaresIsRefusedBeforeItIsWritten() throws {
        // The manifest claims 3 bytes; the entry holds 8 MiB (a "zip bomb" in miniature).
        let work = try TemporaryDirectory()
        let big = String(repeating: "\0", count: 8 << 20)
        try hostileArchive(work.path + "/a.tar", manifest: [fileEntry("a", "abc")], entries: [("a", .regular, big, nil)])
        #expect(unpackRefusal(work.path + "/a.tar", work.path + "/out") == "archive entry 'a' does not match the manifest: size is \(8 << 20) in the archive, 3 in the manifest")
    }

    @Test func declaredSizesBeyondTheFreeSpaceAreRefusedUpFront() throws {
        let work = try TemporaryDirectory()
        let huge = Manifest.Entry(path: "a", kind: .file, mode: 0o644, size: 1 << 55, sha256: sha256("x"))
        try hostileArchive(work.path + "/a.tar", manifest: [huge], entries: [("a", .regular, "x", nil)])
        let message = unpackRefusal(work.path + "/a.tar", work.path + "/out")
        #expect(message.hasPrefix("the manifest declares \((1 << 55) + Int64(Manifest(entries: [huge]).text.utf8.count)) bytes of files, but "), "\(message)")
    }

    @Test func prefixRewritesMayOnlyNameFilesOfTheManifest() throws {
        let work = try TemporaryDirectory()
        let rewrites = PrefixRewrites(prefixes: ["/build/p"], files: ["lib/link"]).text
        let entries: [Manifest.Entry] = [
            Manifest.Entry(path: "lib", kind: .directory, mode: 0o755, size: 0),
            Manifest.Entry(path: "lib/link", kind: .symlink, mode: 0o777, size: 0, linkTarget: "x"),
            Manifest.Entry(path: "lib/x", kind: .file, mode: 0o644, size: 1, sha256: sha256("y")),
            Manifest.Entry(path: "share", kind: .directory, mode: 0o755, size: 0),
            Manifest.Entry(path: "share/sglang-forge", kind: .directory, mode: 0o755, size: 0),
            fileEntry(PrefixRewrites.path, rewrites),
        ]
        try hostileArchive(work.path + "/a.tar", manifest: entries, entries: [
            ("lib", .directory, "", nil), ("lib/link", .symlink, "", "x"), ("lib/x", .regular, "y", nil),
            ("share", .directory, "", nil), ("share/sglang-forge", .directory, "", nil), (PrefixRewrites.path, .regular, rewrites, nil),
        ])
        #expect(unpackRefusal(work.path + "/a.tar", work.path + "/out") == "share/sglang-forge/prefix-rewrites.tsv:0: malformed prefix rewrites: 'lib/link' is not a regular file of the manifest")
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
