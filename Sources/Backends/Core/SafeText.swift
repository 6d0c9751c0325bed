/// Text that came from a spec, made safe for the places a generated file can hold it: comments
/// (one line each), shell words. Every writer of every output format goes through these, so a
/// character that could end a comment or a word is handled in one place.
///
/// The spec loader already refuses line breaks and control characters in every string, so these
/// rules are a second line of defence for values that reach a writer some other way (a file
/// name, a lock file, a future field).
public enum SafeText {
    /// Whether `scalar` ends a line for some consumer of generated text: LF, VT, FF, CR, the
    /// information separators FS/GS/RS (Python's `str.splitlines`), NEL (U+0085), LINE SEPARATOR
    /// (U+2028) and PARAGRAPH SEPARATOR (U+2029) — the union of Unicode's mandatory breaks (UAX #14
    /// BK/CR/LF/NL) and what bash, Nix, HCL, BuildKit and Python split lines on.
    public static func isLineBreak(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029: true
        default: false
        }
    }

    /// Whether `scalar` is a control character or a non-character that no generated text should
    /// carry verbatim: C0 (U+0000–U+001F, tab included), DEL, C1 (U+0080–U+009F), U+FFFE, U+FFFF.
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        return v < 0x20 || (0x7f...0x9f).contains(v) || v == 0xfffe || v == 0xffff
    }

    /// Whether `text` is free of line breaks and control characters (so any writer can take it).
    public static func isSingleLine(_ text: String) -> Bool {
        !text.unicodeScalars.contains { isLineBreak($0) || isControl($0) }
    }

    /// The lines of a comment: `text` split at every line break (``isLineBreak(_:)``; `\r\n`
    /// counts once — note that Swift treats `"\r\n"` as one `Character`, so this works on
    /// Unicode scalars), with every other control character written visibly as `\u{XX}`.
    /// - Returns: at least one line; none contains a line break or a control character.
    public static func commentLines(_ text: String) -> [String] {
        var lines: [String] = []
        var current = String.UnicodeScalarView()
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            if scalar == "\n" && previousWasCR {
                previousWasCR = false
                continue
            }
            previousWasCR = scalar == "\r"
            if isLineBreak(scalar) {
                lines.append(String(current))
                current = String.UnicodeScalarView()
            } else if isControl(scalar) && scalar != "\t" {
                current.append(contentsOf: visible(scalar).unicodeScalars)
            } else if scalar == "\t" {
                current.append(" ")
            } else {
                current.append(scalar)
            }
        }
        lines.append(String(current))
        return lines
    }

    /// `text` on one line: line breaks and control characters written visibly as `\u{XX}`
    /// (for a value that must stay inside a one-line comment, such as a file name in a header).
    public static func oneLine(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if isLineBreak(scalar) || isControl(scalar) {
                out.append(contentsOf: visible(scalar).unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    private static func visible(_ scalar: Unicode.Scalar) -> String {
        "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
    }
}

/// POSIX shell words (POSIX.1-2017 XCU 2.2 "Quoting"), for every generated shell text: the
/// tarball recipes, `env.sh`, and the shell-form `RUN` lines of a Containerfile.
public enum ShellWord {
    /// One piece of a word: text taken literally, or the value of a shell variable.
    public enum Part: Hashable, Sendable {
        /// Taken byte for byte (single-quoted).
        case literal(String)
        /// `"${name}"`; `name` must be a POSIX name (`[A-Za-z_][A-Za-z0-9_]*`).
        case variable(String)
    }

    /// `word` as exactly one shell word with exactly its value: bare when it is only
    /// `[A-Za-z0-9@%+=:,./_-]` (and not empty), otherwise single-quoted with each `'` written as
    /// `'\''`. Inside single quotes every character is literal (`$`, `` ` ``, `\`, `"`, line
    /// breaks), so this holds for any string except one with NUL, which no shell argument can
    /// carry: NUL is written as U+FFFD.
    public static func quote(_ word: String) -> String {
        let safe = word.unicodeScalars.allSatisfy {
            ($0.value >= 0x30 && $0.value <= 0x39) || ($0.value >= 0x41 && $0.value <= 0x5a) || ($0.value >= 0x61 && $0.value <= 0x7a)
                || "@%+=:,./_-".unicodeScalars.contains($0)
        }
        if safe && !word.isEmpty { return word }
        var out = "'"
        for scalar in word.unicodeScalars {
            switch scalar {
            case "'": out += "'\\''"
            case "\0": out += "\u{FFFD}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "'"
    }

    /// One word made of `parts`: literals single-quoted, variables as `"${name}"` (so neither
    /// is split or globbed), e.g. `"${SGLANG_FORGE_PREFIX}"'/lib'`. An empty list gives `''`.
    public static func word(_ parts: [Part]) -> String {
        var merged: [Part] = []
        for part in parts {
            if case .literal(let text) = part {
                if text.isEmpty { continue }
                if case .literal(let previous)? = merged.last {
                    merged[merged.count - 1] = .literal(previous + text)
                    continue
                }
            }
            merged.append(part)
        }
        var out = ""
        for part in merged {
            switch part {
            case .literal(let text):
                let quoted = quote(text)
                out += quoted.hasPrefix("'") ? quoted : "'" + quoted + "'"
            case .variable(let name): out += "\"${\(name)}\""
            }
        }
        return out.isEmpty ? "''" : out
    }
}
