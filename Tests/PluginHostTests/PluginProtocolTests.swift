import Foundation
import ForgeTestSupport
import Testing

/// The plugin protocol end to end: `sglang-forge emit` runs small plugins written here (shell and
/// Python), and every misbehaviour is a host error that quotes the plugin's stderr and leaves the
/// output directory exactly as it was.
@Suite struct PluginProtocolTests {
    static let spec = "Tests/Fixtures/specs/pinned.yaml"
    static let closure = "Tests/Fixtures/specs/pinned.closure.txt"
    static let torchBuild = "Tests/Fixtures/specs/pinned.torch-build.txt"
    static let forge = Repository.executable("sglang-forge").path

    /// A scratch directory with `bin/` for plugins and `out/` holding an earlier, good emit.
    struct Sandbox {
        let root: URL
        var bin: URL { root.appendingPathComponent("bin") }
        var out: URL { root.appendingPathComponent("out") }

        init() throws {
            root = try Scratch.directory()
            try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        }

        /// Writes the executable `bin/sglang-forge-backend-<name>`: `script` after a `#!` line.
        @discardableResult
        func plugin(_ name: String, python: Bool = false, _ script: String) throws -> String {
            let path = bin.appendingPathComponent("sglang-forge-backend-\(name)").path
            let shebang = python ? "#!/usr/bin/env python3\n" : "#!/bin/sh\n"
            try ExecutableFile.write(shebang + script, to: path)
            return path
        }

        /// `sglang-forge emit …` from the package root, with `bin/` first on PATH.
        func emit(_ arguments: [String], closure: Bool = true) throws -> Command.Result {
            var args = [PluginProtocolTests.forge, "emit"] + arguments + [PluginProtocolTests.spec]
            if closure { args += ["--python-closure", PluginProtocolTests.closure, "--build-requirements", "torch=\(PluginProtocolTests.torchBuild)"] }
            return try Command.run(args, in: Repository.root, environment: ["PATH": bin.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")])
        }

        /// Fills `out/` through the well-behaved plugin and returns its bytes.
        func primeOutput() throws -> [String: Data] {
            try plugin("good", python: true, PluginProtocolTests.goodPlugin)
            let result = try emit(["--backend", "good", "-o", out.path])
            #expect(result.status == 0, "\(result.stderr)")
            let snapshot = try Tree.bytes(out)
            #expect(snapshot.count > 2)
            return snapshot
        }

        func remove() { try? FileManager.default.removeItem(at: root) }
    }

    /// Echoes the runtime name per variant, an executable script, and a located warning.
    static let goodPlugin = """
        import json, sys
        if sys.argv[1:] == ["--describe"]:
            print(json.dumps({"protocol": 1, "name": "good", "description": "a well-behaved test plugin", "layouts": ["plain"]}))
            sys.exit(0)
        request = json.load(sys.stdin)
        plan = request["plan"]
        files = [{"path": "variants/%s.txt" % v["name"], "contents": plan["runtime"]["name"] + "\\n"} for v in plan["variants"]]
        files.append({"path": "run.sh", "contents": "#!/bin/sh\\necho hi\\n", "executable": True})
        files.append({"path": "options.json", "contents": json.dumps(request["options"], sort_keys=True) + "\\n"})
        print(json.dumps({"protocol": 1, "files": files,
                          "diagnostics": [{"severity": "warning", "message": "just saying", "component": "sglang"}]}))
        """

    /// A plugin whose response is `files` (JSON text) and whose stderr says `note`.
    static func returning(_ files: String) -> String {
        "cat > /dev/null\necho 'plugin was here' >&2\nprintf '%s\\n' '{\"protocol\": 1, \"files\": \(files), \"diagnostics\": []}'\n"
    }

    /// Runs the failing plugin `name` and checks the exact error, the exit status and that `out/`
    /// is byte-for-byte what it was.
    func expectFailure(_ name: String, _ script: String, python: Bool = false, extra: [String] = [], status: Int32 = 7, _ expected: (String) -> String) throws {
        let box = try Sandbox()
        defer { box.remove() }
        let before = try box.primeOutput()
        let path = try box.plugin(name, python: python, script)
        let result = try box.emit(["--backend", name, "-o", box.out.path] + extra)
        #expect(result.status == status)
        #expect(result.stderr == expected(path), "\(result.stderr)")
        #expect(try Tree.bytes(box.out) == before, "the output directory changed")
        #expect(try FileManager.default.contentsOfDirectory(atPath: box.root.path).sorted() == ["bin", "out"], "a staging directory was left behind")
    }

    // MARK: the well-behaved plugin

    @Test func aWellBehavedPluginIsWrittenLikeABuiltIn() throws {
        let box = try Sandbox()
        defer { box.remove() }
        try box.plugin("good", python: true, Self.goodPlugin)
        let result = try box.emit(["--backend", "good", "-o", box.out.path, "--layout", "plain", "--option", "color=blue"])
        #expect(result.status == 0)
        let line = try #require(try String(contentsOf: Repository.root.appendingPathComponent(Self.spec), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0 == "  sglang:" }) + 1
        #expect(result.stderr == """
            \(Self.spec):\(line):3: warning: component 'sglang': just saying
            \(Self.spec): 1 warning
            good: wrote 20 files to \(box.out.path) (20 created, 0 updated, 0 unchanged)

            """)
        let files = try Tree.read(box.out)
        #expect(files["variants/sglang-python312-cuda12_8-sm90-avx512.txt"] == "sglang\n")
        #expect(files["options.json"] == "{\"color\": \"blue\", \"layout\": \"plain\"}\n")
        #expect(files[".sglang-forge-manifest"]?.contains("  run.sh\n") == true)
        let mode = try FileManager.default.attributesOfItem(atPath: box.out.appendingPathComponent("run.sh").path)[.posixPermissions] as? Int
        #expect(mode == 0o755)

        // Same writer as the built-ins: a second run changes nothing, an edited file is protected.
        let again = try box.emit(["--backend", "good", "-o", box.out.path, "--layout", "plain", "--option", "color=blue"])
        #expect(again.stderr.hasSuffix("good: wrote 20 files to \(box.out.path) (0 created, 0 updated, 20 unchanged)\n"))
        try Data("edited\n".utf8).write(to: box.out.appendingPathComponent("run.sh"))
        let refused = try box.emit(["--backend", "good", "-o", box.out.path, "--layout", "plain", "--option", "color=blue"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("refusing to overwrite generated files edited since sglang-forge wrote them (use --force to overwrite):\n  \(box.out.path)/run.sh\n"))
        let dryRun = try box.emit(["--backend", "good", "-o", box.out.path, "--force", "--dry-run"])
        #expect(dryRun.status == 0)
        #expect(dryRun.stdout.contains("update     options.json\n") && dryRun.stdout.contains("update     run.sh\n"))
        #expect(try String(contentsOf: box.out.appendingPathComponent("run.sh"), encoding: .utf8) == "edited\n")
        let forced = try box.emit(["--backend", "good", "-o", box.out.path, "--force"])
        #expect(forced.status == 0)
        #expect(try String(contentsOf: box.out.appendingPathComponent("run.sh"), encoding: .utf8) == "#!/bin/sh\necho hi\n")
    }

    @Test func theRequestCarriesExactlyThePlanJSON() throws {
        let box = try Sandbox()
        defer { box.remove() }
        try box.plugin("echo", python: true, """
            import json, sys
            raw = sys.stdin.read()
            print(json.dumps({"protocol": 1, "files": [{"path": "request.json", "contents": raw}]}))
            """)
        let result = try box.emit(["--backend", "echo", "-o", box.out.path, "--variant", "*-sm90-*"], closure: false)
        #expect(result.status == 0, "\(result.stderr)")
        let request = try String(contentsOf: box.out.appendingPathComponent("request.json"), encoding: .utf8)
        let plan = try Command.run([Self.forge, "plan", "--format", "json", "--variant", "*-sm90-*", Self.spec], in: Repository.root)
        #expect(request.hasPrefix("{\"protocol\": 1, \"options\": {}, \"plan\": "))
        #expect(plan.status == 0)
        #expect(request == "{\"protocol\": 1, \"options\": {}, \"plan\": " + plan.stdout + "}\n")
    }

    @Test func pluginsOnPathAreListedWithTheirDescription() throws {
        let box = try Sandbox()
        defer { box.remove() }
        try box.plugin("good", python: true, Self.goodPlugin)
        try box.plugin("nix", "echo '{\"protocol\": 1, \"name\": \"nix\", \"description\": \"an impostor\"}'\n")
        try box.plugin("future", "echo '{\"protocol\": 2, \"name\": \"future\", \"description\": \"from the future\"}'\n")
        let result = try Command.run([Self.forge, "backends"], environment: ["PATH": box.bin.path + ":/usr/bin:/bin"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("nix        built-in, protocol 1, layouts flake flox\n"))
        #expect(result.stdout.contains("""
            future     plugin \(box.bin.path)/sglang-forge-backend-future
                unusable: backend plugin 'future' (\(box.bin.path)/sglang-forge-backend-future) speaks protocol 2; this sglang-forge speaks protocol 1 (docs/plugins.md); its stderr was empty
            good       plugin \(box.bin.path)/sglang-forge-backend-good, protocol 1, layouts plain
                a well-behaved test plugin
            nix        plugin \(box.bin.path)/sglang-forge-backend-nix, protocol 1 (shadowed by the built-in)
                an impostor
            """))
    }

    @Test func anUnknownBackendIsAUsageError() throws {
        let box = try Sandbox()
        defer { box.remove() }
        let result = try box.emit(["--backend", "nope", "-o", box.out.path])
        #expect(result.status == 64)
        #expect(result.stderr == "error: no backend 'nope': not a built-in (nix, container, tarball) and no executable sglang-forge-backend-nope on PATH (`sglang-forge backends` lists what is available)\n")
    }

    @Test func pluginPathNamesAPluginExplicitly() throws {
        let box = try Sandbox()
        defer { box.remove() }
        let path = try box.plugin("good", python: true, Self.goodPlugin)
        let result = try Command.run([Self.forge, "emit", "--plugin", path, Self.spec, "--python-closure", Self.closure, "--build-requirements", "torch=\(Self.torchBuild)", "-o", box.out.path], in: Repository.root,
                                     environment: ["PATH": "/usr/bin:/bin"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.hasSuffix("good: wrote 20 files to \(box.out.path) (20 created, 0 updated, 0 unchanged)\n"))
    }

    @Test func severalBackendsShareOnePlanAndWriteNothingWhenOneFails() throws {
        let box = try Sandbox()
        defer { box.remove() }
        try box.plugin("good", python: true, Self.goodPlugin)
        try box.plugin("bad", "cat > /dev/null\necho 'no luck' >&2\nexit 3\n")
        let ok = try box.emit(["--backend", "container,good", "-o", box.out.path])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(FileManager.default.fileExists(atPath: box.out.appendingPathComponent("container/docker-bake.hcl").path))
        #expect(FileManager.default.fileExists(atPath: box.out.appendingPathComponent("good/run.sh").path))
        let before = try Tree.bytes(box.out)
        try FileManager.default.removeItem(at: box.out.appendingPathComponent("container"))
        let withoutContainer = try Tree.bytes(box.out)
        let failed = try box.emit(["--backend", "container", "--backend", "bad", "-o", box.out.path])
        #expect(failed.status == 7)
        #expect(failed.stderr.hasSuffix("emit: nothing was written\n"))
        #expect(try Tree.bytes(box.out) == withoutContainer)
        #expect(before.count > withoutContainer.count)
    }

    // MARK: every host refusal

    @Test func aPathLeavingTheOutputDirectoryIsRefused() throws {
        try expectFailure("dotdot", Self.returning("[{\"path\": \"../x\", \"contents\": \"x\"}]")) { path in
            "error: backend plugin 'dotdot' (\(path)) returned the file path \"../x\", which leaves the output directory ('..'); its stderr:\n  | plugin was here\nemit: nothing was written\n"
        }
    }

    @Test func anAbsolutePathIsRefused() throws {
        try expectFailure("absolute", Self.returning("[{\"path\": \"/tmp/x\", \"contents\": \"x\"}]")) { path in
            "error: backend plugin 'absolute' (\(path)) returned the file path \"/tmp/x\", which is absolute; its stderr:\n  | plugin was here\nemit: nothing was written\n"
        }
    }

    @Test func aDuplicatePathIsRefused() throws {
        try expectFailure("twice", Self.returning("[{\"path\": \"a/x\", \"contents\": \"1\"}, {\"path\": \"a/x\", \"contents\": \"2\"}]")) { path in
            "error: backend plugin 'twice' (\(path)) returned the file path \"a/x\" twice; its stderr:\n  | plugin was here\nemit: nothing was written\n"
        }
    }

    @Test func aPathThroughASymbolicLinkIsRefused() throws {
        let box = try Sandbox()
        defer { box.remove() }
        _ = try box.primeOutput()
        try FileManager.default.createDirectory(at: box.root.appendingPathComponent("elsewhere"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: box.out.appendingPathComponent("variants/link").path, withDestinationPath: "../../elsewhere")
        let before = try Tree.bytes(box.out)
        try box.plugin("linked", Self.returning("[{\"path\": \"variants/link/x\", \"contents\": \"x\"}]"))
        let result = try box.emit(["--backend", "linked", "-o", box.out.path])
        #expect(result.status == 1)
        #expect(result.stderr == "error: refusing to write 'variants/link/x': 'variants/link' is a symbolic link in \(box.out.path), and generated files are never written through links; nothing was written\n")
        #expect(try Tree.bytes(box.out) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: box.root.appendingPathComponent("elsewhere").path).isEmpty)
    }

    @Test func invalidJSONIsRefused() throws {
        try expectFailure("garbage", "cat > /dev/null\necho 'about to say nonsense' >&2\necho 'this is not json'\n") { path in
            "error: backend plugin 'garbage' (\(path)) wrote a response that is not a JSON object: The given data was not valid JSON.; its stderr:\n  | about to say nonsense\nemit: nothing was written\n"
        }
    }

    @Test func aNonZeroExitIsRefusedWithItsStderr() throws {
        try expectFailure("fails", "cat > /dev/null\necho 'line one' >&2\necho 'line two' >&2\nexit 3\n") { path in
            "error: backend plugin 'fails' (\(path)) exited with status 3; its stderr:\n  | line one\n  | line two\nemit: nothing was written\n"
        }
    }

    @Test func aCrashIsRefused() throws {
        try expectFailure("crashes", "cat > /dev/null\necho 'segfaulting now' >&2\nkill -SEGV $$\n") { path in
            "error: backend plugin 'crashes' (\(path)) crashed (killed by signal 11, SIGSEGV); its stderr:\n  | segfaulting now\nemit: nothing was written\n"
        }
    }

    @Test func aPluginThatDoesNotAnswerInTimeIsKilled() throws {
        let start = Date()
        try expectFailure("sleepy", "echo 'thinking' >&2\nsleep 30\n", extra: ["--plugin-timeout", "1"]) { path in
            "error: backend plugin 'sleepy' (\(path)) did not finish within 1 s (--plugin-timeout) and was killed; its stderr:\n  | thinking\nemit: nothing was written\n"
        }
        #expect(Date().timeIntervalSince(start) < 20)
    }

    @Test func anotherProtocolVersionIsRefused() throws {
        try expectFailure("v2", "cat > /dev/null\necho '{\"protocol\": 2, \"files\": []}'\n") { path in
            "error: backend plugin 'v2' (\(path)) speaks protocol 2; this sglang-forge speaks protocol 1 (docs/plugins.md); its stderr was empty\nemit: nothing was written\n"
        }
    }

    @Test func anOversizedResponseIsRefused() throws {
        try expectFailure("chatty", "cat > /dev/null\nyes | head -c 100000\n", extra: ["--plugin-max-response", "4096"]) { path in
            "error: backend plugin 'chatty' (\(path)) wrote a response larger than 4096 bytes (--plugin-max-response) and was killed; its stderr was empty\nemit: nothing was written\n"
        }
    }

    @Test func aResponseOfTheWrongShapeIsRefused() throws {
        try expectFailure("shapeless", "cat > /dev/null\necho '{\"protocol\": 1, \"files\": [{\"path\": \"x\"}]}'\n") { path in
            "error: backend plugin 'shapeless' (\(path)) wrote an invalid protocol 1 response: missing \"contents\" at files[0]; its stderr was empty\nemit: nothing was written\n"
        }
    }

    @Test func aDiagnosticForAnUnknownComponentIsRefused() throws {
        try expectFailure("confused", "cat > /dev/null\necho '{\"protocol\": 1, \"diagnostics\": [{\"severity\": \"error\", \"message\": \"bad\", \"component\": \"ghost\"}]}'\n") { path in
            "error: backend plugin 'confused' (\(path)) reported a diagnostic for the component 'ghost', which the plan does not have: bad; its stderr was empty\nemit: nothing was written\n"
        }
    }

    @Test func specProblemsAreLocatedDiagnosticsAndNothingIsWritten() throws {
        let line = try #require(try String(contentsOf: Repository.root.appendingPathComponent(Self.spec), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0 == "  torch:" }) + 1
        try expectFailure("picky", """
            cat > /dev/null
            echo '{"protocol": 1, "files": [{"path": "x", "contents": "x"}], "diagnostics": [{"severity": "error", "message": "no torch for you", "component": "torch", "variant": "sglang-python312-cuda12_8-sm90-avx512"}, {"severity": "error", "message": "and nothing at all"}]}'
            """, status: 1) { _ in
            """
            \(Self.spec):\(line):3: error: variant 'sglang-python312-cuda12_8-sm90-avx512': component 'torch': no torch for you
            \(Self.spec): error: and nothing at all
            \(Self.spec): 2 errors

            """
        }
    }
}
