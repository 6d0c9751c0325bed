import Foundation
import Lock
import LockReading
import PackageIndex
import Planner
import Spec

/// Resolves the runtime's Python closure with uv (`uv pip compile --generate-hashes`).
/// sglang-forge does not resolve dependencies itself.
///
/// The request (``ClosureRequest``) becomes requirements files in a scratch directory, named so
/// that uv's `# via -r …` annotations say where each root comes from; uv runs there with
/// `--constraints`, `--excludes`, `--exclude-newer` (every component exempt with
/// `--exclude-newer-package NAME=false`: a pin is never hidden by the bound) and
/// `--no-emit-package` for every component (their artifacts come from the lock).
public enum ClosureCompiler {
    /// Why the closure could not be made.
    public struct Failure: Error, CustomStringConvertible {
        /// What went wrong, with uv's stderr when uv ran.
        public var description: String
        /// uv's explanation when it found no solution (`nil` for other failures).
        public var unsatisfiable: String?
    }

    /// What uv produced.
    public struct Output: Sendable {
        /// The lock's `closure` entry, without distributions (filled by ``ClosureMetadata``).
        public var closure: LockedClosure
        /// The parsed closure file.
        public var packages: [PlannedPythonPackage]
        /// The closure file's bytes, for the caller to write at the closure's path.
        public var file: Data
    }

    /// Runs uv in a scratch directory; nothing is written at `outputPath` (the caller writes
    /// ``Output/file`` there together with the lock).
    /// - Parameters:
    ///   - excludeNewer: RFC 3339 upload bound (uv `--exclude-newer`).
    ///   - uvCacheDirectory: uv's cache (`--cache-dir`); `nil`: uv's default.
    /// - Returns: the closure entry (path relative to `lockDirectory`) and its packages.
    /// - Throws: ``Failure`` when uv is missing or fails (its stderr is included; ``Failure/unsatisfiable`` set
    ///   when uv found no solution).
    public static func compile(_ request: ClosureRequest, spec: Spec, index: String, excludeNewer: (String, ExcludeNewerSource),
                               outputPath: String, lockDirectory: String, uvCacheDirectory: URL? = nil) throws -> Output {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("sglang-forge-closure-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        for input in request.inputs {
            try (input.lines.map(\.text).joined(separator: "\n") + "\n").write(to: work.appendingPathComponent(input.file), atomically: true, encoding: .utf8)
        }
        try (request.constraints.map(\.text).joined(separator: "\n") + "\n").write(to: work.appendingPathComponent("constraints.txt"), atomically: true, encoding: .utf8)
        let glibc = spec.runtime.glibc.value.replacingOccurrences(of: ".", with: "_")
        let output = work.appendingPathComponent("closure.txt")
        var arguments = ["uv", "pip", "compile"] + request.inputs.map(\.file) + [
            "--constraints", "constraints.txt",
            "--python-version", spec.runtime.python.value, "--python-platform", "\(spec.runtime.platform.value.wheelArchitecture)-manylinux_\(glibc)",
            "--generate-hashes", "--no-header", "--quiet", "--default-index", index,
            // Wheels only (a closure entry is installed from a wheel; no sdist is built at lock
            // time) and no managed-Python download: uv reads wheel metadata, it needs no interpreter.
            "--no-build", "--no-python-downloads",
            "--exclude-newer", excludeNewer.0, "--output-file", "closure.txt",
        ]
        if !request.excludes.isEmpty {
            try (request.excludes.joined(separator: "\n") + "\n").write(to: work.appendingPathComponent("unprovided.txt"), atomically: true, encoding: .utf8)
            arguments += ["--excludes", "unprovided.txt"]
        }
        if let uvCacheDirectory { arguments += ["--cache-dir", uvCacheDirectory.path] }
        for name in request.components {
            arguments += ["--no-emit-package", name, "--exclude-newer-package", "\(name)=false"]
        }
        let (status, errorText) = try run(arguments, in: work)
        guard status == 0 else {
            let text = errorText.trimmingCharacters(in: .whitespacesAndNewlines)
            let unsatisfiable = text.contains("No solution found") || text.contains("unsatisfiable")
            let oneLine = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: " ")
            throw Failure(description: "uv pip compile failed (exit \(status)): \(oneLine)", unsatisfiable: unsatisfiable ? text : nil)
        }
        let version = (try? run(["uv", "--version"], in: work, captureStdout: true).1.trimmingCharacters(in: .whitespacesAndNewlines)) ?? "uv"
        let file = (try? Data(contentsOf: output)) ?? Data()
        let hex = FileHasher.sha256(of: file)
        let text = String(decoding: file, as: UTF8.self)
        let (parsed, diagnostics) = PythonClosureReader.parse(text, source: outputPath)
        guard let parsed else {
            throw Failure(description: "uv wrote a closure sglang-forge cannot read: " + diagnostics.map(\.description).joined(separator: "; "), unsatisfiable: nil)
        }
        let relative = outputPath.hasPrefix(lockDirectory + "/") ? String(outputPath.dropFirst(lockDirectory.count + 1)) : outputPath
        let closure = LockedClosure(path: relative, sha256: hex, resolver: version, packages: parsed.packages.count,
                                    excludeNewer: excludeNewer.0, excludeNewerSource: excludeNewer.1, wheels: [])
        return Output(closure: closure, packages: parsed.packages, file: file)
    }

    /// Runs `/usr/bin/env arguments…` (in `directory`, when given); returns the exit status and
    /// stderr (or stdout). Shared with ``BuildRequirementsCompiler``.
    static func run(_ arguments: [String], in directory: URL? = nil, captureStdout: Bool = false) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let pipe = Pipe()
        if captureStdout { process.standardOutput = pipe } else { process.standardError = pipe; process.standardOutput = FileHandle.nullDevice }
        do { try process.run() } catch {
            throw Failure(description: "cannot start \(arguments[0]): \(error); install it with `pip install uv`", unsatisfiable: nil)
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationStatus == 127 {
            throw Failure(description: "'\(arguments[0])' is not installed; install it with `pip install uv` (the README's setup command)", unsatisfiable: nil)
        }
        return (process.terminationStatus, String(data: data, encoding: .utf8) ?? "")
    }
}
