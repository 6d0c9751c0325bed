import BackendCore

/// A value of a Bake file attribute (HCL native syntax).
public indirect enum HCLValue: Hashable, Sendable {
    /// A quoted string taken literally: `${` and `%{` are escaped to `$${` and `%%{`, so nothing is
    /// interpolated.
    case string(String)
    /// A quoted template whose `${VARIABLE}` references are kept (e.g. `${REGISTRY}` in tags).
    case template(String)
    /// `[a, b]`.
    case list([HCLValue])
    /// `{ "key" = value, … }`, keys always quoted, in the given order.
    case object([(key: String, value: HCLValue)])

    /// A template of `code` (kept, e.g. `${REGISTRY}`) followed by `literal`, whose `${` and `%{`
    /// are escaped as `$${` and `%%{`, so only `code` is interpolated.
    public static func template(_ code: StaticString, literal: String) -> HCLValue {
        .template(code.description + literal.replacingOccurrences(of: "${", with: "$${").replacingOccurrences(of: "%{", with: "%%{"))
    }

    /// Values are equal when they render to the same text.
    public static func == (a: HCLValue, b: HCLValue) -> Bool { a.rendered(indent: 0) == b.rendered(indent: 0) }
    /// Hashes the rendered text, consistent with `==`.
    public func hash(into hasher: inout Hasher) { hasher.combine(rendered(indent: 0)) }

    /// The HCL text, for an attribute at `indent` levels of two spaces.
    func rendered(indent: Int) -> String {
        switch self {
        case .string(let s): return HCLWriter.quoted(s, interpolate: false)
        case .template(let s): return HCLWriter.quoted(s, interpolate: true)
        case .list(let items):
            if items.isEmpty { return "[]" }
            let pad = String(repeating: "  ", count: indent + 1)
            return "[\n" + items.map { pad + $0.rendered(indent: indent + 1) + ",\n" }.joined() + String(repeating: "  ", count: indent) + "]"
        case .object(let pairs):
            if pairs.isEmpty { return "{}" }
            let pad = String(repeating: "  ", count: indent + 1)
            return "{\n" + pairs.map { pad + HCLWriter.quoted($0.key, interpolate: false) + " = " + $0.value.rendered(indent: indent + 1) + "\n" }.joined()
                + String(repeating: "  ", count: indent) + "}"
        }
    }
}

/// Writes a Bake file in HCL native syntax (https://docs.docker.com/build/bake/reference/,
/// https://github.com/hashicorp/hcl/blob/main/hclsyntax/spec.md): blocks with quoted labels,
/// `name = value` attributes, two-space indentation, and string escapes for `"`, `\`, control
/// characters, Unicode line breaks (as `\\uNNNN`) and the template sequences `${` / `%{`.
public struct HCLWriter: Sendable {
    /// The text so far.
    public private(set) var text = ""
    private var depth = 0

    /// An empty file.
    public init() {}

    /// `# line` for each line of `comment`, at the current indentation, split at every line
    /// break (``SafeText/commentLines(_:)``), so no text can end the comment.
    public mutating func comment(_ comment: String) {
        for line in SafeText.commentLines(comment) {
            text += indentation + (line.isEmpty ? "#\n" : "# \(line)\n")
        }
    }

    /// Raw, already valid lines (the generated-file header).
    public mutating func raw(_ line: String) { text += line.hasSuffix("\n") ? line : line + "\n" }

    /// An empty line.
    public mutating func blank() { text += "\n" }

    /// `type "label" { … }` (no label when `label` is `nil`).
    public mutating func block(_ type: String, _ label: String?, _ body: (inout HCLWriter) -> Void) {
        text += indentation + type + (label.map { " " + Self.quoted($0, interpolate: false) } ?? "") + " {\n"
        depth += 1
        body(&self)
        depth -= 1
        text += indentation + "}\n"
    }

    /// `name = value`.
    public mutating func attribute(_ name: String, _ value: HCLValue) {
        text += indentation + name + " = " + value.rendered(indent: depth) + "\n"
    }

    private var indentation: String { String(repeating: "  ", count: depth) }

    /// A quoted HCL string. Without `interpolate`, `${` and `%{` are escaped as `$${` and `%%{`.
    static func quoted(_ s: String, interpolate: Bool) -> String {
        var out = "\""
        var previous: Unicode.Scalar?
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "{" where !interpolate && (previous == "$" || previous == "%"):
                out += previous == "$" ? "${" : "%{"
            case _ where SafeText.isControl(scalar) || SafeText.isLineBreak(scalar):
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
            previous = scalar
        }
        return out + "\""
    }
}
