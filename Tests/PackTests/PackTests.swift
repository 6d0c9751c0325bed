import Foundation
import Testing
@testable import Pack

@Suite("relocation rules")
struct RelocationTests {
    @Test func plainShebang() throws {
        let s = try #require(Relocation.shebang(in: Array("#!/p/bin/python3.12 -E\nimport x\n".utf8)))
        #expect(s == .init(form: .plain, interpreter: "/p/bin/python3.12", argument: "-E", bodyOffset: 23))
        #expect(Relocation.shebang(in: Array("#!python\n".utf8)) == nil)
        #expect(Relocation.shebang(in: Array("no shebang\n".utf8)) == nil)
    }

    @Test func pipShellExecShebang() throws {
        // What pip (distlib ScriptMaker) writes for an interpreter path with a space.
        let text = "#!/bin/sh\n'''exec' \"/p q/bin/python3.12\" \"$0\" \"$@\"\n' '''\n# -*- coding: utf-8 -*-\nimport re\n"
        let s = try #require(Relocation.shebang(in: Array(text.utf8)))
        #expect(s.form == .shellExec)
        #expect(s.interpreter == "/p q/bin/python3.12")
        #expect(s.argument == nil)
        #expect(String(decoding: Array(text.utf8)[s.bodyOffset...], as: UTF8.self) == "# -*- coding: utf-8 -*-\nimport re\n")
        let unquoted = try #require(Relocation.shebang(in: Array("#!/bin/sh\n'''exec' /long/bin/python \"$0\" \"$@\"\n' '''\nx\n".utf8)))
        #expect(unquoted.interpreter == "/long/bin/python")
    }

    @Test func launcherText() {
        #expect(Relocation.launcher(relativeInterpreter: "python3.12", argument: nil)
            == "#!/bin/sh\n'''exec' \"$(dirname -- \"$(readlink -f -- \"$0\")\")/python3.12\" \"$0\" \"$@\"\n' '''\n")
        #expect(Relocation.launcher(relativeInterpreter: "../bin/python3", argument: "-E")?.contains("/../bin/python3\" -E \"$0\"") == true)
        #expect(Relocation.launcher(relativeInterpreter: "a\"b", argument: nil) == nil)
        #expect(Relocation.isPython("/p/bin/python3.12") && Relocation.isPython("/p/bin/python") && !Relocation.isPython("/p/bin/python-config") && !Relocation.isPython("/p/bin/perl"))
    }

    @Test func runPathRewrite() {
        let r = Relocation.rewriteRunPath("/p/lib:/p/lib/python3.12/site-packages/torch/lib:$ORIGIN/../nvidia/cublas/lib:/usr/lib/x86_64-linux-gnu:/p/lib",
                                          file: "lib/python3.12/site-packages/torch/_C.so", prefixes: ["/p"])
        #expect(r.problems.isEmpty)
        #expect(r.value == "$ORIGIN/../../..:$ORIGIN/lib:$ORIGIN/../nvidia/cublas/lib:/usr/lib/x86_64-linux-gnu")
        #expect(Relocation.rewriteRunPath("/p/lib", file: "lib/libx.so", prefixes: ["/p"]).value == "$ORIGIN")
        let bad = Relocation.rewriteRunPath("/usr/local/cuda/lib64/stubs:/opt/x:lib:$ORIGIN/../../..", file: "lib/a.so", prefixes: ["/p"])
        #expect(bad.problems == [.stubsRunPath("lib/a.so", entry: "/usr/local/cuda/lib64/stubs"), .outsideRunPath("lib/a.so", entry: "/opt/x"),
                                 .outsideRunPath("lib/a.so", entry: "lib"), .outsideRunPath("lib/a.so", entry: "$ORIGIN/../../..")])
        // A longer path that merely starts with the prefix's characters is not inside it.
        #expect(Relocation.rewriteRunPath("/p2/lib", file: "a.so", prefixes: ["/p"]).problems == [.outsideRunPath("a.so", entry: "/p2/lib")])
    }

    @Test func pathRules() {
        #expect(PathRules.relative(from: "bin", to: "lib") == "../lib")
        #expect(PathRules.relative(from: "", to: "lib") == "lib")
        #expect(PathRules.relative(from: "lib/python3.12/lib-dynload", to: "lib") == "../..")
        #expect(PathRules.resolve(linkTarget: "../lib/x", from: "bin/y") == "lib/x")
        #expect(PathRules.resolve(linkTarget: "../../x", from: "bin/y") == nil)
        #expect(PathRules.resolve(linkTarget: "top/..", from: "a/esc", symlinks: ["a/top": ".."]) == nil)
        #expect(PathRules.resolve(linkTarget: "top/..", from: "a/esc") == "a")
        #expect(PathRules.resolve(linkTarget: "loop", from: "loop", symlinks: ["loop": "loop"]) == nil)
        #expect(!PathRules.isSafeRelative("a//b") && !PathRules.isSafeRelative("./a") && !PathRules.isSafeRelative("a\tb") && PathRules.isSafeRelative("a b/c"))
        for unsafe in ["", "/", "/a", "a/", "a/./b", "a/../b", "..", ".", "a/..", "a\nb", "a/\t"] { #expect(!PathRules.isSafeRelative(unsafe), "\(unsafe)") }
        for safe in ["a", "...", ".a", "a.", "a/.b/c..", "lib/python3.11/site-packages/x.py", "é/ü"] { #expect(PathRules.isSafeRelative(safe), "\(safe)") }
    }

    @Test func manifestNumbersAsStringWouldWriteThem() {
        for (value, radix, minimum) in [(0, 8, 4), (0o644, 8, 4), (0o4755, 8, 4), (0o17777, 8, 4), (0, 10, 1), (9, 10, 1), (10, 10, 1),
                                        (1_234_567_890_123, 10, 1), (Int(Int64.max), 10, 1)] {
            var out: [UInt8] = [UInt8(ascii: "x")]
            Manifest.appendDigits(UInt64(value), radix: UInt64(radix), minimumCount: minimum, to: &out)
            let expected = String(value, radix: radix)
            #expect(String(decoding: out, as: UTF8.self) == "x" + String(repeating: "0", count: max(0, minimum - expected.count)) + expected)
        }
    }

    @Test func manifestRoundTrip() throws {
        let m = Manifest(entries: [
            .init(path: "bin/python3", kind: .symlink, mode: 0o777, size: 0, linkTarget: "python3.12"),
            .init(path: "bin", kind: .directory, mode: 0o755, size: 0),
            .init(path: "bin/x", kind: .file, mode: 0o755, size: 3, sha256: String(repeating: "a", count: 64)),
        ])
        #expect(m.entries.map(\.path) == ["bin", "bin/python3", "bin/x"])
        #expect(m.text.split(separator: "\n").dropFirst().map(String.init) == [
            "bin\td\t0755\t0\t-", "bin/python3\tl\t0777\t0\tpython3.12", "bin/x\tf\t0755\t3\t" + String(repeating: "a", count: 64),
        ])
        #expect(try Manifest.parse(m.text) == m)
        #expect(throws: UnpackError.badManifest(line: 2, reason: "unsafe path '../x'")) {
            try Manifest.parse(Manifest.headerLine + "\n../x\tf\t0644\t0\t" + String(repeating: "a", count: 64) + "\n")
        }
    }
}

@Suite("determinism")
struct DeterminismTests {
    @Test func sameBytesWhateverTheZstdThreadCount() throws {
        let work = try TemporaryDirectory()
        // Several MiB of poorly compressible data, so zstd cuts more than one job.
        var generator = SystemRandomNumberGenerator()
        let noise = (0..<(6 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        try FileManager.default.createDirectory(atPath: work.path + "/p", withIntermediateDirectories: true)
        try Data(noise).write(to: URL(fileURLWithPath: work.path + "/p/noise.bin"))
        try work.write("p/text.txt", String(repeating: "sglang-forge ", count: 1 << 18))
        var archives: [Data] = []
        for threads in [1, 3] {
            _ = try Packer.pack(prefix: work.path + "/p", output: work.path + "/t\(threads).tar.zst", options: PackOptions(zstdThreads: threads))
            archives.append(try Data(contentsOf: URL(fileURLWithPath: work.path + "/t\(threads).tar.zst")))
        }
        #expect(archives[0] == archives[1])
    }

    @Test func sameBytesWhateverTheTimesOwnersAndModes() throws {
        let one = try TemporaryDirectory(), two = try TemporaryDirectory()
        for (work, mode) in [(one, 0o700), (two, 0o755)] {
            try work.write("p/b/z.txt", "z\n")
            try work.write("p/a.txt", "a\n")
            try work.write("p/bin/run", "#!/bin/sh\n", executable: true)
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: work.path + "/p/bin/run")
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: Double(mode))], ofItemAtPath: work.path + "/p/a.txt")
        }
        // Different directory names, different creation order, different mtimes and modes.
        try Shell.run("mv \(shellQuoted(two.path))/p \(shellQuoted(two.path))/other && mkdir \(shellQuoted(two.path))/other/c && rmdir \(shellQuoted(two.path))/other/c")
        _ = try Packer.pack(prefix: one.path + "/p", output: one.path + "/x.tar.zst")
        _ = try Packer.pack(prefix: two.path + "/other", output: two.path + "/x.tar.zst")
        #expect(try Data(contentsOf: URL(fileURLWithPath: one.path + "/x.tar.zst")) == Data(contentsOf: URL(fileURLWithPath: two.path + "/x.tar.zst")))
        let listing = try Shell.run("zstd -dc \(shellQuoted(one.path))/x.tar.zst | tar -tvf - | awk '{print $1, $2, $4, $5, $6}'")
        #expect(listing.output == """
            -rw-r--r-- 0/0 1970-01-01 00:00 share/sglang-forge/manifest.tsv
            -rw-r--r-- 0/0 1970-01-01 00:00 a.txt
            drwxr-xr-x 0/0 1970-01-01 00:00 b/
            -rw-r--r-- 0/0 1970-01-01 00:00 b/z.txt
            drwxr-xr-x 0/0 1970-01-01 00:00 bin/
            -rwxr-xr-x 0/0 1970-01-01 00:00 bin/run
            drwxr-xr-x 0/0 1970-01-01 00:00 share/
            drwxr-xr-x 0/0 1970-01-01 00:00 share/sglang-forge/

            """)
    }
}
