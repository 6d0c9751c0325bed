import Foundation

/// Runs external tools for tests (the `git` CLI to build fixtures, Nix as the oracle).
public enum Shell {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: Data
        public var stderr: String
        public var text: String { String(decoding: stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var command: String
        public var result: Result
        public var description: String { "`\(command)` exited \(result.status): \(result.stderr)" }
    }

    /// The environment every tool runs in: no user or system git config, fixed identities and dates.
    public static var environment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["GIT_CONFIG_GLOBAL"] = "/dev/null"
        env["GIT_CONFIG_NOSYSTEM"] = "1"
        env["GIT_AUTHOR_NAME"] = "Forge Test"
        env["GIT_AUTHOR_EMAIL"] = "forge@example.invalid"
        env["GIT_COMMITTER_NAME"] = "Forge Test"
        env["GIT_COMMITTER_EMAIL"] = "forge@example.invalid"
        env["LC_ALL"] = "C"
        return env
    }

    /// Runs `arguments` (looked up on PATH) in `directory`; returns whatever it exits with.
    @discardableResult
    public static func run(_ arguments: [String], in directory: String? = nil, environment extra: [String: String] = [:], input: Data? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.environment = environment.merging(extra) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let inPipe = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : inPipe
        try process.run()
        if let input {
            inPipe.fileHandleForWriting.write(input)
            try inPipe.fileHandleForWriting.close()
        }
        // Read both pipes concurrently so a chatty tool cannot block on a full pipe.
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: outData, stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Runs a command that must succeed; returns its trimmed standard output.
    @discardableResult
    public static func check(_ arguments: [String], in directory: String? = nil, environment extra: [String: String] = [:]) throws -> String {
        let result = try run(arguments, in: directory, environment: extra)
        guard result.status == 0 else { throw Failure(command: arguments.joined(separator: " "), result: result) }
        return result.text
    }

    /// A shell pipeline (`sh -c`), which must succeed.
    @discardableResult
    public static func sh(_ script: String, in directory: String? = nil) throws -> String {
        try check(["sh", "-c", script], in: directory)
    }

    /// Whether `tool` is on PATH.
    public static func has(_ tool: String) -> Bool {
        (try? run(["sh", "-c", "command -v \(tool)"]).status) == 0
    }
}

/// A fresh temporary directory, removed when the value is deinitialised.
public final class TemporaryDirectory {
    public let path: String

    public init(_ label: String = "forge") throws {
        let base = FileManager.default.temporaryDirectory.path
        path = base + "/\(label)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
