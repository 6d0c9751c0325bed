/// The pure parts of relocation: reading and rewriting shebangs and run paths. No disk access.
public enum Relocation {
    // MARK: shebangs

    /// The interpreter line(s) of a script.
    public struct Shebang: Hashable, Sendable {
        /// Which launcher form the script had.
        public enum Form: Hashable, Sendable {
            /// `#!/interpreter [argument]` (execve(2) shebang).
            case plain
            /// pip/distlib's form for paths with a space or over 127 bytes:
            /// `#!/bin/sh` + `'''exec' "/interpreter" "$0" "$@"` + `' '''`: valid sh and valid Python.
            case shellExec
        }
        /// Its form.
        public var form: Form
        /// The absolute interpreter path.
        public var interpreter: String
        /// The optional argument after the interpreter (`-E`), as written.
        public var argument: String?
        /// Bytes of the script after the shebang line(s).
        public var bodyOffset: Int
    }

    /// Parses the start of a file (`head`, at least its first three lines when they exist).
    /// - Returns: the shebang when the file starts with `#!` and names an absolute interpreter.
    public static func shebang(in head: [UInt8]) -> Shebang? {
        guard head.count > 2, head[0] == UInt8(ascii: "#"), head[1] == UInt8(ascii: "!") else { return nil }
        let lines = splitLines(head, count: 3)
        guard let first = lines.first else { return nil }
        let firstText = String(decoding: head[first.range].dropFirst(2), as: UTF8.self).trimmingSpaces
        if firstText == "/bin/sh", lines.count == 3 {
            let second = String(decoding: head[lines[1].range], as: UTF8.self)
            let third = String(decoding: head[lines[2].range], as: UTF8.self)
            if second.hasPrefix("'''exec' "), third == "' '''", second.hasSuffix(" \"$0\" \"$@\"") {
                var rest = Substring(second.dropFirst("'''exec' ".count).dropLast(" \"$0\" \"$@\"".count))
                let interpreter: String
                if rest.hasPrefix("\"") {
                    rest = rest.dropFirst()
                    guard let close = rest.firstIndex(of: "\"") else { return nil }
                    interpreter = String(rest[..<close])
                    rest = rest[rest.index(after: close)...]
                } else {
                    let end = rest.firstIndex(of: " ") ?? rest.endIndex
                    interpreter = String(rest[..<end])
                    rest = rest[end...]
                }
                let argument = String(rest).trimmingSpaces
                guard interpreter.hasPrefix("/") else { return nil }
                return Shebang(form: .shellExec, interpreter: interpreter, argument: argument.isEmpty ? nil : argument, bodyOffset: lines[2].next)
            }
        }
        let end = firstText.firstIndex(where: { $0 == " " || $0 == "\t" }) ?? firstText.endIndex
        let interpreter = String(firstText[..<end])
        let argument = String(firstText[end...]).trimmingSpaces
        guard interpreter.hasPrefix("/") else { return nil }
        return Shebang(form: .plain, interpreter: interpreter, argument: argument.isEmpty ? nil : argument, bodyOffset: first.next)
    }

    /// Whether an interpreter file name is a Python one (`python`, `python3`, `python3.12`,
    /// `pypy3`…), for which the `'''exec'` trampoline is valid syntax.
    public static func isPython(_ interpreter: String) -> Bool {
        let name = interpreter.split(separator: "/").last.map(String.init) ?? interpreter
        for stem in ["python", "pypy"] where name.hasPrefix(stem) {
            return name.dropFirst(stem.count).allSatisfy { $0.isNumber || $0 == "." }
        }
        return false
    }

    /// A relocatable launcher header: sh finds the interpreter relative to the script's real
    /// location (`readlink -f "$0"`), Python reads the same lines as a string expression.
    ///
    /// The trick is the one pip writes for long interpreter paths (distlib's `ScriptMaker`,
    /// PEP 427 script launchers), with the absolute path replaced by a path relative to the
    /// directory of the script.
    ///
    /// - Parameters:
    ///   - relativeInterpreter: the interpreter relative to the script's directory (`python3.12`,
    ///     `../bin/python3.12`); must not contain `"`, `$`, `` ` ``, `\` or `'''`.
    ///   - argument: an interpreter argument to keep, placed before the script path.
    /// - Returns: the three launcher lines, ending in a newline; `nil` when the path cannot be quoted.
    public static func launcher(relativeInterpreter: String, argument: String?) -> String? {
        let unsafe: [Character] = ["\"", "$", "`", "\\", "\n"]
        guard !relativeInterpreter.contains(where: unsafe.contains), !relativeInterpreter.contains("'''") else { return nil }
        if let argument, argument.contains(where: unsafe.contains) || argument.contains("'''") { return nil }
        let arg = argument.map { " \($0)" } ?? ""
        return "#!/bin/sh\n'''exec' \"$(dirname -- \"$(readlink -f -- \"$0\")\")/\(relativeInterpreter)\"\(arg) \"$0\" \"$@\"\n' '''\n"
    }

    // MARK: run paths

    /// Directories an `RPATH`/`RUNPATH` may name outside the prefix: the dynamic loader's own
    /// trusted directories (ld.so(8)) and anything under them, e.g. `/usr/lib/x86_64-linux-gnu`.
    public static let systemLibraryDirectories = ["/lib", "/lib32", "/lib64", "/usr/lib", "/usr/lib32", "/usr/lib64"]

    /// The result of relocating one file's run path.
    public struct RunPathRewrite: Hashable, Sendable {
        /// The new `:`-joined value (duplicates and empty entries dropped, order kept).
        public var value: String
        /// Problems found (entries that cannot stay).
        public var problems: [PackProblem]
        /// Absolute entries outside the prefix that name a directory the build host does not have
        /// (a path leaked from the machine a wheel was built on, e.g. `/opt/_internal/…`): dropped,
        /// since nothing can be loaded from them here, and on a target host they would be a place
        /// to plant libraries.
        public var dropped: [String] = []
    }

    /// Rewrites an ELF run path so that entries into the prefix become `$ORIGIN`-relative.
    ///
    /// `$ORIGIN` is the directory of the ELF object itself, after the kernel or ld.so resolved
    /// its path (ld.so(8), "Dynamic string tokens"); so `/p/lib` for `/p/bin/python` becomes
    /// `$ORIGIN/../lib`, valid wherever the tree is unpacked.
    ///
    /// - Parameters:
    ///   - value: the current `RPATH` or `RUNPATH`, `:`-separated.
    ///   - file: the ELF file's path relative to the prefix.
    ///   - prefixes: absolute spellings of the build prefix, without a trailing `/`.
    ///   - directoryExists: whether an absolute directory exists on the build host.
    /// - Returns: the new value, the entries dropped (absolute, outside the prefix and the system
    ///   directories, and absent on the build host) and the entries that were refused: one ending
    ///   in `/stubs`, an absolute one outside the prefix and the system directories that exists on
    ///   the build host (libraries may really be loaded from it), a relative one or a `$ORIGIN`
    ///   one that climbs out of the prefix.
    public static func rewriteRunPath(_ value: String, file: String, prefixes: [String],
                                      directoryExists: (String) -> Bool = { _ in true }) -> RunPathRewrite {
        var result: [String] = []
        var problems: [PackProblem] = []
        var dropped: [String] = []
        let directory = file.split(separator: "/").dropLast().joined(separator: "/")
        for raw in value.split(separator: ":", omittingEmptySubsequences: true).map(String.init) {
            let trimmed = raw.count > 1 && raw.hasSuffix("/") ? String(raw.dropLast()) : raw
            if trimmed.hasSuffix("/stubs") || trimmed == "stubs" {
                problems.append(.stubsRunPath(file, entry: raw))
                continue
            }
            var new: String?
            if let rest = originRest(trimmed) {
                if PathRules.resolve(linkTarget: rest.isEmpty ? "." : rest, from: file) != nil { new = raw }
            } else if let inside = prefixes.lazy.compactMap({ relativeInside(trimmed, prefix: $0) }).first {
                if let target = PathRules.resolve(linkTarget: inside.isEmpty ? "." : inside, from: "x") {
                    let relative = PathRules.relative(from: directory, to: target)
                    new = relative == "." ? "$ORIGIN" : "$ORIGIN/\(relative)"
                }
            } else if systemLibraryDirectories.contains(where: { trimmed == $0 || trimmed.hasPrefix($0 + "/") }) {
                new = raw
            }
            guard let new else {
                if trimmed.hasPrefix("/") && !directoryExists(trimmed) {
                    dropped.append(raw)
                } else {
                    problems.append(.outsideRunPath(file, entry: raw))
                }
                continue
            }
            if !result.contains(new) { result.append(new) }
        }
        return RunPathRewrite(value: result.joined(separator: ":"), problems: problems, dropped: dropped)
    }

    /// `rest` of `$ORIGIN/rest` or `${ORIGIN}/rest` (`""` for `$ORIGIN` alone), else `nil`.
    private static func originRest(_ entry: String) -> String? {
        for token in ["$ORIGIN", "${ORIGIN}"] where entry == token || entry.hasPrefix(token + "/") {
            return String(entry.dropFirst(token.count)).trimmingLeadingSlashes
        }
        return nil
    }

    /// The part of `path` inside `prefix` (`""` for the prefix itself), or `nil`.
    static func relativeInside(_ path: String, prefix: String) -> String? {
        if path == prefix { return "" }
        guard path.hasPrefix(prefix + "/") else { return nil }
        return String(path.dropFirst(prefix.count + 1))
    }

    // MARK: helpers

    /// The first `count` lines of `bytes`: the range of each line without its `\n`, and the
    /// offset after the `\n`.
    private static func splitLines(_ bytes: [UInt8], count: Int) -> [(range: Range<Int>, next: Int)] {
        var lines: [(range: Range<Int>, next: Int)] = []
        var start = 0
        while lines.count < count, start < bytes.count {
            guard let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) else {
                lines.append((start..<bytes.count, bytes.count))
                break
            }
            lines.append((start..<newline, newline + 1))
            start = newline + 1
        }
        return lines
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" || c == "\r" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\r" { s = s.dropLast() }
        return String(s)
    }

    var trimmingLeadingSlashes: String {
        String(drop(while: { $0 == "/" }))
    }
}
