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

    /// Appends `# text`, wrapping nothing.
    mutating func comment(_ text: String) {
        lines.append(text.isEmpty ? "#" : "# \(text)")
    }

    /// The script, `\n`-terminated.
    var text: String { lines.joined(separator: "\n") + "\n" }

    /// Single-quotes `word` for sh (`'` becomes `'\''`); bare when it is only safe characters.
    static func quote(_ word: String) -> String {
        let safe = word.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "@%+=:,./_-".contains($0)) }
        if safe && !word.isEmpty { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Escapes `text` for the inside of a double-quoted sh string (`\`, `"`, `$`, `` ` ``).
    static func doubleQuotedContent(_ text: String) -> String {
        var out = ""
        for c in text {
            if "\\\"$`".contains(c) { out.append("\\") }
            out.append(c)
        }
        return out
    }
}
