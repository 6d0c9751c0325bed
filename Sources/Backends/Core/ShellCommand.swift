/// One line of POSIX shell code built from pieces that cannot be confused: code the backend
/// author wrote (a `StaticString`, so no plan text can become code by interpolation) and words
/// made from any text through ``ShellWord`` (single-quoted) or a double-quoted string whose text
/// parts are escaped. This is how every generated shell line is written (tarball recipes,
/// `env.sh`, Containerfile `RUN` commands, Apptainer `%post` bodies).
///
/// ```swift
/// ShellCommand("pip", "install", .word(requirement))      // pip install 'torch @ …'
/// ShellCommand("fetch", .word(url), .quoted("$downloads/", .text(file)))
/// ```
public struct ShellCommand: Hashable, Sendable, CustomStringConvertible {
    /// One argument (or the program) of a command.
    public enum Argument: Hashable, Sendable, ExpressibleByStringLiteral {
        /// Shell code taken as it is: `--no-deps`, `"$prefix"`, `&&`, `>`, `$(…)`. Only string
        /// literals can be code (`StaticString`).
        case code(StaticString)
        /// Any text as exactly one word with exactly its value (``ShellWord/quote(_:)``).
        case word(String)
        /// One word from literal text and variables (``ShellWord/word(_:)``).
        case parts([ShellWord.Part])
        /// One double-quoted word: code pieces (`$prefix/bin/`) and escaped text pieces, e.g.
        /// `"$prefix/bin/python3.12"`; text has `\`, `"`, `$` and `` ` `` escaped, so it stays literal.
        case doubleQuoted([DoubleQuotedPart])
        /// Several arguments written with no space between them (one word when each is one word).
        case joined([Argument])
        /// Several arguments, each its own word (e.g. a list of package names).
        case words([String])
        /// A checked variable name as code (`NAME`, before `=` or after `export`).
        case name(ShellName)

        /// A string literal is code.
        public init(stringLiteral value: StaticString) { self = .code(value) }

        /// A glob pattern: the text between `*`s quoted as words, each `*` left to the shell
        /// (`torch-2.9.1*.whl` stays as it is; `a b*` becomes `'a b'*`). Only `*` is a wildcard.
        public static func glob(_ pattern: String) -> Argument {
            let pieces = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
            var arguments: [Argument] = []
            for (index, piece) in pieces.enumerated() {
                if index > 0 { arguments.append("*") }
                if !piece.isEmpty { arguments.append(.word(piece)) }
            }
            return .joined(arguments)
        }

        /// `"<code><text>…"` in one double-quoted word.
        public static func quoted(_ code: StaticString, _ rest: DoubleQuotedPart...) -> Argument {
            .doubleQuoted([.code(code)] + rest)
        }

        public static func == (a: Argument, b: Argument) -> Bool { a.text == b.text }
        public func hash(into hasher: inout Hasher) { hasher.combine(text) }

        /// The shell text of the argument.
        public var text: String {
            switch self {
            case .code(let code): code.description
            case .word(let word): ShellWord.quote(word)
            case .parts(let parts): ShellWord.word(parts)
            case .doubleQuoted(let parts): "\"" + parts.map(\.text).joined() + "\""
            case .joined(let arguments): arguments.map(\.text).joined()
            case .words(let words): words.map(ShellWord.quote).joined(separator: " ")
            case .name(let name): name.name
            }
        }
    }

    /// A piece of a double-quoted word.
    public enum DoubleQuotedPart: Hashable, Sendable, ExpressibleByStringLiteral {
        /// Code inside the quotes (`$prefix/`, `${HOME}`), taken as it is.
        case code(StaticString)
        /// Literal text: `\`, `"`, `$` and `` ` `` are escaped with `\` (POSIX XCU 2.2.3), so no
        /// expansion happens; NUL, which no shell string can hold, is written as U+FFFD.
        case text(String)
        /// `$NAME`.
        case variable(ShellName)
        /// `${NAME:-}`: the value, empty when unset (for `set -u`).
        case valueOrEmpty(ShellName)
        /// `${NAME:+:$NAME}`: `:` and the value when set and non-empty (appending to a search path).
        case searchPathTail(ShellName)

        /// A string literal is code.
        public init(stringLiteral value: StaticString) { self = .code(value) }

        public static func == (a: DoubleQuotedPart, b: DoubleQuotedPart) -> Bool { a.text == b.text }
        public func hash(into hasher: inout Hasher) { hasher.combine(text) }

        var text: String {
            switch self {
            case .code(let code): return code.description
            case .text(let text): return ShellWord.doubleQuotedBody(text)
            case .variable(let name): return "$" + name.name
            case .valueOrEmpty(let name): return "${" + name.name + ":-}"
            case .searchPathTail(let name): return "${" + name.name + ":+:$" + name.name + "}"
            }
        }
    }

    /// The arguments, program first.
    public let arguments: [Argument]

    /// A command from its program and arguments (empty `.words` lists are left out).
    public init(_ arguments: Argument...) { self.init(arguments) }

    /// A command from a list of arguments.
    public init(_ arguments: [Argument]) {
        self.arguments = arguments.filter { if case .words(let w) = $0 { return !w.isEmpty } else { return true } }
    }

    /// `name=value` (an assignment: no space, `value` one word).
    public static func assign(_ name: StaticString, _ value: Argument) -> ShellCommand {
        ShellCommand(.joined([.code(name), "=", value]))
    }

    /// The line of shell text, arguments separated by one space.
    public var text: String { arguments.map(\.text).joined(separator: " ") }

    /// ``text``.
    public var description: String { text }

    /// `a && b && …` as one command.
    public static func and(_ commands: [ShellCommand]) -> ShellCommand {
        ShellCommand(commands.enumerated().flatMap { index, command in (index == 0 ? [] : ["&&"]) + command.arguments })
    }
}

extension ShellWord {
    /// The inside of a double-quoted shell string holding `text` literally: `\`, `"`, `$` and
    /// `` ` `` escaped with `\` (POSIX.1-2017 XCU 2.2.3); NUL written as U+FFFD.
    public static func doubleQuotedBody(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\", "\"", "$", "`":
                out.append("\\")
                out.append(scalar)
            case "\0": out.append("\u{FFFD}")
            default: out.append(scalar)
            }
        }
        return String(out)
    }
}

/// A POSIX shell variable name (`[A-Za-z_][A-Za-z0-9_]*`, POSIX.1-2017 XBD 3.235), checked once
/// so that a writer can put it into code.
public struct ShellName: Hashable, Sendable, CustomStringConvertible {
    /// The name.
    public let name: String

    /// `nil` unless `name` is a POSIX name.
    public init?(_ name: String) {
        guard let first = name.unicodeScalars.first, first == "_" || Self.isLetter(first),
              name.unicodeScalars.allSatisfy({ $0 == "_" || Self.isLetter($0) || ("0"..."9").contains($0) })
        else { return nil }
        self.name = name
    }

    /// A name derived from any text: upper-cased, every character other than an ASCII letter or
    /// digit as `_`, `_` in front of a leading digit, then `suffix` (e.g. `TORCH_WHEEL` from
    /// `torch`, `_WHEEL`).
    public init(derivedFrom text: String, suffix: String) {
        var out = String(String.UnicodeScalarView(text.uppercased().unicodeScalars.map {
            Self.isLetter($0) || ("0"..."9").contains($0) ? $0 : "_"
        }))
        if out.unicodeScalars.first.map({ ("0"..."9").contains($0) }) ?? true { out = "_" + out }
        self.name = out + String(String.UnicodeScalarView(suffix.unicodeScalars.filter { $0 == "_" || Self.isLetter($0) || ("0"..."9").contains($0) }))
    }

    private static func isLetter(_ s: Unicode.Scalar) -> Bool { ("a"..."z").contains(s) || ("A"..."Z").contains(s) }

    /// ``name``.
    public var description: String { name }
}
