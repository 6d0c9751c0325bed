import ArgumentParser
import BackendRegistry
import Foundation
import PluginHost
import PluginKit

/// `sglang-forge backends`: the built-in backends and the plugins on PATH.
struct BackendsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backends",
        abstract: "List the built-in backends and the backend plugins found on PATH.",
        discussion: "A plugin is an executable named sglang-forge-backend-NAME; each is asked `--describe` (docs/plugins.md)."
    )

    /// Output formats.
    enum Format: String, CaseIterable, ExpressibleByArgument { case text, json }

    @Option(help: ArgumentHelp("Output format: text or json.", valueName: "format"))
    var format: Format = .text

    @Option(help: ArgumentHelp("Seconds each plugin may take to answer --describe.", valueName: "seconds"))
    var pluginTimeout: Double = 10

    func run() throws {
        let rows = BackendRegistry.list(searchPath: ProcessInfo.processInfo.environment["PATH"] ?? "", timeout: pluginTimeout)
        switch format {
        case .json:
            struct Row: Encodable {
                var name: String, origin: String, `protocol`: Int?, description: String, layouts: [String], shadowed: Bool, usable: Bool
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let data = try encoder.encode(rows.map {
                Row(name: $0.name, origin: $0.origin, protocol: $0.protocolVersion, description: $0.description, layouts: $0.layouts,
                    shadowed: $0.shadowed, usable: !$0.broken && !$0.shadowed && $0.protocolVersion == PluginProtocol.version)
            })
            print(String(decoding: data, as: UTF8.self))
        case .text:
            let width = rows.map(\.name.count).max() ?? 0
            for row in rows {
                var line = row.name.padding(toLength: width + 2, withPad: " ", startingAt: 0)
                line += row.origin == "built-in" ? "built-in" : "plugin \(row.origin)"
                line += row.protocolVersion.map { ", protocol \($0)" } ?? ""
                if !row.layouts.isEmpty { line += ", layouts \(row.layouts.joined(separator: " "))" }
                if row.shadowed { line += " (shadowed by the built-in)" }
                print(line)
                let lines = row.description.split(separator: "\n", omittingEmptySubsequences: false)
                print("    " + (row.broken ? "unusable: " : "") + lines.joined(separator: "\n    "))
            }
        }
    }
}
