import BackendCore

/// A value written into a Dockerfile `ENV`, `ARG` or `LABEL` instruction.
///
/// Values are always written double-quoted (`NAME="value"`), so that a value with spaces, such as
/// the ISA flags `-mavx512f -mavx512dq …`, stays one word for BuildKit's parser. Inside double
/// quotes the Dockerfile reference lets `\` escape `"`, `\` and `$`
/// (https://docs.docker.com/reference/dockerfile/#environment-replacement).
public enum DockerfileValue: Hashable, Sendable {
    /// Taken byte for byte: `"`, `\` and `$` are escaped, so no variable is expanded.
    case literal(String)
    /// Written with `${NAME}` references kept (for `ARG`-driven values); only `"` and `\` are escaped.
    case expanding(String)

    /// The double-quoted form. A line break or control character (which no Dockerfile value can
    /// hold: BuildKit reads `\n` inside quotes as `n`) becomes a space, so a value can never end
    /// the instruction; the spec loader refuses such values before they get here.
    var quoted: String {
        var out = "\""
        let (text, escapeDollar): (String, Bool) = switch self {
        case .literal(let s): (s, true)
        case .expanding(let s): (s, false)
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "$" where escapeDollar: out += "\\$"
            case _ where SafeText.isLineBreak(scalar) || SafeText.isControl(scalar): out += " "
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// Writes Dockerfile (Containerfile) text one instruction at a time, with the quoting of the
/// Dockerfile reference (https://docs.docker.com/reference/dockerfile/): JSON (exec) form for
/// `SHELL`, `ENTRYPOINT` and `CMD`; double-quoted values for `ENV`, `ARG` and `LABEL`; shell-form
/// `RUN` lines joined with ` \` continuations. It knows nothing about sglang-forge; the backend
/// decides what to write.
public struct DockerfileWriter: Sendable {
    /// The text so far; ends with a newline after each instruction.
    public private(set) var text = ""
    /// The shell of the current stage (`SHELL`), which an exec-form `RUN` has to name itself.
    private var shellArgv = ["/bin/sh", "-c"]

    /// An empty Dockerfile.
    public init() {}

    /// `# line` for each line of `comment` (an empty line gives a bare `#`), split at every line
    /// break (``SafeText/commentLines(_:)``: `\r\n`, a bare `\r`, U+2028 …), so no text can end
    /// the comment and become an instruction.
    public mutating func comment(_ comment: String) {
        for line in SafeText.commentLines(comment) {
            text += line.isEmpty ? "#\n" : "# \(line)\n"
        }
    }

    /// Raw lines that are already valid (the generated-file header, parser directives).
    public mutating func raw(_ line: String) { text += line.hasSuffix("\n") ? line : line + "\n" }

    /// An empty line.
    public mutating func blank() { text += "\n" }

    /// `FROM image AS stage`.
    ///
    /// `FROM` has no quoted form: the backend's check refuses an image reference that is not one
    /// plain token; here any whitespace or control character is written visibly
    /// (``Self/token(_:)``), so the line can never become two instructions.
    public mutating func from(_ image: String, as stage: String) {
        text += "FROM \(Self.token(image)) AS \(Self.token(stage))\n"
        shellArgv = ["/bin/sh", "-c"]
    }

    /// `SHELL ["…", …]`.
    public mutating func shell(_ argv: [String]) {
        text += "SHELL \(Self.json(argv))\n"
        shellArgv = argv
    }

    /// `ARG NAME` or `ARG NAME="default"`.
    public mutating func arg(_ name: String, default value: DockerfileValue? = nil) {
        text += value.map { "ARG \(Self.token(name))=\($0.quoted)\n" } ?? "ARG \(Self.token(name))\n"
    }

    /// `ENV` with one `NAME="value"` pair per line.
    public mutating func env(_ pairs: [(String, DockerfileValue)]) { keyValues("ENV", pairs) }

    /// `LABEL` with one `"key"="value"` pair per line (keys quoted: they hold dots).
    public mutating func label(_ pairs: [(String, DockerfileValue)]) {
        keyValues("LABEL", pairs.map { (DockerfileValue.literal($0.0).quoted, $0.1) })
    }

    /// `RUN [--mount=…] cmd1 && cmd2 …`, one command per line.
    /// - Parameters:
    ///   - commands: shell commands (``ShellCommand``: code and quoted words, never interpolated text).
    ///   - flags: instruction flags such as `--mount=type=cache,target=/root/.cache/ccache`.
    ///
    /// A shell-form `RUN` is one Dockerfile line (continued with `\`), so a command holding a line
    /// break or a control character — e.g. a quoted word with a newline — cannot be written in it:
    /// then the whole `RUN` is written in exec form, `RUN [flags] ["<shell>", …, "cmd1 && cmd2"]`,
    /// with the stage's `SHELL` and the script as one JSON string, which can hold any text.
    public mutating func run(_ commands: [ShellCommand], flags: [String] = []) {
        run(text: commands.map(\.text), flags: flags)
    }

    private mutating func run(text commands: [String], flags: [String]) {
        let head = (["RUN"] + flags).joined(separator: " ")
        guard let first = commands.first else { return }
        if commands.contains(where: { !SafeText.isSingleLine($0) }) {
            text += head + " " + Self.json(shellArgv + [commands.joined(separator: " && ")]) + "\n"
            return
        }
        // Flags stay alone on the first line; without flags the first command follows `RUN`.
        var lines = flags.isEmpty ? ["\(head) \(first)"] : [head, "    \(first)"]
        lines += commands.dropFirst().map { " && \($0)" }
        text += lines.joined(separator: " \\\n") + "\n"
    }

    /// `COPY [--from=stage] [--chown=…] src… dest`.
    /// Paths are written as they are when each is a plain token, otherwise the whole instruction
    /// is written in JSON form (`COPY ["a b", "/dst/"]`), which can hold any path.
    public mutating func copy(_ sources: [String], to destination: String, from stage: String? = nil, chown: String? = nil) {
        var parts = ["COPY"]
        if let stage { parts.append("--from=\(Self.token(stage))") }
        if let chown { parts.append("--chown=\(Self.token(chown))") }
        let paths = sources + [destination]
        if paths.allSatisfy(Self.isPlainToken) {
            parts += paths
        } else {
            parts.append(Self.json(paths))
        }
        text += parts.joined(separator: " ") + "\n"
    }

    /// `WORKDIR path` (the rest of the line is the path: it is kept on one line, ``SafeText/oneLine(_:)``).
    public mutating func workdir(_ path: String) { text += "WORKDIR \(SafeText.oneLine(path))\n" }

    /// `USER name` (one token, ``Self/token(_:)``).
    public mutating func user(_ name: String) { text += "USER \(Self.token(name))\n" }

    /// Whether `word` can stand bare in a whitespace-separated instruction: not empty, no
    /// whitespace, quote, backslash, line break or control character, not starting with `[`.
    static func isPlainToken(_ word: String) -> Bool {
        !word.isEmpty && !word.hasPrefix("[") && SafeText.isSingleLine(word)
            && !word.unicodeScalars.contains { $0.properties.isWhitespace || $0 == "\"" || $0 == "\\" || $0 == "'" }
    }

    /// `word` as one token: whitespace and control characters written visibly (`\u{20}`), so a
    /// value that should have been refused still cannot split the instruction.
    static func token(_ word: String) -> String {
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

    /// `ENTRYPOINT ["…"]`.
    public mutating func entrypoint(_ argv: [String]) { text += "ENTRYPOINT \(Self.json(argv))\n" }

    /// `CMD ["…"]`.
    public mutating func cmd(_ argv: [String]) { text += "CMD \(Self.json(argv))\n" }

    private mutating func keyValues(_ instruction: String, _ pairs: [(String, DockerfileValue)]) {
        guard !pairs.isEmpty else { return }
        let lines = pairs.map { "\(Self.token($0.0))=\($0.1.quoted)" }
        if lines.count == 1 {
            text += "\(instruction) \(lines[0])\n"
        } else {
            text += "\(instruction) " + lines.joined(separator: " \\\n    ") + "\n"
        }
    }

    /// A JSON array of strings, as the exec form requires (RFC 8259 string escapes).
    static func json(_ strings: [String]) -> String {
        "[" + strings.map { JSONString.quoted($0) }.joined(separator: ", ") + "]"
    }

    /// POSIX shell single-quoting for arguments of a shell-form `RUN` (`'…'`, with `'` written as
    /// `'\''`); words of only safe characters are left bare.
    public static func shellQuoted(_ word: String) -> String { ShellWord.quote(word) }
}
