import BackendCore

/// Builds the text of an Apptainer definition file: comment lines, header keywords
/// (`Bootstrap:`, `From:`, `Stage:`), and `%sections` with indented bodies.
///
/// Format source: the Apptainer user guide, "Definition Files"
/// (https://apptainer.org/docs/user/latest/definition_files.html). Every value that reaches a
/// file goes through ``shellQuoted(_:)`` or ``doubleQuoted(_:)``; callers refuse values with line
/// breaks beforehand (``ApptainerInputs``), since a body line starting with `%` would open a section.
struct DefinitionWriter {
    private(set) var text = ""

    /// Appends text as is.
    mutating func raw(_ s: String) { text += s }

    /// `# line` for every line of `s` (split at every line break by the shared `SafeText`,
    /// control characters written visibly); `#` alone for empty lines.
    mutating func comment(_ s: String) {
        for line in SafeText.commentLines(s) {
            text += line.isEmpty ? "#\n" : "# \(line)\n"
        }
    }

    /// An empty line.
    mutating func blank() { text += "\n" }

    /// A header keyword line, `Key: value`.
    mutating func header(_ key: String, _ value: String) { text += "\(key): \(value)\n" }

    /// A section: `%name[ argument]`, then each body line indented by four spaces, then a blank line.
    mutating func section(_ name: String, argument: String? = nil, _ lines: [String]) {
        text += "%" + name + (argument.map { " " + $0 } ?? "") + "\n"
        for line in lines { text += line.isEmpty ? "\n" : "    " + line + "\n" }
        text += "\n"
    }

    /// A `%post` body: one command chain joined by `&&`, one command per line with `\`
    /// continuations, so it runs as one script step and stops at the first failure.
    static func chain(_ commands: [String]) -> [String] {
        commands.enumerated().map { index, command in
            (index == 0 ? "" : " && ") + command + (index == commands.count - 1 ? "" : " \\")
        }
    }

    /// `s` as one POSIX shell word, through the shared quoter (`ShellWord.quote`): bare when it
    /// has only safe characters, else single-quoted with `'` written as `'\''`.
    static func shellQuoted(_ s: String) -> String { ShellWord.quote(s) }

    /// The inside of a double-quoted shell string holding `s` literally (`\`, `"`, `$` and `` ` ``
    /// escaped), for values that are concatenated with expansions such as `${HOME}`.
    static func doubleQuotedBody(_ s: String) -> String {
        var out = ""
        for character in s {
            if "\\\"$`".contains(character) { out.append("\\") }
            out.append(character)
        }
        return out
    }
}
