import BackendCore
import ContainerBackend
import ForgeTestSupport
import Foundation
import NixBackend
import Testing

/// Hostile strings through every output format's writer, read back by the format's owner: bash
/// and dash (`-n`, then a real run), BuildKit's Dockerfile parser, python-hcl2 and
/// `nix-instantiate`. Each string must come back as exactly one word / string / comment, with
/// its original value, and never as a new command, instruction or attribute.
@Suite("Writers: hostile strings through the owners' parsers", .serialized)
struct WriterSafetyTests {
    /// Quotes of every kind, expansions, escapes, injected lines with every line-break spelling,
    /// and every control character (C0 without NUL, DEL, C1), U+2028/2029 and the non-characters.
    static let hostile: [String] = {
        var strings = [
            "plain", "", " leading and trailing ", "it's", "'''", "''", "\"double\"", "\\\"", "back\\slash\\",
            "$HOME ${HOME} $(touch /tmp/forge-pwned) `touch /tmp/forge-pwned`", "%{x} ${x} $${x} %%{x}", "${\"a\"}",
            "a\nRUN touch /tmp/forge-pwned", "a\r\nRUN touch /tmp/forge-pwned", "a\rinjected = 1", "line\\\ncontinued",
            "x\u{85}y\u{2028}z\u{2029}w", "tab\there", "'; touch /tmp/forge-pwned #", "\" + injected + \"", "#!/bin/sh",
            "*?[a]~ {a,b}", "ünïcødé ✓ 日本 🚀", "\\u0041 \\n", "EOF\n\nEOF", "\n", "\r", "\r\n", "\\",
            "} ; injected = 1; x = {", "*/ injected /*",
        ]
        for value in Array(1...0x1f) + Array(0x7f...0x9f) + [0x2028, 0x2029, 0xfffe, 0xffff] {
            strings.append("a\(Character(Unicode.Scalar(value)!))b")
        }
        return strings
    }()

    private static func write(_ text: String, _ name: String, in directory: URL) throws -> String {
        let url = directory.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    private static func comment(_ marker: String, _ text: String) -> String {
        SafeText.commentLines(text).map { "\(marker) \($0)\n" }.joined()
    }

    @Test func commentLinesNeverHoldALineBreakOrAControlCharacter() {
        for string in Self.hostile {
            for line in SafeText.commentLines(string) {
                #expect(SafeText.isSingleLine(line), "\(string.debugDescription) gave the comment line \(line.debugDescription)")
            }
        }
        #expect(SafeText.commentLines("a\r\nb") == ["a", "b"])
        #expect(SafeText.commentLines("a\rb\u{2028}c") == ["a", "b", "c"])
        #expect(SafeText.oneLine("spec\n.yaml") == "spec\\u{A}.yaml")
        #expect(ShellWord.quote("a\0b") == "'a\u{FFFD}b'")
    }

    /// Every argument form of ``ShellCommand`` (a single-quoted word, a double-quoted word, words
    /// joined with code, an assignment, a word list), run by the shell: each prints exactly the
    /// string it was given, and the syntax check passes.
    @Test(arguments: ["bash", "sh"])
    func shellCommandsRoundTrip(shell: String) throws {
        let directory = try Scratch.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var lines = ["X=/p"]
        var expected: [String] = []
        let name = try #require(ShellName("V"))
        for string in Self.hostile {
            lines.append(ShellCommand("printf", "'%s\\0'", .word(string)).text)
            lines.append(ShellCommand("printf", "'%s\\0'", .doubleQuoted([.text(string), "${X}", .text(string)])).text)
            lines.append(ShellCommand("printf", "'%s\\0'", .joined([.word(string), "\"$X\"", .word(string)])).text)
            lines.append(ShellCommand.and([ShellCommand.assign("V", .doubleQuoted([.text(string)])), ShellCommand("printf", "'%s\\0'", .doubleQuoted([.variable(name)]))]).text)
            lines.append(ShellCommand("printf", "'%s\\0'", .words([string, string])).text)
            expected += [string, string + "/p" + string, string + "/p" + string, string, string, string]
        }
        let path = try Self.write(lines.joined(separator: "\n") + "\n", "commands.sh", in: directory)
        let syntax = try Command.run(["/usr/bin/env", shell, "-n", path])
        #expect(syntax.status == 0, "\(shell) -n: \(syntax.stderr)")
        let run = try Command.run(["/usr/bin/env", shell, path])
        #expect(run.status == 0 && run.stderr.isEmpty, "\(shell): \(run.stderr)")
        var words = run.stdout.components(separatedBy: "\0")
        #expect(words.popLast() == "")
        #expect(words.count == expected.count)
        for (word, want) in zip(words, expected) where word != want {
            Issue.record("\(shell) read \(word.debugDescription), the writer was given \(want.debugDescription)")
        }
        #expect(!FileManager.default.fileExists(atPath: "/tmp/forge-pwned"))
    }

    @Test func shellNamesAndGlobs() {
        #expect(ShellName("PATH")?.name == "PATH")
        #expect(ShellName("_a1")?.name == "_a1")
        for bad in ["", "1A", "A-B", "A B", "A;b", "A\nB", "Ä"] { #expect(ShellName(bad) == nil, "\(bad.debugDescription)") }
        #expect(ShellName(derivedFrom: "flash-attn", suffix: "_WHEEL").name == "FLASH_ATTN_WHEEL")
        #expect(ShellName(derivedFrom: "3d", suffix: "_WHEEL").name == "_3D_WHEEL")
        #expect(ShellCommand.Argument.glob("/tmp/torch-2.9.1*.whl").text == "/tmp/torch-2.9.1*.whl")
        #expect(ShellCommand.Argument.glob("a b*c").text == "'a b'*c")
    }

    @Test(arguments: ["bash", "sh"])
    func shellWordsAndCommentsRoundTrip(shell: String) throws {
        let directory = try Scratch.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var script = "X=/p\n"
        var expected: [String] = []
        for string in Self.hostile {
            script += Self.comment("#", string)
            script += "printf '%s\\0' \(ShellWord.quote(string))\n"
            script += "printf '%s\\0' \(ShellWord.word([.literal(string), .variable("X"), .literal(string)]))\n"
            expected += [string, string + "/p" + string]
        }
        let path = try Self.write(script, "words.sh", in: directory)
        let syntax = try Command.run(["/usr/bin/env", shell, "-n", path])
        #expect(syntax.status == 0, "\(shell) -n: \(syntax.stderr)")
        let run = try Command.run(["/usr/bin/env", shell, path])
        #expect(run.status == 0 && run.stderr.isEmpty, "\(shell): \(run.stderr)")
        var words = run.stdout.components(separatedBy: "\0")
        #expect(words.popLast() == "")
        #expect(words.count == expected.count)
        for (word, want) in zip(words, expected) where word != want {
            Issue.record("\(shell) read \(word.debugDescription), the writer was given \(want.debugDescription)")
        }
        #expect(!FileManager.default.fileExists(atPath: "/tmp/forge-pwned"))
    }

    @Test func dockerfileInstructionsRoundTripThroughBuildKit() throws {
        guard Oracles.available() else { return }
        let directory = try Scratch.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var w = DockerfileWriter()
        for (index, string) in Self.hostile.enumerated() {
            w.comment(string)
            w.from("scratch", as: "s\(index)")
            w.shell(["/bin/bash", "-c"])
            w.run([ShellCommand("printf", "%s", .word(string))], flags: ["--network=none"])
            w.env([("V\(index)", .literal(string))])
            w.label([("k\(index)", .literal(string))])
        }
        let path = try Self.write(w.text, "Containerfile", in: directory)
        let result = try Oracles.run(["python3", Oracles.writersOracle, "dockerfile", path])
        guard result.status == 0, let instructions = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] else {
            Issue.record("the BuildKit parser failed: \(result.stderr)")
            return
        }
        #expect(instructions.count == 5 * Self.hostile.count, "instructions were added or lost")
        let cmds = instructions.map { $0["cmd"] as? String ?? "" }
        #expect(cmds == Array(repeating: ["FROM", "SHELL", "RUN", "ENV", "LABEL"], count: Self.hostile.count).flatMap { $0 })
        for (index, string) in Self.hostile.enumerated() where instructions.count == 5 * Self.hostile.count {
            let run = instructions[5 * index + 2]
            let value = run["value"] as? [String] ?? []
            // Shell form: one command line; exec form: the stage's shell and one script.
            let script = (run["json"] as? Bool ?? false) ? (value.count == 3 && value[0] == "/bin/bash" && value[1] == "-c" ? value[2] : "") : value.joined(separator: " ")
            let output = try Command.run(["/bin/bash", "-c", script])
            #expect(output.stdout == string, "RUN printed \(output.stdout.debugDescription) for \(string.debugDescription)")
            #expect(run["flags"] as? [String] == ["--network=none"])
            let singleLine = String(String.UnicodeScalarView(string.unicodeScalars.map { SafeText.isLineBreak($0) || SafeText.isControl($0) ? " " : $0 }))
            let env = Oracles.pairs([instructions[5 * index + 3]], "ENV")
            #expect(env.count == 1 && env.first?.0 == "V\(index)" && env.first?.1 == singleLine, "ENV \(env) for \(string.debugDescription)")
            let label = Oracles.pairs([instructions[5 * index + 4]], "LABEL")
            #expect(label.count == 1 && label.first?.0 == "k\(index)" && label.first?.1 == singleLine, "LABEL \(label) for \(string.debugDescription)")
        }
    }

    @Test func hclStringsAndCommentsRoundTripThroughPythonHCL2() throws {
        guard Oracles.available() else { return }
        let directory = try Scratch.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var w = HCLWriter()
        for (index, string) in Self.hostile.enumerated() {
            w.comment(string)
            w.block("target", "t\(index)-" + string) {
                $0.comment(string)
                $0.attribute("description", .string(string))
                $0.attribute("tags", .list([.string(string)]))
            }
        }
        let path = try Self.write(w.text, "docker-bake.hcl", in: directory)
        let result = try Oracles.run(["python3", Oracles.writersOracle, "hcl", path])
        guard result.status == 0, let tree = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] else {
            Issue.record("python-hcl2 failed: \(result.stderr)")
            return
        }
        #expect(Array(tree.keys) == ["target"], "top-level attributes were injected: \(tree.keys.sorted())")
        let blocks = tree["target"] as? [[String: Any]] ?? []
        #expect(blocks.count == Self.hostile.count)
        for (index, string) in Self.hostile.enumerated() where blocks.count == Self.hostile.count {
            let block = blocks[index]
            #expect(Array(block.keys) == ["t\(index)-" + string], "block label \(block.keys) for \(string.debugDescription)")
            let body = block.values.first as? [String: Any] ?? [:]
            #expect(Set(body.keys) == ["description", "tags"], "attributes \(body.keys.sorted()) for \(string.debugDescription)")
            #expect(body["description"] as? String == string)
            #expect(body["tags"] as? [String] == [string])
        }
    }

    @Test func nixStringsAndCommentsRoundTripThroughNixInstantiate() throws {
        let directory = try Scratch.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var bindings: [NixBinding] = []
        for (index, string) in Self.hostile.enumerated() {
            bindings.append(.assign("a\(index)", .string(string), comments: [string]))
            bindings.append(.assign("n\(index)-" + string, .int(index), comments: ["\(string) ends here"]))
        }
        let text = NixRenderer().file(.attrs(bindings), header: GeneratedFile.header(comment: "#", specPath: "specs/\r\nx = 1;\n.yaml"))
        let path = try Self.write(text, "hostile.nix", in: directory)
        let parse = try Command.run(["/usr/bin/env", "nix-instantiate", "--parse", path])
        #expect(parse.status == 0, "nix-instantiate --parse: \(parse.stderr)")
        let eval = try Command.run(["/usr/bin/env", "nix-instantiate", "--eval", "--strict", "--json", path])
        guard eval.status == 0, let value = try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any] else {
            Issue.record("nix-instantiate --eval: \(eval.stderr)")
            return
        }
        #expect(value.count == 2 * Self.hostile.count, "attributes were injected or lost: \(value.count)")
        for (index, string) in Self.hostile.enumerated() {
            #expect(value["a\(index)"] as? String == string, "a\(index) is \(String(describing: value["a\(index)"])) for \(string.debugDescription)")
            #expect(value["n\(index)-" + string] as? Int == index)
        }
    }
}
