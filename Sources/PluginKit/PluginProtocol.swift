@_exported import Planner

/// Constants of the sglang-forge backend plugin protocol (`docs/plugins.md`), modelled on
/// protoc's plugin protocol: the host writes one request to the plugin's stdin and reads one
/// response from its stdout.
public enum PluginProtocol {
    /// The protocol version this kit and host speak. A change that an existing plugin could
    /// misread (a field removed, renamed, or given a new meaning) bumps it; new optional fields
    /// do not, and both sides ignore fields they do not know.
    public static let version = 1

    /// Executables named `sglang-forge-backend-NAME` on `PATH` are the backend `NAME`.
    public static let executablePrefix = "sglang-forge-backend-"

    /// The argument the host passes to ask a plugin for its ``PluginDescription``.
    public static let describeFlag = "--describe"
}

/// What a plugin answers to `--describe`: one JSON object on stdout, exit status 0.
public struct PluginDescription: Codable, Hashable, Sendable {
    /// The protocol version the plugin speaks (``PluginProtocol/version``).
    public var `protocol`: Int
    /// The backend name (the `NAME` of `sglang-forge-backend-NAME`).
    public var name: String
    /// One line for `sglang-forge backends`.
    public var description: String
    /// The layouts the plugin accepts in the `layout` option, the first being its default;
    /// `nil` when it has only one.
    public var layouts: [String]?

    /// Creates a description speaking ``PluginProtocol/version``.
    public init(name: String, description: String, layouts: [String]? = nil, protocol version: Int = PluginProtocol.version) {
        self.protocol = version
        self.name = name
        self.description = description
        self.layouts = layouts
    }
}

// The value types the plan's fields have, so that a plugin needs only `import PluginKit`.
@_exported import enum Spec.ComponentKind
@_exported import enum Spec.LibraryProvider
@_exported import enum Spec.RequiresDistPolicy
@_exported import protocol Spec.NamedCaseCodable
@_exported import enum Lock.ArtifactOrigin
@_exported import struct Hashes.Digest
@_exported import enum Hashes.HashAlgorithm
@_exported import struct Packaging.PythonVersion
@_exported import struct Packaging.GlibcVersion
@_exported import struct CUDACompatibility.DriverVersion
@_exported import enum Spec.Platform
