import BackendCore

/// Builds POSIX shell text line by line, with quoting in one place.
struct ShellScript {
    private(set) var lines: [String] = []

    /// Appends one line (no newline inside), or an empty line.
    mutating func line(_ text: String = "") {
        lines.append(text)
    }

    /// Appends several lines of literal text (split on `\n`).
    mutating func block(_ text: String) {
        lines.append(contentsOf: text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
    }

    /// Appends `# line` for each line of `text` (split at every line break, ``SafeText/commentLines(_:)``),
    /// so no text can end the comment and become a command.
    mutating func comment(_ text: String) {
        for line in SafeText.commentLines(text) { lines.append(line.isEmpty ? "#" : "# \(line)") }
    }

    /// The script, `\n`-terminated.
    var text: String { lines.joined(separator: "\n") + "\n" }

    /// One shell word with exactly the value `word` (``ShellWord/quote(_:)``).
    static func quote(_ word: String) -> String { ShellWord.quote(word) }
}
