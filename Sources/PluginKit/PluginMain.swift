#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The whole I/O of a plugin written in Swift: `--describe`, reading the request from stdin,
/// writing the response to stdout, exit statuses.
///
/// ```swift
/// PluginMain.run(PluginDescription(name: "hello", description: "…")) { request in
///     PluginResponse(files: [PluginFile(path: "hello.txt", contents: request.plan.runtime.name + "\n")])
/// }
/// ```
public enum PluginMain {
    /// Runs the plugin and exits: status 0 after a response (even one with error diagnostics),
    /// 2 for an unreadable request or a protocol this kit does not speak, 64 for unknown arguments.
    public static func run(_ description: PluginDescription, _ emit: (PluginRequest) -> PluginResponse) -> Never {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments == [PluginProtocol.describeFlag] {
            write(encode(description), to: 1)
            exit(0)
        }
        guard arguments.isEmpty else {
            write(Array("\(description.name): usage: sglang-forge-backend-\(description.name) [\(PluginProtocol.describeFlag)] < request.json > response.json\n".utf8), to: 2)
            exit(64)
        }
        let input = readStandardInput()
        let request: PluginRequest
        do {
            struct Envelope: Decodable { var `protocol`: Int }
            let envelope = try JSONDecoder().decode(Envelope.self, from: Data(input))
            guard envelope.protocol == PluginProtocol.version else {
                write(Array("\(description.name): request speaks protocol \(envelope.protocol); this plugin speaks protocol \(PluginProtocol.version)\n".utf8), to: 2)
                exit(2)
            }
            request = try JSONDecoder().decode(PluginRequest.self, from: Data(input))
        } catch {
            write(Array("\(description.name): cannot read the request: \(PlanDecodingError(error))\n".utf8), to: 2)
            exit(2)
        }
        write(encode(emit(request)), to: 1)
        exit(0)
    }

    /// `value` as JSON with sorted keys and a trailing newline.
    public static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Plain structs of strings, numbers and booleans always encode.
        guard let data = try? encoder.encode(value) else { preconditionFailure("plugin messages always encode") }
        return Array(data) + [0x0A]
    }

    private static func readStandardInput() -> [UInt8] {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            if n > 0 { bytes += buffer[0..<n] } else if n == 0 || errno != EINTR { break }
        }
        return bytes
    }

    /// Writes all of `bytes` to the file descriptor `fd` (retrying short writes).
    private static func write(_ bytes: [UInt8], to fd: Int32) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n > 0 { offset += n } else if n < 0 && errno != EINTR { return }
        }
    }
}
