import ApptainerBackend
import BackendCore
import Foundation
import ForgeTestSupport
import PluginKit
import Testing

/// Hostile strings through the Apptainer definition writer and the Apptainer plugin, read back by
/// spython: every `%post` command, `%environment` line and `%labels` value stays one line of its
/// section with its original value (the shell lines also run in bash and dash), and no string
/// opens a section or a stage. Values the plugin must refuse (line breaks, controls, `bootstrap:`)
/// are refused with diagnostics and no files.
@Suite("Apptainer: hostile strings through spython", .serialized)
struct ApptainerHostileTextTests {
    /// Quotes, expansions, escapes, section and stage openers, every control character (C0 without
    /// NUL, DEL, C1), NEL, U+2028/2029 and `\r\n`.
    static let hostile: [String] = {
        var strings = [
            "plain", "it's", "\"double\"", "back\\slash\\", "$HOME ${HOME} $(touch /tmp/forge-pwned) `touch /tmp/forge-pwned`", "${",
            "%post", "  %runscript", "Bootstrap: docker", "x bootstrap: y", "From: evil", "# not a comment", "a && b || c ; d",
            "a\nRUN touch /tmp/forge-pwned", "a\r\n%post\r\ntouch /tmp/forge-pwned", "a\rb", "x\u{85}y\u{2028}z\u{2029}w", "tab\there",
        ]
        for value in Array(1...0x1f) + Array(0x7f...0x9f) { strings.append("a\(Character(Unicode.Scalar(value)!))b") }
        return strings
    }()

    static let oracle = Repository.root.appendingPathComponent("Tests/ApptainerTests/Fixtures/spython_sections.py").path

    static func parse(_ text: String) throws -> [String: [String: Any]] {
        let directory = try Scratch.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("x.def")
        try Data(text.utf8).write(to: path)
        let result = try Command.run(["python3", oracle, path.path])
        #expect(result.status == 0, "spython: \(result.stderr)")
        return (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))) as? [String: [String: Any]] ?? [:]
    }

    /// What a value becomes when it cannot stay as it is in a definition line (the plugin refuses
    /// such values first): line breaks and controls visible, `bootstrap:`'s colon visible.
    static func kept(_ string: String) -> String {
        var out = SafeText.oneLine(string)
        if DefinitionWriter.hasBootstrap(out) {
            out = out.replacingOccurrences(of: ":", with: "\\u{3A}", options: [], range: out.range(of: "bootstrap:", options: .caseInsensitive))
        }
        return out
    }

    @Test func writerKeepsEveryStringInItsSection() throws {
        guard Command.has("spython") else {
            Issue.record("spython missing: scripts/setup.sh installs it (pip install spython)")
            return
        }
        var w = DefinitionWriter()
        w.header("Bootstrap", "docker")
        w.header("From", "ubuntu@sha256:0")
        w.header("Stage", "s")
        w.blank()
        let commands = Self.hostile.map { ShellCommand("printf", "'%s\\0'", .word($0)) }
        w.section("post", commands: commands)
        w.section("environment", commands: Self.hostile.enumerated().map { ShellCommand("export", .joined([.name(ShellName("V\($0.offset)")!), "=", .doubleQuoted([.text($0.element)])])) })
        w.labels(Self.hostile.enumerated().map { (key: "k\($0.offset)", value: $0.element) })
        w.section("help", Self.hostile)
        let stages = try Self.parse(w.text)
        #expect(Array(stages.keys) == ["s"], "stages \(stages.keys.sorted()): a string opened a stage")
        let stage = stages["s"] ?? [:]
        let install = stage["install"] as? [String] ?? []
        let environ = stage["environ"] as? [String] ?? []
        let labels = stage["labels"] as? [String] ?? []
        #expect(install.count == Self.hostile.count, "%post has \(install.count) lines")
        #expect(environ.count == Self.hostile.count, "%environment has \(environ.count) lines")
        #expect(labels == Self.hostile.enumerated().map { "k\($0.offset) \(Self.kept($0.element))".trimmingCharacters(in: .whitespaces) })
        // The %post lines spython read, run by the shells: each prints exactly its string (or the
        // kept form of one that cannot be a definition line), and nothing else runs.
        let expected = Self.hostile.map(Self.kept)
        for shell in ["bash", "sh"] where install.count == Self.hostile.count {
            let run = try Command.run(["/usr/bin/env", shell, "-c", install.joined(separator: "\n")])
            #expect(run.status == 0, "\(shell): \(run.stderr)")
            var words = run.stdout.components(separatedBy: "\0")
            #expect(words.popLast() == "")
            #expect(words == expected, "\(shell) printed other words")
        }
        for (index, line) in environ.enumerated() where environ.count == Self.hostile.count {
            let run = try Command.run(["/usr/bin/env", "sh", "-c", "export \(line); printf '%s' \"$V\(index)\""])
            #expect(run.stdout == expected[index], "%environment gave \(run.stdout.debugDescription) for \(Self.hostile[index].debugDescription)")
        }
        #expect(!FileManager.default.fileExists(atPath: "/tmp/forge-pwned"))
    }

    static func pinnedPlan() throws -> BuildPlan {
        let forge = Repository.executable("sglang-forge").path
        let plan = try Command.run([forge, "plan", "--format", "json", "specs/main.yaml"], in: Repository.root)
        return try JSONDecoder().decode(BuildPlan.self, from: Data(plan.stdout.utf8))
    }

    /// The plugin on specs/main.yaml (with its lock) with one hostile string in every free-text field that
    /// reaches a definition (description, environment value and why, build env, runtime summary):
    /// the definitions parse into the same two stages, the description label and the environment
    /// value come back exactly; a string the format cannot hold is refused, with no files.
    @Test(arguments: Array(0..<hostile.count))
    func pluginKeepsOrRefusesHostileText(index: Int) throws {
        guard Command.has("spython") else { return }
        let string = Self.hostile[index]
        var plan = try Self.pinnedPlan()
        for i in plan.variants.indices {
            plan.variants[i].description = "described \(string)"
            for j in plan.variants[i].buildEnv.indices { plan.variants[i].buildEnv[j].value = "v \(string)" }
        }
        for i in plan.environment.indices {
            plan.environment[i].value = "value " + string.replacingOccurrences(of: "{", with: "(").replacingOccurrences(of: "}", with: ")")
            plan.environment[i].why = "why \(string)"
        }
        plan.runtime.summary = "summary \(string)"
        for i in plan.systemLibraries.indices where plan.systemLibraries[i].debian != nil { plan.systemLibraries[i].debian = "lib\(string)" }
        let response = ApptainerBackend.respond(to: PluginRequest(plan: plan, options: [:]))
        let refused = !SafeText.isSingleLine(string) || DefinitionWriter.hasBootstrap(string)
        if refused {
            #expect(response.files.isEmpty && !response.diagnostics.isEmpty, "\(string.debugDescription) was not refused")
            return
        }
        #expect(response.diagnostics.isEmpty, "\(response.diagnostics)")
        let definition = try #require(response.files.first { $0.path.hasSuffix(".def") })
        let stages = try Self.parse(definition.contents)
        #expect(Array(stages.keys).sorted() == ["runtime", "torch-build"])
        let labels = stages["runtime"]?["labels"] as? [String] ?? []
        #expect(labels.contains("org.opencontainers.image.description described \(string)".trimmingCharacters(in: .whitespaces)), "labels \(labels)")
        let environ = stages["runtime"]?["environ"] as? [String] ?? []
        let name = try #require(plan.environment.first { !$0.value.isEmpty }?.name)
        let line = try #require(environ.first { $0.hasPrefix(name + "=") })
        let run = try Command.run(["/usr/bin/env", "sh", "-c", "export \(line); printf '%s' \"$\(name)\""])
        #expect(run.stdout == plan.environment.first { $0.name == name }?.value, "\(name) read \(run.stdout.debugDescription)")
        for stage in ["torch-build", "runtime"] {
            let post = (stages[stage]?["install"] as? [String] ?? []).joined(separator: "\n")
            let syntax = try Command.run(["/usr/bin/env", "bash", "-n", "-c", post])
            #expect(syntax.status == 0, "bash -n on \(stage) %post: \(syntax.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: "/tmp/forge-pwned"))
    }
}
