import ForgeTestSupport
import Foundation

/// Runs Nix (and diff) with a private, throw-away state: a local store under a temp directory,
/// so it works offline, as root or not, without a daemon.
public enum Nix {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The private state directory (store, home, caches) of this test process.
    public static let state: URL = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sglang-forge-nix-\(ProcessInfo.processInfo.processIdentifier)")
        for sub in ["home", "cache", "state", "log", "conf"] {
            try? FileManager.default.createDirectory(at: dir.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        return dir
    }()

    /// Runs `arguments` (PATH lookup; `nix-instantiate` gets the private store); throws
    /// ``Failure`` on a non-zero exit unless `allowFailure`. Returns stdout and stderr.
    public static func run(_ arguments: [String], allowFailure: Bool = false) throws -> (stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        var arguments = arguments
        if arguments.first == "nix-instantiate" {
            arguments.insert(contentsOf: ["--store", state.appendingPathComponent("store").path], at: 1)
        }
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = state.appendingPathComponent("home").path
        environment["XDG_CACHE_HOME"] = state.appendingPathComponent("cache").path
        environment["NIX_STATE_DIR"] = state.appendingPathComponent("state").path
        environment["NIX_LOG_DIR"] = state.appendingPathComponent("log").path
        environment["NIX_CONF_DIR"] = state.appendingPathComponent("conf").path
        environment["NIX_REMOTE"] = nil
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes while the process runs, so a full pipe cannot block it.
        let group = DispatchGroup()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        let result = (String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
        if process.terminationStatus != 0 && !allowFailure {
            throw Failure(description: "\(arguments.prefix(3).joined(separator: " ")) … exited \(process.terminationStatus):\n\(result.1)")
        }
        return result
    }

    /// `nix eval --json` of `attribute` of the flake in `dir`, with nixpkgs overridden by the stub.
    public static func evalFlake(_ dir: URL, attribute: String, apply: String) throws -> (stdout: String, stderr: String) {
        let stub = Fixtures.url("nix/stub-nixpkgs").path
        return try run([
            "nix", "eval", "--json", "--offline", "--impure", "--no-write-lock-file",
            "--extra-experimental-features", "nix-command flakes",
            "--store", state.appendingPathComponent("store").path,
            "--override-input", "nixpkgs", "path:\(stub)",
            "path:\(dir.path)#\(attribute)", "--apply", apply,
        ])
    }
}
