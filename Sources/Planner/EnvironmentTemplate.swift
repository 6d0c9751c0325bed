/// A placeholder a runtime environment value may use (`docs/plan-schema.md`); each backend says
/// what it stands for in its layout (an image path, a shell variable, a Nix store path). The one
/// list of them: the planner checks values against it, and every backend expands through
/// ``EnvironmentTemplate``.
public enum EnvironmentPlaceholder: String, CaseIterable, Hashable, Sendable {
    /// `{cuda.home}`: the CUDA toolkit the JIT compiles with.
    case cudaHome = "cuda.home"
    /// `{cuda.include}`: its headers.
    case cudaInclude = "cuda.include"
    /// `{cuda.lib}`: its libraries.
    case cudaLib = "cuda.lib"
    /// `{cache}`: a writable cache directory (JIT output).
    case cache
    /// `{prefix}`: where the runtime is installed.
    case prefix

    /// The placeholder as written in a value, e.g. `{cuda.home}`.
    public var token: String { "{" + rawValue + "}" }
}

/// An environment value template split into literal text and placeholders: the one parser of
/// `{placeholder}` syntax for environment values.
public struct EnvironmentTemplate: Hashable, Sendable {
    /// A piece of a template.
    public enum Piece: Hashable, Sendable {
        /// Text taken as it is.
        case literal(String)
        /// A placeholder the backend fills.
        case placeholder(EnvironmentPlaceholder)
    }

    /// Why a value is not a template.
    public enum Problem: Error, Hashable, Sendable, CustomStringConvertible {
        /// A `{` without its `}`, a `}` without its `{`, a `{` inside a field, or `{}`.
        case unbalancedBrace
        /// `{name}` where `name` is no ``EnvironmentPlaceholder``.
        case unknownPlaceholder(String)

        /// A message fragment, e.g. "unknown placeholder '{cuda.hom}'".
        public var description: String {
            switch self {
            case .unbalancedBrace: "unbalanced '{' or '}'"
            case .unknownPlaceholder(let name): "unknown placeholder '{\(name)}'"
            }
        }
    }

    /// Every problem of one value, in order (a `Sequence` of ``Problem``).
    public struct Problems: Error, Hashable, Sendable, Sequence {
        /// The problems.
        public let all: [Problem]
        /// Iterates ``all``.
        public func makeIterator() -> IndexingIterator<[Problem]> { all.makeIterator() }
    }

    /// The pieces in order; adjacent literals are merged, empty ones left out.
    public let pieces: [Piece]

    /// Creates a template from pieces.
    public init(pieces: [Piece]) { self.pieces = pieces }

    /// Parses `text`.
    /// - Returns: the template, or every problem (all unknown placeholders, in order, or one
    ///   ``Problem/unbalancedBrace``).
    public static func parse(_ text: String) -> Result<EnvironmentTemplate, Problems> {
        var pieces: [Piece] = []
        var unknown: [Problem] = []
        var literal = ""
        var iterator = text.unicodeScalars.makeIterator()
        while let c = iterator.next() {
            if c == "{" {
                var name = ""
                var closed = false
                while let d = iterator.next() {
                    if d == "}" { closed = true; break }
                    if d == "{" { return .failure(Problems(all: [.unbalancedBrace])) }
                    name.unicodeScalars.append(d)
                }
                guard closed, !name.isEmpty else { return .failure(Problems(all: [.unbalancedBrace])) }
                guard let placeholder = EnvironmentPlaceholder(rawValue: name) else {
                    unknown.append(.unknownPlaceholder(name))
                    continue
                }
                if !literal.isEmpty { pieces.append(.literal(literal)); literal = "" }
                pieces.append(.placeholder(placeholder))
            } else if c == "}" {
                return .failure(Problems(all: [.unbalancedBrace]))
            } else {
                literal.unicodeScalars.append(c)
            }
        }
        if !literal.isEmpty { pieces.append(.literal(literal)) }
        return unknown.isEmpty ? .success(EnvironmentTemplate(pieces: pieces)) : .failure(Problems(all: unknown))
    }

    /// The placeholders used, in order of first use.
    public var placeholders: [EnvironmentPlaceholder] {
        var seen: [EnvironmentPlaceholder] = []
        for case .placeholder(let p) in pieces where !seen.contains(p) { seen.append(p) }
        return seen
    }

    /// Maps every piece: literal text through `literal`, placeholders through `placeholder`.
    public func map<T>(literal: (String) -> T, placeholder: (EnvironmentPlaceholder) -> T) -> [T] {
        pieces.map {
            switch $0 {
            case .literal(let text): literal(text)
            case .placeholder(let p): placeholder(p)
            }
        }
    }

    /// The value with every placeholder replaced by `value(placeholder)`, literal text unchanged.
    public func render(_ value: (EnvironmentPlaceholder) -> String) -> String {
        map(literal: { $0 }, placeholder: value).joined()
    }
}
