import Foundation
import Lock
import PackageIndex
import Spec

/// Resolves the runtime's Python closure with uv (`uv pip compile --generate-hashes`) for the
/// container and tarball backends. sglang-forge does not resolve dependencies itself.
///
/// Roots: every `python-deps` entry, and `name==version` of every index wheel component that
/// keeps its Requires-Dist. Constraints: every component's pin (torch's pin stands in for the
/// source-built torch). Components themselves are left out of the output (`--no-emit-package`):
/// their artifacts come from the lock.
public enum ClosureCompiler {
    /// Why the closure could not be made.
    public struct Failure: Error, CustomStringConvertible {
        /// What went wrong, with uv's stderr when uv ran.
        public var description: String
    }

    /// Runs uv and writes the closure to `outputPath`.
    /// - Returns: the lock's `closure` entry (path relative to the lock's directory).
    /// - Throws: ``Failure`` when uv is missing or fails (its stderr is included).
    public static func compile(spec: Spec, index: String, outputPath: String, lockDirectory: String) throws -> LockedClosure {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("sglang-forge-closure-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let componentNames = Set(spec.components.map { $0.name.value })
        var roots = Set(spec.components.flatMap { $0.pythonDeps.map(\.name.value) })
        for c in spec.components where c.kind.value == .wheel && c.url == nil && c.requiresDist.value == .keep {
            roots.insert("\(c.name.value)==\(c.version.value)")
        }
        // URL-pinned wheels (GitHub release assets) are not on the index: no constraint for them.
        let constraints = spec.components.filter { $0.url == nil }.map { "\($0.name.value)==\($0.version.value)" }.sorted()
        let rootsFile = work.appendingPathComponent("roots.in")
        let constraintsFile = work.appendingPathComponent("constraints.txt")
        try (roots.sorted().joined(separator: "\n") + "\n").write(to: rootsFile, atomically: true, encoding: .utf8)
        try (constraints.joined(separator: "\n") + "\n").write(to: constraintsFile, atomically: true, encoding: .utf8)
        let glibc = spec.runtime.glibc.value.replacingOccurrences(of: ".", with: "_")
        var arguments = [
            "uv", "pip", "compile", rootsFile.path, "--constraints", constraintsFile.path,
            "--python-version", spec.runtime.python.value, "--python-platform", "x86_64-manylinux_\(glibc)",
            "--generate-hashes", "--no-header", "--quiet", "--default-index", index,
            "--output-file", outputPath,
        ]
        for name in componentNames.sorted() { arguments += ["--no-emit-package", name] }
        let (status, errorText) = try run(arguments)
        guard status == 0 else {
            throw Failure(description: "uv pip compile failed (exit \(status)): \(errorText.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        let version = (try? run(["uv", "--version"], captureStdout: true).1.trimmingCharacters(in: .whitespacesAndNewlines)) ?? "uv"
        let output = URL(fileURLWithPath: outputPath)
        let (hex, _) = try FileHasher.sha256(of: output)
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        let packages = text.split(separator: "\n").filter { $0.contains("==") && !$0.hasPrefix(" ") && !$0.hasPrefix("#") }.count
        let relative = outputPath.hasPrefix(lockDirectory + "/") ? String(outputPath.dropFirst(lockDirectory.count + 1)) : outputPath
        return LockedClosure(path: relative, sha256: hex, resolver: version, packages: packages)
    }

    /// Runs `/usr/bin/env arguments…`; returns the exit status and stderr (or stdout). Shared with
    /// ``BuildRequirementsCompiler``.
    static func run(_ arguments: [String], captureStdout: Bool = false) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        if captureStdout { process.standardOutput = pipe } else { process.standardError = pipe; process.standardOutput = FileHandle.nullDevice }
        do { try process.run() } catch {
            throw Failure(description: "cannot start \(arguments[0]): \(error); install it with `pip install uv`")
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationStatus == 127 {
            throw Failure(description: "'\(arguments[0])' is not installed; install it with `pip install uv` (the README's setup command)")
        }
        return (process.terminationStatus, String(data: data, encoding: .utf8) ?? "")
    }
}
