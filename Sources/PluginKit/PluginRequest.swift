/// The request the host writes to a plugin's stdin:
/// `{"protocol": 1, "options": {…}, "plan": <exactly what `plan --format json` prints>}`.
public struct PluginRequest: Decodable, Sendable {
    /// The protocol version of the host (``PluginProtocol/version``).
    public var `protocol`: Int
    /// The checked build plan (`docs/plan-schema.md`), restricted to the selected variants.
    public var plan: BuildPlan
    /// Backend options as strings: `layout` when the user chose one (`--layout`), and every
    /// `--option KEY=VALUE`. A plugin reports options it does not know as error diagnostics.
    public var options: [String: String]

    /// Creates a request (for tests and for plugins that call each other in process).
    public init(plan: BuildPlan, options: [String: String] = [:], protocol version: Int = PluginProtocol.version) {
        self.protocol = version
        self.plan = plan
        self.options = options
    }

    /// The request's JSON bytes, with `planJSON` (the output of `plan --format json`) embedded
    /// byte for byte; options are encoded with sorted keys.
    public static func encoded(planJSON: String, options: [String: String], protocol version: Int = PluginProtocol.version) -> [UInt8] {
        var text = "{\"protocol\": \(version), \"options\": {"
        text += options.sorted { $0.key < $1.key }.map { "\(JSONText.quoted($0.key)): \(JSONText.quoted($0.value))" }.joined(separator: ", ")
        text += "}, \"plan\": " + planJSON + "}\n"
        return Array(text.utf8)
    }
}

/// JSON string literals (RFC 8259 §7).
enum JSONText {
    /// `s` as a JSON string: `"` and `\` escaped, control characters as `\n`, `\r`, `\t` or `\u00XX`.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
