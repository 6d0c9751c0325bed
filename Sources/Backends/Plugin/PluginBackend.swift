import BackendCore
import Foundation
import Planner
import PluginKit

/// A backend plugin: the executable `sglang-forge-backend-NAME` (found on `PATH`, or named with
/// `emit --plugin PATH`) behind the same ``BackendRunner`` interface as the built-ins.
///
/// One run (docs/plugins.md): the host writes the request (`PluginRequest.encoded`) to the
/// plugin's stdin and reads one `PluginResponse` from its stdout. A non-zero exit, a crash, a
/// response that is not JSON or not protocol 1, no exit within ``timeout`` seconds or a
/// response over ``maxResponseBytes`` is a ``BackendRunFailure`` quoting the plugin's stderr; so
/// is a file path that is absolute, contains `..` (or `.`, or an empty component) or appears
/// twice, and a diagnostic naming a variant or component the plan does not have. Nothing is
/// written after a failure.
public struct PluginBackend: BackendRunner {
    /// The backend name: the executable's name without `sglang-forge-backend-`.
    public let name: String
    /// The executable's path.
    public let executable: String
    /// Seconds the plugin may run (default 60).
    public var timeout: Double
    /// The largest response accepted, in bytes (default 256 MiB).
    public var maxResponseBytes: Int

    /// The default of ``timeout``, seconds.
    public static let defaultTimeout: Double = 60
    /// The default of ``maxResponseBytes``.
    public static let defaultMaxResponseBytes = 256 << 20

    /// A plugin at `executable`; its name is the file name without ``PluginProtocol/executablePrefix``.
    public init(executable: String, timeout: Double = PluginBackend.defaultTimeout, maxResponseBytes: Int = PluginBackend.defaultMaxResponseBytes) {
        self.executable = executable
        let file = executable.split(separator: "/").last.map(String.init) ?? executable
        self.name = file.hasPrefix(PluginProtocol.executablePrefix) ? String(file.dropFirst(PluginProtocol.executablePrefix.count)) : file
        self.timeout = timeout
        self.maxResponseBytes = maxResponseBytes
    }

    /// Runs the plugin on `plan` (see the type's documentation).
    public func run(_ plan: BuildPlan, options: [String: String]) throws(BackendRunFailure) -> BackendOutput {
        let request = PluginRequest.encoded(planJSON: plan.rendered(as: .json), options: options)
        let outcome = try launch(arguments: [], input: request)
        let response = try decode(PluginResponse.self, outcome)
        return try PluginResponseCheck(plan: plan, failure: { failure($0, outcome.stderr) }).check(response)
    }

    /// Asks the plugin for its description (`--describe`), with the same timeout and limits.
    public func describe() throws(BackendRunFailure) -> PluginDescription {
        let outcome = try launch(arguments: [PluginProtocol.describeFlag], input: [])
        return try decode(PluginDescription.self, outcome)
    }

    // MARK: running and decoding

    private func launch(arguments: [String], input: [UInt8]) throws(BackendRunFailure) -> PluginProcess.Outcome {
        let outcome: PluginProcess.Outcome
        do {
            outcome = try PluginProcess.run(executable, arguments: arguments, input: input, timeout: timeout, maxStdout: maxResponseBytes)
        } catch {
            throw failure(error.message, [])
        }
        switch outcome.termination {
        case .exited(0): return outcome
        case .exited(let status): throw failure("exited with status \(status)", outcome.stderr)
        case .signalled(let signal): throw failure("crashed (killed by signal \(signal)\(Self.signalName(signal).map { ", \($0)" } ?? ""))", outcome.stderr)
        case .timedOut: throw failure("did not finish within \(Self.seconds(timeout)) (--plugin-timeout) and was killed", outcome.stderr)
        case .oversized: throw failure("wrote a response larger than \(maxResponseBytes) bytes (--plugin-max-response) and was killed", outcome.stderr)
        }
    }

    private func decode<T: Decodable>(_ type: T.Type, _ outcome: PluginProcess.Outcome) throws(BackendRunFailure) -> T {
        let data = Data(outcome.stdout)
        let envelope: Envelope
        do {
            envelope = try JSONDecoder().decode(Envelope.self, from: data)
        } catch {
            throw failure("wrote a response that is not a JSON object" + (outcome.stdout.isEmpty ? " (stdout was empty)" : ": \(Self.describe(error))"), outcome.stderr)
        }
        guard let version = envelope.protocol else { throw failure("wrote a response without \"protocol\"", outcome.stderr) }
        guard version == PluginProtocol.version else {
            throw failure("speaks protocol \(version); this sglang-forge speaks protocol \(PluginProtocol.version) (docs/plugins.md)", outcome.stderr)
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw failure("wrote an invalid protocol \(PluginProtocol.version) response: \(Self.describe(error))", outcome.stderr)
        }
    }

    /// The one field every message has, read before the rest.
    private struct Envelope: Decodable { var `protocol`: Int? }

    /// `backend plugin 'NAME' (PATH) <what>`, then the tail of its stderr, each line as `  | line`.
    func failure(_ what: String, _ stderr: [UInt8]) -> BackendRunFailure {
        var message = "backend plugin '\(name)' (\(executable)) \(what)"
        let text = String(decoding: stderr, as: UTF8.self)
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        let trimmed = lines.last?.isEmpty == true ? lines.dropLast() : lines[...]
        if trimmed.isEmpty {
            message += "; its stderr was empty"
        } else {
            message += "; its stderr:\n" + trimmed.suffix(40).map { "  | \($0)" }.joined(separator: "\n")
        }
        return BackendRunFailure(message)
    }

    /// A decoding error in one line: the coding path and the reason.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return keys.isEmpty ? "" : " at \(keys.hasPrefix(".") ? String(keys.dropFirst()) : keys)"
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing \"\(key.stringValue)\"\(path(context))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context): return "\(context.debugDescription)\(path(context))"
        case .dataCorrupted(let context):
            let underlying = (context.underlyingError as? NSError)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return (underlying ?? context.debugDescription) + path(context)
        @unknown default: return "\(error)"
        }
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }

    static func signalName(_ signal: Int32) -> String? {
        [4: "SIGILL", 6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE", 9: "SIGKILL", 11: "SIGSEGV", 13: "SIGPIPE", 15: "SIGTERM"][signal]
    }
}
