import BackendCore

/// A Nix expression: the subset of the Nix language (Nix manual, "Language") that the Nix
/// backend generates. Build plan facts become Nix only through this type and ``NixRenderer``,
/// which quotes every string and attribute name, so no value from a spec can change the
/// structure of a generated file.
public indirect enum NixExpr: Hashable, Sendable {
    /// A double-quoted string; rendered with `\`, `"`, `${`, newline, tab and CR escaped.
    case string(String)
    /// An integer literal (negative values are parenthesised where needed).
    case int(Int)
    /// `true` / `false`.
    case bool(Bool)
    /// `null`.
    case null
    /// A relative path literal such as `./nix/lib/packages.nix`; must start with `./` or `../`
    /// and contain only path characters (checked by ``NixRenderer``).
    case path(String)
    /// A variable reference, e.g. `pkgs`, `import`; must be a valid identifier.
    case variable(String)
    /// Attribute selection `base.a.b`; names that are not identifiers are quoted.
    case select(NixExpr, [String])
    /// A list `[ … ]`.
    case list([NixExpr])
    /// A non-recursive attribute set `{ … }`.
    case attrs([NixBinding])
    /// Function application `f a b`.
    case apply(NixExpr, [NixExpr])
    /// A function `pattern: body`.
    case lambda(NixPattern, NixExpr)
    /// `let bindings in body`.
    case letIn([NixBinding], NixExpr)

    /// `import <path-or-expr>` applied to further arguments.
    public static func `import`(_ target: NixExpr, _ arguments: NixExpr...) -> NixExpr {
        .apply(.variable("import"), [target] + arguments)
    }
}

/// One binding of an attribute set or `let`.
public struct NixBinding: Hashable, Sendable {
    /// What the binding is.
    public enum Kind: Hashable, Sendable {
        /// `a.b.c = value;`
        case assign([String], NixExpr)
        /// `inherit a b;` or `inherit (from) a b;`
        case inherit(from: NixExpr?, [String])
    }

    /// The binding.
    public var kind: Kind
    /// Comment lines written above the binding (`# …`), without the marker.
    public var comments: [String]
    /// Whether an empty line precedes the binding (nixfmt keeps such separators).
    public var blankLineBefore: Bool

    /// Creates a binding.
    public init(_ kind: Kind, comments: [String] = [], blankLineBefore: Bool = false) {
        self.kind = kind
        self.comments = comments
        self.blankLineBefore = blankLineBefore
    }

    /// `name = value;` (a one-element attribute path).
    public static func assign(_ name: String, _ value: NixExpr, comments: [String] = [], blankLineBefore: Bool = false) -> NixBinding {
        NixBinding(.assign([name], value), comments: comments, blankLineBefore: blankLineBefore)
    }

    /// `a.b.c = value;`
    public static func assign(path: [String], _ value: NixExpr, blankLineBefore: Bool = false) -> NixBinding {
        NixBinding(.assign(path, value), blankLineBefore: blankLineBefore)
    }

    /// `inherit names;` / `inherit (from) names;`
    public static func inherit(from: NixExpr? = nil, _ names: [String]) -> NixBinding {
        NixBinding(.inherit(from: from, names))
    }
}

/// A function's parameter pattern.
public enum NixPattern: Hashable, Sendable {
    /// `x:`
    case identifier(String)
    /// `{ a, b, ... }:`
    case set([String], ellipsis: Bool)
}

/// Renders ``NixExpr`` as source text formatted the way nixfmt formats it, following the standard
/// Nix format of RFC 166 (nixfmt's `standard.md`): two-space indentation; `[ ]` and `{ }` for
/// empty lists and sets; lists and attribute sets with more than one element, a binding's
/// non-empty attribute-set value, a singleton list whose item needs parentheses, and every
/// `let … in` expanded one element per line; a list or set (or a function application whose last
/// argument is one) as a binding's value absorbed onto the binding's line; other multi-line values
/// moved to the next line, indented; strings, paths and names kept on the binding's line even
/// beyond ``lineWidth``; everything else on one line when it fits in ``lineWidth`` columns.
///
/// Invalid identifiers or paths are a programming error of the backend (they never come from a
/// spec: spec strings are always rendered as quoted strings or quoted attribute names).
public struct NixRenderer: Sendable {
    /// nixfmt's default line width.
    public var lineWidth = 100

    /// Creates a renderer.
    public init() {}

    /// Keywords that cannot be bare attribute names or variables (Nix manual, "Identifiers").
    static let keywords: Set<String> = ["if", "then", "else", "assert", "with", "let", "in", "rec", "inherit", "or"]

    /// Whether `name` is a Nix identifier: `[A-Za-z_][A-Za-z0-9_'-]*`, not a keyword.
    public static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !keywords.contains(name) else { return false }
        func letter(_ c: Unicode.Scalar) -> Bool { ("a"..."z").contains(c) || ("A"..."Z").contains(c) || c == "_" }
        guard letter(first) else { return false }
        return name.unicodeScalars.dropFirst().allSatisfy { letter($0) || ("0"..."9").contains($0) || $0 == "'" || $0 == "-" }
    }

    /// `text` as a Nix double-quoted string literal. Escapes `\`, `"`, newline (`\n`), carriage
    /// return (`\r`), tab (`\t`) and the interpolation opener `${` (as `\${`), so the literal
    /// evaluates to exactly `text` (Nix manual, "String literals").
    public static func quote(_ text: String) -> String {
        var out = "\""
        let scalars = Array(text.unicodeScalars)
        for (i, c) in scalars.enumerated() {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "$" where i + 1 < scalars.count && scalars[i + 1] == "{": out += "\\$"
            case "\0": out += "\u{FFFD}" // Nix strings cannot hold NUL
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }

    /// An attribute name: bare when it is an identifier, otherwise a quoted string.
    public static func attributeName(_ name: String) -> String {
        isIdentifier(name) ? name : quote(name)
    }

    /// A whole file: `header` (already ending in a newline, may be empty) then the expression and
    /// a final newline.
    public func file(_ expression: NixExpr, header: String) -> String {
        header + render(expression, indent: 0, column: 0) + "\n"
    }

    // MARK: compact (one-line) forms

    /// The one-line form of `e`, or `nil` when nixfmt would always expand it.
    func compact(_ e: NixExpr) -> String? {
        switch e {
        case .string(let s): return Self.quote(s)
        case .int(let i): return i < 0 ? "(\(i))" : String(i)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .path(let p):
            precondition((p.hasPrefix("./") || p.hasPrefix("../")) && p.allSatisfy { $0.isLetter || $0.isNumber || "./_-+".contains($0) }, "invalid Nix path literal \(p)")
            return p
        case .variable(let v):
            precondition(Self.isIdentifier(v), "invalid Nix identifier \(v)")
            return v
        case .select(let base, let names):
            guard let b = compact(base) else { return nil }
            return atomic(base, b) + "." + names.map(Self.attributeName).joined(separator: ".")
        case .list(let items):
            if items.isEmpty { return "[ ]" }
            // A singleton list stays on one line only when its item needs no parentheses.
            guard items.count == 1, isAtomic(items[0]), let item = compact(items[0]) else { return nil }
            return "[ \(item) ]"
        case .attrs(let bindings):
            if bindings.isEmpty { return "{ }" }
            guard bindings.count == 1, bindings[0].comments.isEmpty, let b = compactBinding(bindings[0]) else { return nil }
            return "{ \(b) }"
        case .apply(let f, let args):
            guard let fc = compact(f) else { return nil }
            var parts = [isApplication(f) ? fc : atomic(f, fc)]
            for a in args {
                guard let ac = compact(a) else { return nil }
                parts.append(atomic(a, ac))
            }
            return parts.joined(separator: " ")
        case .lambda(let pattern, let body):
            guard let p = compactPattern(pattern), let b = compact(body) else { return nil }
            return "\(p): \(b)"
        case .letIn:
            return nil
        }
    }

    func compactBinding(_ b: NixBinding) -> String? {
        switch b.kind {
        case .assign(let path, let value):
            if case .attrs(let inner) = value, !inner.isEmpty { return nil }  // always expanded
            guard let v = compact(value) else { return nil }
            return path.map(Self.attributeName).joined(separator: ".") + " = " + v + ";"
        case .inherit(let from, let names):
            var text = "inherit"
            if let from {
                guard let f = compact(from) else { return nil }
                text += " (\(f))"
            }
            return text + names.map { " " + Self.attributeName($0) }.joined() + ";"
        }
    }

    func compactPattern(_ p: NixPattern) -> String? {
        switch p {
        case .identifier(let name):
            precondition(Self.isIdentifier(name), "invalid Nix identifier \(name)")
            return name
        case .set(let names, let ellipsis):
            let all = names + (ellipsis ? ["..."] : [])
            return all.isEmpty ? "{ }" : "{ " + all.joined(separator: ", ") + " }"
        }
    }

    /// Whether `e` needs no parentheses as a function argument or selection base.
    func isAtomic(_ e: NixExpr) -> Bool {
        switch e {
        case .string, .bool, .null, .path, .variable, .list, .attrs, .select: true
        case .int(let i): i >= 0
        case .apply, .lambda, .letIn: false
        }
    }

    func isApplication(_ e: NixExpr) -> Bool {
        if case .apply = e { return true }
        return false
    }

    func atomic(_ e: NixExpr, _ text: String) -> String { isAtomic(e) ? text : "(\(text))" }

    // MARK: expanded forms

    /// `e` rendered starting at `column` of a line whose indentation is `indent`; continuation
    /// lines are indented relative to `indent`.
    func render(_ e: NixExpr, indent: Int, column: Int) -> String {
        if let c = compact(e), column + c.count <= lineWidth { return c }
        let pad = String(repeating: " ", count: indent)
        let inner = String(repeating: " ", count: indent + 2)
        switch e {
        case .list(let items):
            if items.isEmpty { return "[ ]" }
            var out = "[\n"
            for item in items {
                let text = render(item, indent: indent + 2, column: indent + 2)
                out += inner + (isAtomic(item) ? text : "(\(text))") + "\n"
            }
            return out + pad + "]"
        case .attrs(let bindings):
            if bindings.isEmpty { return "{ }" }
            return "{\n" + renderBindings(bindings, indent: indent + 2) + pad + "}"
        case .letIn(let bindings, let body):
            return "let\n" + renderBindings(bindings, indent: indent + 2) + pad + "in\n" + pad + render(body, indent: indent, column: indent)
        case .lambda(let pattern, let body):
            let head = renderPattern(pattern, indent: indent, column: column) + ":"
            if let b = compact(body), !head.contains("\n"), column + head.count + 1 + b.count <= lineWidth {
                return head + " " + b
            }
            return head + "\n" + pad + render(body, indent: indent, column: indent)
        case .apply(let f, let args):
            // Every argument but the last on the first line; the last one hangs when it is a
            // list or set (nixfmt's "last argument is absorbed" rule), else all go one per line.
            let fc = compact(f) ?? render(f, indent: indent, column: column)
            var line = isApplication(f) ? fc : atomic(f, fc)
            let leading = args.dropLast().map { a -> String? in compact(a).map { atomic(a, $0) } }
            if let last = args.last, leading.allSatisfy({ $0 != nil }), isHangable(last) {
                for a in leading { line += " " + a! }
                return line + " " + render(last, indent: indent, column: column + line.count + 1)
            }
            var out = line
            for a in args {
                let text = render(a, indent: indent + 2, column: indent + 2)
                out += "\n" + inner + (isAtomic(a) ? text : "(\(text))")
            }
            return out
        case .select(let base, let names):
            let b = render(base, indent: indent, column: column)
            return atomic(base, b) + "." + names.map(Self.attributeName).joined(separator: ".")
        case .string, .int, .bool, .null, .path, .variable:
            return compact(e)!
        }
    }

    /// Terms nixfmt never moves to a line of their own.
    func isSimpleTerm(_ e: NixExpr) -> Bool {
        switch e {
        case .string, .int, .bool, .null, .path, .variable: true
        case .select(let base, _): isSimpleTerm(base)
        default: false
        }
    }

    /// Lists and sets (and applications ending in one) open on the current line.
    func isHangable(_ e: NixExpr) -> Bool {
        switch e {
        case .list, .attrs: true
        case .apply(_, let args): args.last.map(isHangable) ?? false
        default: false
        }
    }

    func renderPattern(_ p: NixPattern, indent: Int, column: Int) -> String {
        if let c = compactPattern(p), column + c.count + 1 <= lineWidth { return c }
        guard case .set(let names, let ellipsis) = p else { return compactPattern(p)! }
        let pad = String(repeating: " ", count: indent)
        return "{\n" + (names + (ellipsis ? ["..."] : [])).map { pad + "  " + $0 + ",\n" }.joined() + pad + "}"
    }

    func renderBindings(_ bindings: [NixBinding], indent: Int) -> String {
        let pad = String(repeating: " ", count: indent)
        var out = ""
        for (index, binding) in bindings.enumerated() {
            if binding.blankLineBefore && index > 0 { out += "\n" }
            for comment in binding.comments {
                // Every line break (a bare `\r` ends a Nix comment too), never only `\n`.
                for line in SafeText.commentLines(comment) {
                    out += pad + ("# " + line).trimmingTrailingSpaces() + "\n"
                }
            }
            out += pad + renderBinding(binding, indent: indent) + "\n"
        }
        return out
    }

    func renderBinding(_ b: NixBinding, indent: Int) -> String {
        if case .assign(let path, .attrs(let bindings)) = b.kind, !bindings.isEmpty {
            // The standard: a binding's attribute-set value is always expanded.
            let prefix = path.map(Self.attributeName).joined(separator: ".") + " = "
            let pad = String(repeating: " ", count: indent)
            return prefix + "{\n" + renderBindings(bindings, indent: indent + 2) + pad + "};"
        }
        if let c = compactBinding(b), indent + c.count <= lineWidth { return c }
        switch b.kind {
        case .inherit(let from, let names):
            // nixfmt: one name per line under `inherit`.
            let pad = String(repeating: " ", count: indent + 2)
            var head = "inherit"
            if let from { head += " (\(compact(from) ?? render(from, indent: indent, column: indent + 9)))" }
            return head + "\n" + names.map { pad + Self.attributeName($0) + "\n" }.joined() + pad + ";"
        case .assign(let path, let value):
            let prefix = path.map(Self.attributeName).joined(separator: ".") + " ="
            // Simple terms (strings, paths, names) stay on the binding's line even when too long.
            if let c = compact(value), isSimpleTerm(value) || indent + prefix.count + 1 + c.count + 1 <= lineWidth {
                return prefix + " " + c + ";"
            }
            if isHangable(value) {
                return prefix + " " + render(value, indent: indent, column: indent + prefix.count + 1) + ";"
            }
            let pad = String(repeating: " ", count: indent + 2)
            return prefix + "\n" + pad + render(value, indent: indent + 2, column: indent + 2) + ";"
        }
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = Substring(self)
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
