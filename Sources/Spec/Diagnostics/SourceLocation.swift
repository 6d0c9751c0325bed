/// A position in a source file.
///
/// `line` and `column` are 1-based, as compilers print them; `column` counts Unicode scalars
/// (what an editor shows), `offset` is the 0-based UTF-8 byte offset from the start of the file,
/// which is what in-place edits of the spec use. libyaml's 0-based marks are converted in exactly
/// one place, ``YAMLParser``.
public struct SourceLocation: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// 1-based line number.
    public var line: Int
    /// 1-based column, in Unicode scalars.
    public var column: Int
    /// 0-based byte offset in the UTF-8 file.
    public var offset: Int

    /// Creates a location from already 1-based line/column and a 0-based byte offset.
    public init(line: Int, column: Int, offset: Int) {
        self.line = line
        self.column = column
        self.offset = offset
    }

    public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool { lhs.offset < rhs.offset }

    /// `line:column`.
    public var description: String { "\(line):\(column)" }
}

/// The half-open byte range `[start, end)` of a YAML node in its file, with line/column of both ends.
public struct SourceRange: Hashable, Sendable {
    /// The first character of the node (for a quoted scalar: the opening quote).
    public var start: SourceLocation
    /// One past the last character of the node.
    public var end: SourceLocation

    /// Creates a range from its two ends.
    public init(start: SourceLocation, end: SourceLocation) {
        self.start = start
        self.end = end
    }
}

/// A value read from the spec together with the range it was read from, so that later stages can
/// point diagnostics at it.
public struct Located<Value> {
    /// The decoded value.
    public var value: Value
    /// Where it was written.
    public var range: SourceRange

    /// Pairs a value with its source range.
    public init(_ value: Value, _ range: SourceRange) {
        self.value = value
        self.range = range
    }

    /// The start of ``range``.
    public var location: SourceLocation { range.start }
}

extension Located: Sendable where Value: Sendable {}
extension Located: Equatable where Value: Equatable {}
extension Located: Hashable where Value: Hashable {}
