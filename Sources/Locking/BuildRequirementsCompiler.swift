import Foundation
import Lock
import PackageIndex
import Spec

/// Resolves a source component's `build-requires` with uv into a hashed requirements file for
/// pip's hash-checking mode (`pip install --require-hashes --no-deps`), like the runtime closure:
///
///     uv pip compile <build-requires> --generate-hashes --only-binary :all:
///         --python-version <runtime.python> --python-platform <platform> --default-index <index>
///
/// `--only-binary :all:` because the build stage installs wheels only (an sdist would run
/// arbitrary build code before the hashes mean anything). sglang-forge does not resolve itself.
enum BuildRequirementsCompiler {
    /// Why the requirements could not be resolved (uv's message included).
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Resolves `inputs` and writes the file to `outputPath`.
    /// - Returns: the lock entry (path relative to `lockDirectory`).
    /// - Throws: ``Failure`` when uv is missing or fails.
    static func compile(_ inputs: LockInputBuildRequirements, python: String, index: String, outputPath: String,
                        lockDirectory: String) throws -> LockedBuildRequirements {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("sglang-forge-build-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let input = work.appendingPathComponent("\(inputs.component)-build-requires.in")
        try (inputs.requirements.joined(separator: "\n") + "\n").write(to: input, atomically: true, encoding: .utf8)
        let (status, errorText) = try ClosureCompiler.run([
            "uv", "pip", "compile", input.path, "--generate-hashes", "--only-binary", ":all:",
            "--python-version", python, "--python-platform", inputs.platform,
            "--no-header", "--no-annotate", "--quiet", "--default-index", index, "--output-file", outputPath,
        ])
        guard status == 0 else {
            throw Failure(description: "uv pip compile of the build requirements of '\(inputs.component)' failed (exit \(status)): \(errorText.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        let version = (try? ClosureCompiler.run(["uv", "--version"], captureStdout: true).1.trimmingCharacters(in: .whitespacesAndNewlines)) ?? "uv"
        let output = URL(fileURLWithPath: outputPath)
        let (hex, _) = try FileHasher.sha256(of: output)
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        let packages = text.split(separator: "\n").filter { $0.contains("==") && !$0.hasPrefix(" ") && !$0.hasPrefix("#") }.count
        let relative = outputPath.hasPrefix(lockDirectory + "/") ? String(outputPath.dropFirst(lockDirectory.count + 1)) : outputPath
        return LockedBuildRequirements(component: inputs.component, path: relative, sha256: hex, resolver: version, packages: packages)
    }
}
