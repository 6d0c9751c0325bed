import Crypto
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `Fixtures/bump_server.py` on 127.0.0.1: the index, the artifacts and the GitHub API stand-in.
final class BumpServer: @unchecked Sendable {
    let process = Process()
    let port: Int

    static var fixtures: URL { URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures") }

    var index: String { "http://127.0.0.1:\(port)/simple/" }
    var api: String { "http://127.0.0.1:\(port)/api" }

    init() throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.fixtures.appendingPathComponent("bump_server.py").path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while true {
            let byte = pipe.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data([0x0A]) { break }
            line.append(byte)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            process.terminate()
            throw CocoaError(.fileReadCorruptFile)
        }
        self.port = port
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// GET a path of the server, synchronously.
    func get(_ path: String) throws -> Data {
        try Data(contentsOf: URL(string: "http://127.0.0.1:\(port)\(path)")!)
    }

    /// POST with an empty body.
    func post(_ path: String) async throws {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = "POST"
        _ = try await URLSession.shared.data(for: request)
    }

    /// The recorded requests (API calls and range requests).
    struct Recorded: Decodable, Equatable {
        var method: String
        var path: String
        var range: String?
        var body: [String: String]?
    }

    func requests() throws -> [Recorded] { try JSONDecoder().decode([Recorded].self, from: get("/_requests")) }
    func apiRequests() throws -> [Recorded] { try requests().filter { $0.path.hasPrefix("/api/") } }

    /// The test spec for this server, with the jit-cache wheel's real hash.
    func spec() throws -> String {
        let template = try String(contentsOf: Self.fixtures.appendingPathComponent("spec.yaml.template"), encoding: .utf8)
        let jit = try get("/artifacts/v0.5/fi_jit-0.5+cu128-py3-none-any.whl")
        return template.replacingOccurrences(of: "{port}", with: String(port)).replacingOccurrences(of: "{jithash}", with: hex(jit))
    }

    func hex(_ data: Data) -> String { SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined() }
}

/// A fresh directory, removed on deinit.
final class TemporaryDirectory {
    let path: String
    init(_ name: String) throws {
        path = FileManager.default.temporaryDirectory.path + "/forge-bump-\(name)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Runs a program; returns status and merged output.
@discardableResult
func run(_ arguments: [String], in directory: String? = nil, environment extra: [String: String] = [:], input: Data? = nil) throws -> (status: Int32, output: String, stdout: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    var env = ProcessInfo.processInfo.environment
    env["GIT_CONFIG_GLOBAL"] = "/dev/null"
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    env["GIT_AUTHOR_NAME"] = "Forge Test"
    env["GIT_AUTHOR_EMAIL"] = "forge@example.invalid"
    env["GIT_COMMITTER_NAME"] = "Forge Test"
    env["GIT_COMMITTER_EMAIL"] = "forge@example.invalid"
    env.merge(extra) { $1 }
    process.environment = env
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let inPipe = Pipe()
    process.standardInput = input == nil ? FileHandle.nullDevice : inPipe
    try process.run()
    if let input {
        DispatchQueue.global().async {
            inPipe.fileHandleForWriting.write(input)
            try? inPipe.fileHandleForWriting.close()
        }
    }
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
    let stdout = String(decoding: outData, as: UTF8.self)
    return (process.terminationStatus, stdout + String(decoding: errData, as: UTF8.self), stdout)
}

/// Runs a git command that must succeed; returns its trimmed output.
@discardableResult
func git(_ arguments: [String], in directory: String) throws -> String {
    let result = try run(["git"] + arguments, in: directory)
    guard result.status == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "git \(arguments): \(result.output)"]) }
    return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
}

/// The `sglang-forge` executable SwiftPM built next to the test bundle.
func forgeExecutable() -> String {
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = directory.appendingPathComponent("sglang-forge").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        directory = directory.deletingLastPathComponent()
    }
    return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".build/debug/sglang-forge").path
}
