/// A version as PEP 440 defines it ("Version Identification and Dependency Specification"):
/// `[N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]`, parsed with PEP 440's normalisation rules
/// (case-insensitive, `alpha`/`beta`/`c`/`pre`/`preview`, `-`/`_`/`.` separators, implicit
/// numbers, a leading `v`), and ordered as PEP 440 orders versions.
public struct PEP440Version: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Pre-release phase.
    public enum PreRelease: Int, Sendable, Comparable {
        case alpha, beta, releaseCandidate
        public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
        var tag: String { ["a", "b", "rc"][rawValue] }
    }

    /// A local version segment: numbers sort above strings (PEP 440 "Local version identifiers").
    public enum LocalPart: Hashable, Sendable, Comparable, CustomStringConvertible {
        case number(Int), text(String)
        public static func < (a: Self, b: Self) -> Bool {
            switch (a, b) {
            case (.number(let x), .number(let y)): x < y
            case (.text(let x), .text(let y)): x < y
            case (.text, .number): true
            case (.number, .text): false
            }
        }
        public var description: String {
            switch self {
            case .number(let n): String(n)
            case .text(let s): s
            }
        }
    }

    /// Epoch (`N!`), 0 when absent.
    public var epoch: Int
    /// Release segment, e.g. `[0, 6, 5]`.
    public var release: [Int]
    /// Pre-release phase and number.
    public var pre: (PreRelease, Int)?
    /// Post-release number.
    public var post: Int?
    /// Development release number.
    public var dev: Int?
    /// Local version label parts (`cu128` → `[.text("cu128")]`).
    public var local: [LocalPart]

    /// Parses `text`. Returns `nil` when it is not a valid PEP 440 version.
    public init?(_ text: String) {
        var s = Substring(text.lowercased().trimmingWhitespace())
        if s.hasPrefix("v") { s = s.dropFirst() }
        epoch = 0
        if let bang = s.firstIndex(of: "!") {
            guard let e = Int(s[..<bang]), e >= 0 else { return nil }
            epoch = e
            s = s[s.index(after: bang)...]
        }
        var localText: Substring?
        if let plus = s.firstIndex(of: "+") {
            localText = s[s.index(after: plus)...]
            s = s[..<plus]
        }
        var scanner = Scanner(s)
        release = []
        while true {
            guard let n = scanner.number() else { return nil }
            release.append(n)
            if scanner.peek == "." && scanner.isDigit(at: 1) { scanner.advance() } else { break }
        }
        pre = nil
        post = nil
        dev = nil
        let preSpellings: [(String, PreRelease)] = [
            ("alpha", .alpha), ("beta", .beta), ("preview", .releaseCandidate), ("pre", .releaseCandidate),
            ("rc", .releaseCandidate), ("a", .alpha), ("b", .beta), ("c", .releaseCandidate),
        ]
        var mark = scanner
        mark.skipSeparator()
        if let (_, phase) = preSpellings.first(where: { mark.consume($0.0) }) {
            mark.skipSeparator()
            pre = (phase, mark.number() ?? 0)
            scanner = mark
        }
        mark = scanner
        if scanner.peek == "-", scanner.isDigit(at: 1) {
            scanner.advance()
            post = scanner.number()
        } else {
            mark.skipSeparator()
            if ["post", "rev", "r"].contains(where: { mark.consume($0) }) {
                mark.skipSeparator()
                post = mark.number() ?? 0
                scanner = mark
            }
        }
        mark = scanner
        mark.skipSeparator()
        if mark.consume("dev") {
            mark.skipSeparator()
            dev = mark.number() ?? 0
            scanner = mark
        }
        guard scanner.atEnd else { return nil }
        local = []
        if let localText {
            let parts = localText.split(omittingEmptySubsequences: false) { $0 == "." || $0 == "-" || $0 == "_" }
            for part in parts {
                guard !part.isEmpty, part.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else { return nil }
                local.append(part.allSatisfy(\.isNumber) ? .number(Int(part) ?? 0) : .text(String(part)))
            }
        }
    }

    /// The version without its local label (PEP 440 "public version").
    public var publicVersion: PEP440Version {
        var copy = self
        copy.local = []
        return copy
    }

    /// True for pre-releases and development releases.
    public var isPreRelease: Bool { pre != nil || dev != nil }

    /// The normalised text form (`0.6.5+cu128`, `1.0rc1`, `2!1.0.post2.dev3`).
    public var description: String {
        var out = epoch != 0 ? "\(epoch)!" : ""
        out += release.map(String.init).joined(separator: ".")
        if let (phase, n) = pre { out += "\(phase.tag)\(n)" }
        if let post { out += ".post\(post)" }
        if let dev { out += ".dev\(dev)" }
        if !local.isEmpty { out += "+" + local.map(\.description).joined(separator: ".") }
        return out
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.epoch == b.epoch && a.trimmedRelease == b.trimmedRelease && a.suffixKey == b.suffixKey
    }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(epoch)
        hasher.combine(trimmedRelease)
        hasher.combine(description(of: suffixKey))
    }
    /// PEP 440 order: epoch, then the release compared numerically with trailing zeros ignored
    /// (`3.12 < 4`, `1.0 == 1.0.0 < 1.0.1`), then pre/post/dev/local.
    public static func < (a: Self, b: Self) -> Bool {
        if a.epoch != b.epoch { return a.epoch < b.epoch }
        if a.trimmedRelease != b.trimmedRelease { return a.trimmedRelease.lexicographicallyPrecedes(b.trimmedRelease) }
        return a.suffixKey.lexicographicallyPrecedes(b.suffixKey)
    }

    /// The release without trailing zeros (`[1, 0, 0]` → `[1]`).
    private var trimmedRelease: [Int] {
        var trimmed = release
        while trimmed.count > 1, trimmed.last == 0 { trimmed.removeLast() }
        return trimmed
    }

    /// The ordering of everything after the release (after `packaging.version._cmpkey`): a dev
    /// release sorts before pre-releases; no post sorts before any post.
    private var suffixKey: [Key] {
        var key: [Key] = []
        if pre == nil && post == nil && dev != nil {
            key.append(.negativeInfinity)
        } else if let (phase, n) = pre {
            key += [.int(phase.rawValue), .int(n)]
        } else {
            key.append(.positiveInfinity)
        }
        key.append(post.map(Key.int) ?? .negativeInfinity)
        key.append(dev.map(Key.int) ?? .positiveInfinity)
        if local.isEmpty {
            key.append(.negativeInfinity)
        } else {
            key += local.map(Key.local)
        }
        return key
    }

    private func description(of key: [Key]) -> String { "\(key)" }
}

private enum Key: Comparable, Hashable {
    case negativeInfinity
    case int(Int)
    case local(PEP440Version.LocalPart)
    case positiveInfinity
}

private struct Scanner {
    var chars: [Character]
    var index = 0
    init(_ s: Substring) { chars = Array(s) }
    var atEnd: Bool { index >= chars.count }
    var peek: Character? { atEnd ? nil : chars[index] }
    func isDigit(at offset: Int) -> Bool { index + offset < chars.count && chars[index + offset].isASCIIDigit }
    mutating func advance() { index += 1 }
    mutating func number() -> Int? {
        let start = index
        while !atEnd, chars[index].isASCIIDigit { index += 1 }
        guard index > start, index - start <= 18 else { index = start; return nil }
        return Int(String(chars[start..<index]))
    }
    mutating func skipSeparator() { if let c = peek, c == "." || c == "-" || c == "_" { index += 1 } }
    mutating func consume(_ word: String) -> Bool {
        let w = Array(word)
        guard index + w.count <= chars.count, Array(chars[index..<index + w.count]) == w else { return false }
        index += w.count
        return true
    }
}

extension String {
    func trimmingWhitespace() -> Substring {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return s
    }
}

extension Character {
    /// `[0-9]` without a Unicode property lookup.
    var isASCIIDigit: Bool { asciiValue.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }
}
