/// JSON string literals (RFC 8259 §7), for generated files that embed JSON: flake.lock, the exec
/// form of Dockerfile instructions.
public enum JSONString {
    /// `s` as a double-quoted JSON string: `"` and `\` escaped, `\n`, `\r`, `\t` by name, other
    /// control characters (below U+0020) as `\u00XX`; everything else as is (UTF-8).
    public static func quoted(_ s: String) -> String {
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
