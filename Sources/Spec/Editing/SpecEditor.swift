import Foundation

/// Edits values of a spec file in place: each edit replaces exactly the bytes of one scalar
/// (its ``SourceRange``, UTF-8 byte offsets as ``YAMLParser`` reports them) or inserts one new
/// line, and every other byte of the file — comments, blank lines, indentation, quoting of other
/// values — stays as it was.
///
/// Edits are collected and applied together, from the end of the file backwards, so that the
/// ranges read from the original file stay valid; overlapping edits are refused.
public struct SpecEditor {
    /// The file as it was read.
    public let original: [UInt8]
    private var edits: [(range: Range<Int>, bytes: [UInt8])] = []

    /// Starts editing `bytes` (the whole spec file).
    public init(_ bytes: [UInt8]) { original = bytes }

    /// Replaces the scalar written at `range` by `value`, keeping its quoting style: a
    /// double-quoted scalar stays double-quoted (with `\` escapes), a single-quoted one stays
    /// single-quoted (`''` escapes), a plain one stays plain when `value` can be written plain
    /// (see ``canBePlain(_:)``) and becomes double-quoted otherwise.
    /// - Throws: ``SpecEditError/blockScalar(_:)`` for `|`/`>` scalars (they span lines; rewrite
    ///   them by hand), ``SpecEditError/badRange(_:)`` for a range outside the file, and
    ///   ``SpecEditError/overlapping(_:)``.
    public mutating func replaceScalar(at range: SourceRange, with value: String) throws(SpecEditError) {
        let start = range.start.offset, end = range.end.offset
        guard start >= 0, start <= end, end <= original.count else { throw .badRange(range.start) }
        let first = start < end ? original[start] : 0
        let text: String
        switch first {
        case UInt8(ascii: "\""): text = Self.doubleQuoted(value)
        case UInt8(ascii: "'"): text = Self.singleQuoted(value)
        case UInt8(ascii: "|"), UInt8(ascii: ">"): throw .blockScalar(range.start)
        default: text = Self.canBePlain(value) ? value : Self.doubleQuoted(value)
        }
        try add(start..<end, Array(text.utf8))
    }

    /// Inserts `bytes` at byte `offset` of the original file.
    /// - Throws: ``SpecEditError/badRange(_:)`` or ``SpecEditError/overlapping(_:)``.
    public mutating func insert(_ text: String, atOffset offset: Int, location: SourceLocation) throws(SpecEditError) {
        guard offset >= 0, offset <= original.count else { throw .badRange(location) }
        try add(offset..<offset, Array(text.utf8))
    }

    /// Deletes the bytes `range` of the original file (whole lines, for removed list entries).
    /// - Throws: ``SpecEditError/badRange(_:)`` or ``SpecEditError/overlapping(_:)``.
    public mutating func delete(_ range: Range<Int>, location: SourceLocation) throws(SpecEditError) {
        guard range.lowerBound >= 0, range.upperBound <= original.count else { throw .badRange(location) }
        try add(range, [])
    }

    private mutating func add(_ range: Range<Int>, _ bytes: [UInt8]) throws(SpecEditError) {
        for edit in edits where edit.range.overlaps(range) || (edit.range.isEmpty && range.isEmpty && edit.range.lowerBound == range.lowerBound) {
            throw .overlapping(range.lowerBound)
        }
        edits.append((range, bytes))
    }

    /// The edited file: the original with every edit applied.
    public var result: [UInt8] {
        var out = original
        for edit in edits.sorted(by: { $0.range.lowerBound > $1.range.lowerBound }) {
            out.replaceSubrange(edit.range, with: edit.bytes)
        }
        return out
    }

    /// True when `value` reads back as the same string when written as a plain YAML scalar in
    /// block context: non-empty, starting with a letter or digit, made only of letters, digits
    /// and `+ / = . _ : -` (so no `: `, ` #`, leading indicator or trailing space can occur), and
    /// not a word YAML 1.1 tools would read as a boolean or null.
    public static func canBePlain(_ value: String) -> Bool {
        guard let first = value.unicodeScalars.first, isAlphanumeric(first) else { return false }
        guard value.unicodeScalars.allSatisfy({ isAlphanumeric($0) || "+/=._:-".unicodeScalars.contains($0) }) else { return false }
        return !["true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"].contains(value.lowercased())
    }

    private static func isAlphanumeric(_ c: Unicode.Scalar) -> Bool {
        (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9")
    }

    /// `value` as a YAML double-quoted scalar (YAML 1.2 §7.3.1).
    public static func doubleQuoted(_ value: String) -> String {
        var out = "\""
        for c in value.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if c.value < 0x20 || c.value == 0x7f {
                    out += "\\x" + (c.value < 0x10 ? "0" : "") + String(c.value, radix: 16)
                } else {
                    out.unicodeScalars.append(c)
                }
            }
        }
        return out + "\""
    }

    /// `value` as a YAML single-quoted scalar (YAML 1.2 §7.3.2); falls back to double quotes
    /// for values with line breaks or control characters, which single quotes cannot keep.
    public static func singleQuoted(_ value: String) -> String {
        if value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) { return doubleQuoted(value) }
        return "'" + value.replacingOccurrences(of: "'", with: "''") + "'"
    }
}

/// Why an in-place edit of a spec was refused.
public enum SpecEditError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The value is a block scalar (`|` or `>`), which is not rewritten automatically.
    case blockScalar(SourceLocation)
    /// A range that does not lie inside the file.
    case badRange(SourceLocation)
    /// Two edits touch the same bytes.
    case overlapping(Int)
    /// The key to edit is missing or has the wrong shape.
    case structure(String, SourceLocation?)
    /// After editing, the file did not read back as intended (a bug guard; the file is not written).
    case verificationFailed(String)

    public var description: String {
        switch self {
        case .blockScalar(let at): "\(at): the value is a block scalar ('|' or '>'); write it on one line to let sglang-forge edit it"
        case .badRange(let at): "\(at): edit outside the file"
        case .overlapping(let offset): "two edits overlap at byte \(offset)"
        case .structure(let message, let at): (at.map { "\($0): " } ?? "") + message
        case .verificationFailed(let message): "the edited spec does not read back as intended: \(message)"
        }
    }
}
