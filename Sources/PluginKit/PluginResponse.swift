/// The response a plugin writes to its stdout:
/// `{"protocol": 1, "files": [{"path", "contents", "executable"}], "diagnostics": [{"severity", "message", "variant", "component"}]}`.
///
/// A plugin reports problems in the spec as diagnostics and exits 0; the host writes nothing
/// when any diagnostic is an error.
public struct PluginResponse: Codable, Hashable, Sendable {
    /// The protocol version of the plugin (``PluginProtocol/version``).
    public var `protocol`: Int
    /// The generated files; absent means none.
    public var files: [PluginFile]
    /// Problems found in the plan; absent means none.
    public var diagnostics: [PluginDiagnostic]

    /// Creates a response speaking ``PluginProtocol/version``.
    public init(files: [PluginFile] = [], diagnostics: [PluginDiagnostic] = [], protocol version: Int = PluginProtocol.version) {
        self.protocol = version
        self.files = files
        self.diagnostics = diagnostics
    }

    enum CodingKeys: String, CodingKey { case `protocol`, files, diagnostics }

    /// Decodes a response; `files` and `diagnostics` default to empty.
    /// - Throws: `DecodingError` when `protocol` is missing or a field has the wrong type.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.protocol = try c.decode(Int.self, forKey: .protocol)
        self.files = try c.decodeIfPresent([PluginFile].self, forKey: .files) ?? []
        self.diagnostics = try c.decodeIfPresent([PluginDiagnostic].self, forKey: .diagnostics) ?? []
    }
}

/// One generated file.
public struct PluginFile: Codable, Hashable, Sendable {
    /// Relative, `/`-separated path inside the output directory (no `..`, no leading `/`).
    public var path: String
    /// The full contents, UTF-8 text.
    public var contents: String
    /// Whether the file gets mode 0755 instead of 0644; absent means `false`.
    public var executable: Bool

    /// Creates a file.
    public init(path: String, contents: String, executable: Bool = false) {
        self.path = path
        self.contents = contents
        self.executable = executable
    }

    enum CodingKeys: String, CodingKey { case path, contents, executable }

    /// Decodes a file; `executable` defaults to `false`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        path = try c.decode(String.self, forKey: .path)
        contents = try c.decode(String.self, forKey: .contents)
        executable = try c.decodeIfPresent(Bool.self, forKey: .executable) ?? false
    }
}

/// One problem a plugin found. The host locates it in the spec through the plan's source
/// locations: `component` → where the component is declared; `variant` is named in the message.
public struct PluginDiagnostic: Codable, Hashable, Sendable {
    /// `error` (nothing is written) or `warning`.
    public enum Severity: String, Codable, Hashable, Sendable { case error, warning }

    /// Error or warning.
    public var severity: Severity
    /// One sentence, lowercase start, no trailing period.
    public var message: String
    /// The variant (`plan.variants[].name`) the problem concerns, if one.
    public var variant: String?
    /// The component (`plan.components[].name`) the problem concerns, if one.
    public var component: String?

    /// Creates a diagnostic.
    public init(_ severity: Severity, _ message: String, variant: String? = nil, component: String? = nil) {
        self.severity = severity
        self.message = message
        self.variant = variant
        self.component = component
    }
}
