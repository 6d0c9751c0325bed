import Foundation
import Testing

/// A failed shell command in a test, with its output.
struct ShellFailure: Error, CustomStringConvertible {
    var status: Int32
    var output: String
    var description: String { "exit status \(status):\n\(output)" }
}

enum Shell {
    /// Runs `script` with `bash -euo pipefail`, `environment` added to this process's.
    /// - Returns: standard output and standard error, merged.
    @discardableResult
    static func run(_ script: String, environment: [String: String] = [:], expectFailure: Bool = false) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-euo", "pipefail", "-c", script]
        var env = ProcessInfo.processInfo.environment
        for key in ["PYTHONHOME", "PYTHONPATH", "PYTHONSTARTUP", "LD_LIBRARY_PATH"] { env[key] = nil }
        env.merge(environment) { _, new in new }
        process.environment = env
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let output = String(decoding: data, as: UTF8.self)
        if process.terminationStatus != 0 && !expectFailure { throw ShellFailure(status: process.terminationStatus, output: output) }
        return (process.terminationStatus, output)
    }
}

/// A fresh directory, removed when the value is deinitialised.
final class TemporaryDirectory {
    let path: String

    init(_ name: String = "pack-test") throws {
        let base = FileManager.default.temporaryDirectory.path
        path = base + "/sglang-forge-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func write(_ relative: String, _ text: String, executable: Bool = false) throws {
        let full = path + "/" + relative
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: full))
        try FileManager.default.setAttributes([.posixPermissions: executable ? 0o755 : 0o644], ofItemAtPath: full)
    }
}

/// The `sglang-forge` executable SwiftPM built next to the test bundle.
func forgeExecutable() -> String {
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = directory.appendingPathComponent("sglang-forge").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        directory = directory.deletingLastPathComponent()
    }
    let fallback = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".build/debug/sglang-forge").path
    return fallback
}

/// Quotes a string for bash.
func shellQuoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }
