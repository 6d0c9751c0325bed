import BackendCore

/// Builds POSIX shell text line by line. Every line is code the backend wrote (a `StaticString`)
/// or a ``ShellCommand`` whose plan text is quoted by the shell writer, so no plan text can
/// become a command; comments go through ``SafeText/commentLines(_:)``.
struct ShellScript {
    private(set) var lines: [String] = []

    /// Appends one line of literal code (no newline inside), or an empty line.
    mutating func line(_ code: StaticString = "") {
        lines.append(code.description)
    }

    /// Appends one command.
    mutating func line(_ command: ShellCommand) {
        lines.append(command.text)
    }

    /// Appends `command` indented by `depth` levels of four spaces.
    mutating func line(indent depth: Int, _ command: ShellCommand) {
        lines.append(String(repeating: "    ", count: depth) + command.text)
    }

    /// Appends the generated-file header (``GeneratedFile/header(comment:specPath:)``, one
    /// comment line whatever the spec path holds).
    mutating func header(_ header: String) {
        lines.append(String(header.dropLast()))
    }

    /// Appends `# line` for each line of `text` (split at every line break, ``SafeText/commentLines(_:)``),
    /// so no text can end the comment and become a command.
    mutating func comment(_ text: String) {
        for line in SafeText.commentLines(text) { lines.append(line.isEmpty ? "#" : "# \(line)") }
    }

    /// The script, `\n`-terminated.
    var text: String { lines.joined(separator: "\n") + "\n" }
}
