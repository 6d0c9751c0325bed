import BackendCore
import ContainerBackend
import NixBackend
import PluginHost
import PluginKit
import TarballBackend

/// Every backend `emit` can run: the built-ins, and plugins found on `PATH` or named by path.
/// A built-in name wins over a plugin of the same name (the plugin is listed as shadowed).
public enum BackendRegistry {
    /// The built-ins' `--backend` names, in ``builtIns`` order, without making the backends: for
    /// help text, which ArgumentParser builds for every subcommand on every run (making them cost
    /// 0.3 ms of `plan`'s start-up in protocol-witness lookups, issue 13 §5).
    public static let builtInNames = ["nix", "container", "tarball"]

    /// The built-in backends, in the order `sglang-forge backends` lists them.
    public static var builtIns: [BuiltInBackend] {
        [
        BuiltInBackend(name: builtInNames[0], summary: "Nix flake (layout flake) or flox package tree (layout flox), one pinned nixpkgs", NixBackend()),
        BuiltInBackend(name: builtInNames[1], summary: "OCI build files: multi-stage Containerfile + docker-bake.hcl (layout bake) or one Containerfile per variant (layout per-variant)", ContainerBackend()),
        BuiltInBackend(name: builtInNames[2], summary: "per-variant recipes that stage a relocatable prefix and pack it into a .tar.zst", TarballBackend()),
        ]
    }

    /// The names `all` stands for in `emit --backend all`: every built-in (plugins are named).
    public static var allName: String { "all" }

    /// The backend called `name`: a built-in, else `sglang-forge-backend-NAME` on `searchPath`.
    /// - Returns: `nil` when neither exists.
    public static func resolve(_ name: String, searchPath: String, timeout: Double, maxResponseBytes: Int) -> (any BackendRunner)? {
        if let builtIn = builtIns.first(where: { $0.name == name }) { return builtIn }
        guard let executable = PluginDiscovery.find(name, searchPath: searchPath) else { return nil }
        return PluginBackend(executable: executable, timeout: timeout, maxResponseBytes: maxResponseBytes)
    }

    /// One row of `sglang-forge backends`.
    public struct Listing: Sendable, Hashable {
        /// The `--backend` name.
        public var name: String
        /// `built-in`, or the plugin's executable path.
        public var origin: String
        /// The protocol version (1 for built-ins); `nil` when a plugin's `--describe` failed.
        public var protocolVersion: Int?
        /// The description, or why `--describe` failed.
        public var description: String
        /// Layouts, first the default.
        public var layouts: [String]
        /// A plugin hidden by a built-in of the same name.
        public var shadowed: Bool
        /// Whether `--describe` failed or named another backend.
        public var broken: Bool
    }

    /// Built-ins, then every plugin on `searchPath` (each asked `--describe`, within `timeout`).
    public static func list(searchPath: String, timeout: Double) -> [Listing] {
        var rows = builtIns.map {
            Listing(name: $0.name, origin: "built-in", protocolVersion: PluginProtocol.version, description: $0.summary, layouts: $0.layouts, shadowed: false, broken: false)
        }
        let builtInNames = Set(builtIns.map(\.name))
        for (name, executable) in PluginDiscovery.all(searchPath: searchPath) {
            let plugin = PluginBackend(executable: executable, timeout: timeout, maxResponseBytes: 1 << 20)
            var row = Listing(name: name, origin: executable, protocolVersion: nil, description: "", layouts: [], shadowed: builtInNames.contains(name), broken: false)
            do {
                let description = try plugin.describe()
                row.protocolVersion = description.protocol
                row.description = description.description
                row.layouts = description.layouts ?? []
                if description.name != name {
                    row.broken = true
                    row.description = "--describe names the backend '\(description.name)', not '\(name)'"
                }
            } catch {
                row.broken = true
                row.description = error.message
            }
            rows.append(row)
        }
        return rows
    }
}
