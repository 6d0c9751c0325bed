import Spec

/// A position in the spec file as the plan records it: 1-based line and column (Unicode
/// scalars), the `line:column` of ``SourceLocation`` without its byte offset.
///
/// In the plan's JSON it is the string `"line:column"` (`"12:3"`, `docs/plan-schema.md`).
public struct SpecLocation: Hashable, Comparable, Sendable, PlanStringForm {
    /// 1-based line.
    public var line: Int
    /// 1-based column, in Unicode scalars.
    public var column: Int

    /// Creates a location from 1-based `line` and `column`.
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// The line and column of a spec ``SourceLocation``.
    public init(_ location: SourceLocation) {
        self.init(line: location.line, column: location.column)
    }

    /// Parses `line:column`, both positive decimal integers.
    /// - Throws: ``SpecLocationError`` naming what is wrong with `text`.
    public init(parsing text: String) throws(SpecLocationError) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw .notLineColumn(text) }
        guard let line = Self.positive(parts[0]), let column = Self.positive(parts[1]) else { throw .notPositive(text) }
        self.init(line: line, column: column)
    }

    private static func positive(_ digits: Substring) -> Int? {
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let value = Int(digits), value > 0 else { return nil }
        return value
    }

    /// This location as a ``SourceLocation`` for diagnostics; the plan records no byte offset, so it is 0.
    public var sourceLocation: SourceLocation { SourceLocation(line: line, column: column, offset: 0) }

    /// `line:column`.
    public var description: String { "\(line):\(column)" }

    public static func < (a: Self, b: Self) -> Bool { (a.line, a.column) < (b.line, b.column) }
}

/// Why a `declaredAt` string is not a ``SpecLocation``.
public enum SpecLocationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Not two fields separated by one `:`.
    case notLineColumn(String)
    /// A field is not a positive decimal integer.
    case notPositive(String)

    public var description: String {
        switch self {
        case .notLineColumn(let text): "spec location '\(text)' is not 'line:column'"
        case .notPositive(let text): "spec location '\(text)' must have a positive decimal line and column"
        }
    }
}
