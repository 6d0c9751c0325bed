import BackendCore
import ContainerBackend
import BackendTestSupport
import ForgeTestSupport
import Foundation
import NixBackend
import Planner
import Spec
import TarballBackend
import Testing

/// Every backend renders a plan whose free text (descriptions, `why`, override reasons, GPU and
/// ISA prose, component notes, the spec's file name, environment values) is hostile — every line
/// break spelling followed by text that is a syntax error in each output language, quotes, `$(`,
/// `${`, backticks — as the loader would never let through. The owners' parsers must accept every
/// generated file (so no text escaped its comment or string: the payload would not parse), and the
/// Dockerfile and Bake structure must equal the structure of the same plan with plain text.
@Suite("Backends: hostile plan text through the owners' parsers", .serialized)
struct BackendHostileTextTests {
    /// Text that is a syntax error in bash/sh, Nix, HCL and JSON on any line it lands on as code.
    static let payload = "x \r\n) fi }}} ;; \" ' ` $(touch /tmp/forge-pwned) ${x} %{y}\r) esac }}}\u{2028}) done ]]]\u{85}} }\n{ \u{1b}[31m \u{7f} \\"

    static let valuePayload = payload.replacingOccurrences(of: "{", with: "(").replacingOccurrences(of: "}", with: ")")

    static func hostile(_ plan: BuildPlan) -> BuildPlan {
        var plan = plan
        let p = payload
        plan.spec = "specs/\(p).yaml"
        for i in plan.variants.indices {
            plan.variants[i].description = "described \(p)"
            for j in plan.variants[i].buildEnv.indices { plan.variants[i].buildEnv[j].reason = "because \(p)" }
        }
        for i in plan.build.env.indices { plan.build.env[i].reason = "because \(p)" }
        for i in plan.environment.indices {
            plan.environment[i].why = "why \(p)"
            // Without braces: `{…}` in a value is a placeholder, and unknown ones are refused.
            plan.environment[i].value = "value \(Self.valuePayload)"
        }
        for i in plan.gpus.indices {
            plan.gpus[i].architecture = "arch \(p)"
            plan.gpus[i].examples = ["example \(p)"]
            plan.gpus[i].note = "note \(p)"
        }
        for i in plan.isas.indices {
            plan.isas[i].label = "label \(p)"
            plan.isas[i].cpus = "cpus \(p)"
        }
        plan.runtime.summary = "summary \(p)"
        // Debian package names reach `apt-get install` as words (the loader checks their grammar).
        for i in plan.systemLibraries.indices where plan.systemLibraries[i].debian != nil { plan.systemLibraries[i].debian = "lib \(p)" }
        return plan
    }

    static func write(_ files: [GeneratedFile], into directory: URL) throws {
        for file in files {
            let url = directory.appendingPathComponent(file.path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(file.contents.utf8).write(to: url)
        }
    }

    static func isShell(_ file: GeneratedFile) -> Bool {
        file.path.hasSuffix(".sh") || file.path.hasSuffix("/activate") || file.contents.hasPrefix("#!/bin/sh") || file.contents.hasPrefix("#!/usr/bin/env bash")
    }

    /// Parses every file of `files` written under `directory` with its owner's parser; returns
    /// the Dockerfile instruction names and the Bake file's structure (keys only) by path.
    static func parseAll(_ files: [GeneratedFile], in directory: URL) throws -> [String: String] {
        var structure: [String: String] = [:]
        for file in files {
            let path = directory.appendingPathComponent(file.path).path
            if isShell(file) {
                // lib.sh and build.sh are bash; what /bin/sh runs or sources must parse in dash too.
                let posix = file.contents.hasPrefix("#!/bin/sh") || file.path.hasSuffix("env.sh") || file.path.hasSuffix("/activate")
                for shell in posix ? ["bash", "sh"] : ["bash"] {
                    let check = try Command.run(["/usr/bin/env", shell, "-n", path])
                    #expect(check.status == 0, "\(shell) -n \(file.path): \(check.stderr)")
                }
            } else if file.path.hasSuffix(".nix") {
                let parse = try Command.run(["/usr/bin/env", "nix-instantiate", "--parse", path])
                #expect(parse.status == 0, "nix-instantiate --parse \(file.path): \(parse.stderr)")
            } else if file.path.hasSuffix(".json") || file.path == "flake.lock" {
                #expect((try? JSONSerialization.jsonObject(with: Data(file.contents.utf8))) != nil, "\(file.path) is not JSON")
            } else if file.path.hasSuffix("Containerfile") {
                let result = try Oracles.run(["python3", Oracles.writersOracle, "dockerfile", path])
                #expect(result.status == 0, "BuildKit parser on \(file.path): \(result.stderr)")
                let instructions = (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))) as? [[String: Any]] ?? []
                structure[file.path] = instructions.map { "\($0["cmd"] ?? "?") \(($0["flags"] as? [String])?.joined(separator: ",") ?? "")" }.joined(separator: "\n")
            } else if file.path.hasSuffix(".hcl") {
                let result = try Oracles.run(["python3", Oracles.writersOracle, "hcl", path])
                #expect(result.status == 0, "python-hcl2 on \(file.path): \(result.stderr)")
                structure[file.path] = keys(try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)))
            }
        }
        return structure
    }

    /// The nested keys of a decoded tree, sorted (values left out).
    static func keys(_ tree: Any?) -> String {
        if let dict = tree as? [String: Any] {
            return "{" + dict.keys.sorted().map { "\($0): \(keys(dict[$0]))" }.joined(separator: ", ") + "}"
        }
        if let list = tree as? [Any] { return "[" + list.map(keys).joined(separator: ", ") + "]" }
        return "_"
    }

    func check(_ name: String, _ plain: [GeneratedFile], _ hostile: [GeneratedFile]) throws {
        let directory = try Scratch.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let plainDirectory = directory.appendingPathComponent("plain"), hostileDirectory = directory.appendingPathComponent("hostile")
        try Self.write(plain, into: plainDirectory)
        try Self.write(hostile, into: hostileDirectory)
        #expect(plain.map(\.path) == hostile.map(\.path), "\(name): the hostile plan changed the file list")
        let a = try Self.parseAll(plain, in: plainDirectory), b = try Self.parseAll(hostile, in: hostileDirectory)
        for path in a.keys.sorted() where a[path] != b[path] {
            Issue.record("\(name) \(path): the structure changed:\n\(Golden.diff(a[path] ?? "", b[path] ?? ""))")
        }
        #expect(!FileManager.default.fileExists(atPath: "/tmp/forge-pwned"))
    }

    @Test(arguments: ["bake", "per-variant"])
    func containerBackend(layout: String) throws {
        guard Oracles.available() else { return }
        let plan = try PlanFixtures.pinned()
        try check("container \(layout)", try ContainerBackend().render(plan, layout: layout), try ContainerBackend().render(Self.hostile(plan), layout: layout))
    }

    @Test func nixBackend() throws {
        let plan = try PlanFixtures.plan("specs/main.yaml")
        for layout in NixBackend.layouts {
            try check("nix \(layout)", try NixBackend().render(plan, layout: layout), try NixBackend().render(Self.hostile(plan), layout: layout))
        }
    }

    @Test func tarballBackend() throws {
        let text = try String(contentsOf: Fixtures.root.appendingPathComponent("tarball/spec.yaml"), encoding: .utf8)
        let (spec, _) = SpecLoader.decode(Array(text.utf8), path: "spec.yaml")
        let (plan, diagnostics) = Planner.plan(try #require(spec))
        let planned = try #require(plan, "\(diagnostics)")
        let hostile = try TarballBackend().render(Self.hostile(planned), layout: "scripts")
        try check("tarball", try TarballBackend().render(planned, layout: "scripts"), hostile)
        // env.sh, sourced for real: the hostile value arrives whole, and nothing ran.
        let env = try #require(hostile.first { $0.path.hasSuffix("/env.sh") })
        let directory = try Scratch.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let script = directory.appendingPathComponent("env.sh")
        try Data(env.contents.utf8).write(to: script)
        let name = try #require(planned.environment.first { !["PATH", "CPATH", "LIBRARY_PATH", "LD_LIBRARY_PATH", "PYTHONPATH"].contains($0.name) }?.name)
        for shell in ["bash", "sh"] {
            let run = try Command.run(["/usr/bin/env", "-u", name, "SGLANG_FORGE_PREFIX=/p", shell, "-c", ". \"$1\" && printf '%s' \"$\(name)\"", "sh", script.path])
            #expect(run.status == 0, "\(shell): \(run.stderr)")
            #expect(run.stdout == "value \(Self.valuePayload)", "\(shell) read \(run.stdout.debugDescription)")
        }
        #expect(!FileManager.default.fileExists(atPath: "/tmp/forge-pwned"))
    }
}
