import BackendCore
import Foundation

/// Builds the text of an Apptainer definition file: comment lines, header keywords
/// (`Bootstrap:`, `From:`, `Stage:`), and `%sections` with indented bodies.
///
/// Format source: the Apptainer user guide, "Definition Files"
/// (https://apptainer.org/docs/user/latest/definition_files.html). Every value that reaches a
/// file goes through a writer: shell bodies are ``ShellCommand`` lines (code and quoted words),
/// headers, `%files` and `%labels` are kept to one token or one line; ``ApptainerInputs`` refuses
/// values with line breaks beforehand, since a body line starting with `%` would open a section.
public struct DefinitionWriter {
    /// The text so far.
    public private(set) var text = ""

    /// An empty definition file.
    public init() {}

    /// Appends text as is.
    public mutating func raw(_ s: String) { text += s }

    /// `# line` for every line of `s` (split at every line break by the shared `SafeText`,
    /// control characters written visibly); `#` alone for empty lines.
    public mutating func comment(_ s: String) {
        for line in SafeText.commentLines(s) {
            text += line.isEmpty ? "#\n" : "# \(line)\n"
        }
    }

    /// An empty line.
    public mutating func blank() { text += "\n" }

    /// A header keyword line, `Key: value`; the value is kept one token on one line
    /// (whitespace and control characters written visibly), so it can never open a section.
    public mutating func header(_ key: StaticString, _ value: String) { text += "\(key): \(Self.withoutBootstrap(Self.token(value)))\n" }

    /// A section: `%name[ argument]`, then each body line indented by four spaces, then a blank
    /// line. Every body line is kept on one line (``SafeText/oneLine(_:)``: a line break would
    /// let the rest become a new line of the file, a `%section` included) and a body line that
    /// would start with `%` has it written as `\u{25}`; `bootstrap:` (any case), which starts a
    /// new stage wherever it appears in a line for spython, has its colon written as `\u{3A}`.
    /// ``ApptainerInputs`` refuses such values first; this only keeps the file's structure.
    public mutating func section(_ name: StaticString, argument: StaticString? = nil, _ lines: [String]) {
        text += "%\(name)" + (argument.map { " \($0)" } ?? "") + "\n"
        for line in lines {
            var safe = Self.withoutBootstrap(SafeText.oneLine(line))
            if safe.drop(while: { $0.isWhitespace }).hasPrefix("%") { safe = safe.replacingOccurrences(of: "%", with: "\\u{25}") }
            text += safe.isEmpty ? "\n" : "    " + safe + "\n"
        }
        text += "\n"
    }

    /// A shell section (`%post`, `%environment`, `%runscript`): every line a ``ShellCommand``.
    public mutating func section(_ name: StaticString, commands: [ShellCommand]) {
        section(name, commands.map(\.text))
    }

    /// `%labels`: one `key value` line per pair; the value is the rest of the line (Apptainer's
    /// label format), kept on one line.
    public mutating func labels(_ pairs: [(key: String, value: String)]) {
        section("labels", pairs.map { Self.token($0.key) + " " + SafeText.oneLine($0.value) })
    }

    /// `%files [from stage]`: `source destination` lines of plain tokens.
    public mutating func files(from stage: String? = nil, _ pairs: [(source: String, destination: String)]) {
        text += "%files" + (stage.map { " from " + Self.token($0) } ?? "") + "\n"
        for pair in pairs { text += "    " + Self.withoutBootstrap(Self.token(pair.source) + " " + Self.token(pair.destination)) + "\n" }
        text += "\n"
    }

    /// A `%post` body: one command chain joined by `&&`, one command per line with `\`
    /// continuations, so it runs as one script step and stops at the first failure.
    public static func chain(_ commands: [ShellCommand]) -> [String] {
        commands.enumerated().map { index, command in
            (index == 0 ? "" : " && ") + command.text + (index == commands.count - 1 ? "" : " \\")
        }
    }

    /// Whether `text` holds `bootstrap:` in any case (a new stage for spython's parser).
    public static func hasBootstrap(_ text: String) -> Bool { text.lowercased().contains("bootstrap:") }

    /// `text` with the colon of every `bootstrap:` (any case) written as `\u{3A}`.
    static func withoutBootstrap(_ text: String) -> String {
        guard hasBootstrap(text) else { return text }
        var out = ""
        var rest = Substring(text)
        while let range = rest.range(of: "bootstrap:", options: .caseInsensitive) {
            out += rest[..<range.lowerBound] + rest[range].dropLast() + "\\u{3A}"
            rest = rest[range.upperBound...]
        }
        return out + rest
    }

    /// `word` as one token on one line: whitespace and control characters written visibly as
    /// `\u{XX}` (the check refuses such values first; this only keeps the file's structure).
    public static func token(_ word: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in word.unicodeScalars {
            if scalar.properties.isWhitespace || SafeText.isControl(scalar) || SafeText.isLineBreak(scalar) {
                out.append(contentsOf: ("\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}").unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }
}
