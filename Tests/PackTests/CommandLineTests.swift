import Foundation
import Testing
@testable import Pack

@Suite("pack on the command line")
struct CommandLineTests {
    @Test func progressLineForLargePrefixes() throws {
        let work = try TemporaryDirectory("progress")
        try FileManager.default.createDirectory(atPath: work.path + "/p", withIntermediateDirectories: true)
        try Shell.run("truncate -s 70M \(shellQuoted(work.path))/p/big.bin")  // sparse: cheap to make, read as zeros
        let forge = shellQuoted(forgeExecutable())
        let run = try Shell.run("cd \(shellQuoted(work.path)) && \(forge) pack p -o out.tar.zst 2>&1 >/dev/null | tr '\\r' '\\n'")
        #expect(run.output.contains("packing: 0/1 files, "), "\(run.output)")
        #expect(run.output.contains("packing: 1/1 files, 70/70 MiB (100%)"), "\(run.output)")
        let quiet = try Shell.run("cd \(shellQuoted(work.path)) && \(forge) pack p -o out.tar.zst --quiet 2>&1 >/dev/null")
        #expect(!quiet.output.contains("packing"))
    }

    @Test func refusedDamagedAndTruncatedArchivesExitOneWithOneMessage() throws {
        let work = try TemporaryDirectory("exit-codes")
        try work.write("p/share/data.txt", String(repeating: "data ", count: 20000))
        let forge = shellQuoted(forgeExecutable())
        try Shell.run("cd \(shellQuoted(work.path)) && \(forge) pack -q p -o good.tar.zst")
        try Shell.run("""
            cd \(shellQuoted(work.path))
            head -c 4096 /dev/urandom > garbage.tar.zst
            head -c 200 good.tar.zst > truncated.tar.zst
            : > empty.tar.zst
            """)
        for name in ["garbage", "truncated", "empty"] {
            let run = try Shell.run("cd \(shellQuoted(work.path)) && \(forge) unpack \(name).tar.zst out-\(name)", expectFailure: true)
            #expect(run.status == 1, "\(name): exit \(run.status): \(run.output)")
            let lines = run.output.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].hasPrefix("error: \(name).tar.zst: "), "\(name): \(run.output)")
            #expect(!FileManager.default.fileExists(atPath: work.path + "/out-\(name)"))
        }
        let missing = try Shell.run("cd \(shellQuoted(work.path)) && \(forge) unpack missing.tar.zst out", expectFailure: true)
        #expect(missing.status == 2, "\(missing.output)")
    }

    @Test func movedPrefixWithAlsoPrefix() throws {
        // A tree built at /opt/build-root/env and copied elsewhere before packing.
        let work = try TemporaryDirectory("moved")
        try work.write("p/bin/tool", "#!/opt/build-root/env/bin/python3.12\nprint(1)\n", executable: true)
        // Without --also-prefix the old location is just an interpreter outside the prefix: left alone.
        let plain = try Packer.pack(prefix: work.path + "/p", output: work.path + "/a.tar.zst")
        #expect(plain.rewrittenScripts.isEmpty)
        let report = try Packer.pack(prefix: work.path + "/p", output: work.path + "/b.tar.zst", options: PackOptions(extraPrefixes: ["/opt/build-root/env"]))
        #expect(report.rewrittenScripts == ["bin/tool"])
        let text = try Shell.run("zstd -dc \(shellQuoted(work.path))/b.tar.zst | tar -xOf - bin/tool")
        #expect(text.output == #"""
            #!/bin/sh
            '''exec' "$(dirname -- "$(readlink -f -- "$0")")/python3.12" "$0" "$@"
            ' '''
            print(1)

            """#)
    }
}
