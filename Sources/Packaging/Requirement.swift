/// A PEP 508 dependency specification, e.g.
/// `torch==2.9.1; platform_machine == "x86_64"`, `uvicorn[standard]>=0.30`, `pkg @ https://…`.
public struct Requirement: Hashable, Sendable, CustomStringConvertible {
    /// The distribution name as written.
    public var name: String
    /// Requested extras, as written.
    public var extras: [String]
    /// Version specifiers (empty: any version).
    public var specifier: SpecifierSet
    /// A direct URL (`name @ url`), when given instead of specifiers.
    public var url: String?
    /// The environment marker after `;`, when present.
    public var marker: Marker?

    /// The PEP 503 normalised name (`flashinfer_python` → `flashinfer-python`).
    public var normalizedName: String { MarkerEnvironment.normalizeName(name) }

    /// Parses one requirement line (PEP 508 grammar; parenthesised specifiers accepted).
    /// - Throws: ``RequirementError`` naming the position and what was expected.
    public init(parsing text: String) throws(RequirementError) {
        var p = RequirementParser(text)
        self = try p.requirement()
    }

    init(name: String, extras: [String], specifier: SpecifierSet, url: String?, marker: Marker?) {
        self.name = name
        self.extras = extras
        self.specifier = specifier
        self.url = url
        self.marker = marker
    }

    /// Whether the requirement applies in `environment` (no marker: always).
    public func applies(in environment: MarkerEnvironment) -> Bool { marker?.evaluate(in: environment) ?? true }

    /// The requirement in normal form: `name[extras]specifiers; marker`.
    public var description: String {
        var out = name
        if !extras.isEmpty { out += "[\(extras.joined(separator: ","))]" }
        if let url { out += " @ \(url)" } else { out += specifier.clauses.map(\.description).joined(separator: ",") }
        if let marker { out += "; \(marker)" }
        return out
    }
}

/// Why a PEP 508 requirement or PEP 440 specifier could not be read.
public enum RequirementError: Error, Hashable, Sendable, CustomStringConvertible {
    case invalidSpecifier(String)
    case syntax(String, position: Int, expected: String)

    public var description: String {
        switch self {
        case .invalidSpecifier(let s): "'\(s)' is not a valid PEP 440 version specifier"
        case .syntax(let s, let position, let expected): "'\(s)' is not a valid PEP 508 requirement: expected \(expected) at character \(position + 1)"
        }
    }
}

/// Recursive-descent parser for the PEP 508 grammar.
struct RequirementParser {
    let text: String
    let chars: [Character]
    var i = 0

    init(_ text: String) {
        self.text = text
        chars = Array(text)
    }

    mutating func requirement() throws(RequirementError) -> Requirement {
        skipSpace()
        let name = identifier()
        guard !name.isEmpty else { throw fail("a distribution name") }
        skipSpace()
        var extras: [String] = []
        if peek == "[" {
            i += 1
            skipSpace()
            while peek != "]" {
                let e = identifier()
                guard !e.isEmpty else { throw fail("an extra name") }
                extras.append(e)
                skipSpace()
                if peek == "," { i += 1; skipSpace() } else if peek != "]" { throw fail("',' or ']'") }
            }
            i += 1
            skipSpace()
        }
        var url: String?
        var specifier = SpecifierSet()
        if peek == "@" {
            i += 1
            skipSpace()
            let start = i
            while let c = peek, !c.isWhitespace { i += 1 }
            url = String(chars[start..<i])
            guard !(url ?? "").isEmpty else { throw fail("a URL") }
            skipSpace()
        } else {
            let parenthesized = peek == "("
            if parenthesized { i += 1 }
            let start = i
            while let c = peek, c != ";", !(parenthesized && c == ")") { i += 1 }
            let specText = String(chars[start..<i])
            if parenthesized {
                guard peek == ")" else { throw fail("')'") }
                i += 1
            }
            specifier = try SpecifierSet(parsing: specText)
            skipSpace()
        }
        var marker: Marker?
        if peek == ";" {
            i += 1
            marker = try orExpression()
            skipSpace()
        }
        guard i == chars.count else { throw fail(marker == nil ? "';' or the end" : "'and', 'or' or the end") }
        return Requirement(name: name, extras: extras, specifier: specifier, url: url, marker: marker)
    }

    // MARK: markers

    mutating func orExpression() throws(RequirementError) -> Marker {
        var left = try andExpression()
        while consumeKeyword("or") { left = .or(left, try andExpression()) }
        return left
    }

    mutating func andExpression() throws(RequirementError) -> Marker {
        var left = try atom()
        while consumeKeyword("and") { left = .and(left, try atom()) }
        return left
    }

    mutating func atom() throws(RequirementError) -> Marker {
        skipSpace()
        if peek == "(" {
            i += 1
            let inner = try orExpression()
            skipSpace()
            guard peek == ")" else { throw fail("')'") }
            i += 1
            return inner
        }
        let lhs = try markerValue()
        skipSpace()
        let op = try markerOperator()
        let rhs = try markerValue()
        return .comparison(lhs, op, rhs)
    }

    mutating func markerValue() throws(RequirementError) -> MarkerValue {
        skipSpace()
        if let q = peek, q == "\"" || q == "'" {
            i += 1
            let start = i
            while let c = peek, c != q { i += 1 }
            guard peek == q else { throw fail("a closing quote") }
            let value = String(chars[start..<i])
            i += 1
            return .literal(value)
        }
        let start = i
        while let c = peek, c.isASCIILetterOrDigit || c == "_" || c == "." { i += 1 }
        let name = String(chars[start..<i])
        let known = ["python_version", "python_full_version", "os_name", "sys_platform", "platform_release", "platform_system",
                     "platform_version", "platform_machine", "platform_python_implementation", "implementation_name",
                     "implementation_version", "extra", "os.name", "sys.platform", "platform.version", "platform.machine",
                     "platform.python_implementation", "python_implementation"]
        guard known.contains(name) else {
            i = start
            throw fail("a marker variable or a quoted string")
        }
        let canonical = ["os.name": "os_name", "sys.platform": "sys_platform", "platform.version": "platform_version",
                         "platform.machine": "platform_machine", "platform.python_implementation": "platform_python_implementation",
                         "python_implementation": "platform_python_implementation"][name] ?? name
        return .variable(canonical)
    }

    mutating func markerOperator() throws(RequirementError) -> MarkerOperator {
        skipSpace()
        if consumeKeyword("not") {
            guard consumeKeyword("in") else { throw fail("'in' after 'not'") }
            return .notIn
        }
        if consumeKeyword("in") { return .in }
        for op in MarkerOperator.allCases where op != .in && op != .notIn {
            let w = Array(op.rawValue)
            if i + w.count <= chars.count, Array(chars[i..<i + w.count]) == w {
                i += w.count
                return op
            }
        }
        throw fail("a comparison operator")
    }

    // MARK: lexing

    var peek: Character? { i < chars.count ? chars[i] : nil }

    mutating func skipSpace() { while let c = peek, c == " " || c == "\t" { i += 1 } }

    mutating func identifier() -> String {
        let start = i
        while let c = peek, c.isASCIILetterOrDigit || c == "-" || c == "_" || c == "." { i += 1 }
        return String(chars[start..<i])
    }

    mutating func consumeKeyword(_ word: String) -> Bool {
        skipSpace()
        let w = Array(word)
        guard i + w.count <= chars.count, Array(chars[i..<i + w.count]) == w else { return false }
        let after = i + w.count < chars.count ? chars[i + w.count] : " "
        guard !((after.isASCII ? after.isASCIILetterOrDigit : (after.isLetter || after.isNumber)) || after == "_") else { return false }
        i += w.count
        skipSpace()
        return true
    }

    func fail(_ expected: String) -> RequirementError { .syntax(text, position: i, expected: expected) }
}

extension Character {
    /// `[A-Za-z0-9]` without a Unicode property lookup (the PEP 508 name and marker alphabets are ASCII).
    var isASCIILetterOrDigit: Bool {
        guard let a = asciiValue else { return false }
        return (a >= 0x61 && a <= 0x7A) || (a >= 0x41 && a <= 0x5A) || (a >= 0x30 && a <= 0x39)
    }
}
