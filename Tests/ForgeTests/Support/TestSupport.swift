import Foundation
import ForgeTestSupport
import Testing

/// Paths and helpers shared by the tests.
enum TestSupport {
    /// The package root (two levels above this file's directory).
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `Tests/ForgeTests/Fixtures`, read from the source tree so golden files can be regenerated in place.
    static let fixtures = packageRoot.appendingPathComponent("Tests/ForgeTests/Fixtures")

    /// The built `sglang-forge` executable next to the test bundle.
    static var executable: URL {
        let candidates = [
            Bundle.main.bundleURL.appendingPathComponent("sglang-forge"),
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("sglang-forge"),
            packageRoot.appendingPathComponent(".build/debug/sglang-forge"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[2]
    }

    /// Bytes of a file under the package root.
    static func read(_ relativePath: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: packageRoot.appendingPathComponent(relativePath)))
    }

    /// Compares `actual` with the golden file at `Fixtures/golden/<name>` through the one golden
    /// helper (`ForgeTestSupport.Golden`): a unified diff on mismatch, rewritten with
    /// `SGLANG_FORGE_REGENERATE_GOLDENS=1`.
    static func expectGolden(_ actual: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try ForgeTestSupport.Golden.expect(actual, matches: "Tests/ForgeTests/Fixtures/golden/\(name)", sourceLocation: sourceLocation)
    }

    /// `diff -u` of two texts.
    static func diff(_ expected: String, _ actual: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("forge-diff-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("expected"), b = dir.appendingPathComponent("actual")
        try? Data(expected.utf8).write(to: a)
        try? Data(actual.utf8).write(to: b)
        return (try? run("/usr/bin/diff", ["-u", a.path, b.path]).stdout) ?? "(diff unavailable)"
    }

    /// The result of running a program.
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `program` with `arguments` in `directory` and collects its output.
    static func run(_ program: String, _ arguments: [String], in directory: URL? = nil) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }

    /// A fresh temporary directory, removed by the caller.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("forge-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
