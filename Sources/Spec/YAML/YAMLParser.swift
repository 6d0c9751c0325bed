internal import CYAML

/// Parses one YAML document into a ``YAMLNode`` tree with exact source ranges, through libyaml's
/// event API.
///
/// Refused, each with a located ``Diagnostic``: input over ``maximumBytes``, non-UTF-8 bytes,
/// syntax errors (tabs in indentation among them, as libyaml reports them), an empty document,
/// more than one document, anchors and aliases (so a "billion laughs" file costs nothing),
/// explicit tags, non-scalar keys, duplicate keys, and nesting deeper than ``maximumDepth``.
public struct YAMLParser {
    /// Largest accepted input, in bytes (1 MiB: a spec is a few kilobytes).
    public static let maximumBytes = 1 << 20
    /// Deepest accepted nesting of mappings and sequences.
    public static let maximumDepth = 64
    /// Characters YAML forbids are each reported, up to this many.
    static let maximumCharacterErrors = 20

    /// The file name used in diagnostics.
    public let file: String

    /// Creates a parser whose diagnostics name `file`.
    public init(file: String) { self.file = file }

    /// Parses `bytes` (the whole file).
    ///
    /// - Returns: the root node, or `nil` when the document could not be read; every problem
    ///   found is added to `diagnostics` (a syntax error stops parsing, other problems do not).
    public func parse(_ bytes: [UInt8], diagnostics: inout DiagnosticBag) -> YAMLNode? {
        guard bytes.count <= Self.maximumBytes else {
            diagnostics.error("file is \(bytes.count) bytes; the limit is \(Self.maximumBytes) bytes", at: SourceLocation(line: 1, column: 1, offset: 0))
            return nil
        }
        let lines = LineIndex(bytes)
        if let bad = lines.firstInvalidUTF8 {
            diagnostics.error("file is not valid UTF-8 (byte 0x\(String(bytes[bad], radix: 16)))", at: lines.location(ofByte: bad))
            return nil
        }
        // libyaml refuses these too, but reports them at 1:1; report each where it is.
        let unprintable = lines.unprintable
        if !unprintable.isEmpty {
            for (offset, scalar) in unprintable.prefix(Self.maximumCharacterErrors) {
                diagnostics.error("\(CharacterNames.describe(scalar)) is not allowed in a YAML file (YAML 1.2 §5.1 printable characters)", at: lines.location(ofByte: offset))
            }
            if unprintable.count > Self.maximumCharacterErrors {
                diagnostics.error("\(unprintable.count - Self.maximumCharacterErrors) more characters that YAML does not allow", at: lines.location(ofByte: unprintable[Self.maximumCharacterErrors].offset))
            }
            return nil
        }
        let session = ParserSession(bytes: bytes, yaml11Breaks: lines.yaml11Breaks.map(\.offset))
        var builder = TreeBuilder(session: session, lines: lines, diagnostics: diagnostics)
        let root = builder.document()
        diagnostics = builder.diagnostics
        return root
    }
}

/// Owns a libyaml parser and a private copy of the input, which libyaml reads while parsing.
private final class ParserSession {
    var parser = yaml_parser_t()
    let buffer: UnsafeMutableBufferPointer<UInt8>

    /// - Parameter yaml11Breaks: byte offsets of NEL, U+2028 and U+2029. YAML 1.2 reads them as
    ///   ordinary characters, libyaml (YAML 1.1) as line breaks, which would end a comment early
    ///   and shift every line number; in libyaml's copy each becomes a printable character of
    ///   the same width (U+00A0, U+202F), so marks and offsets are unchanged.
    init(bytes: [UInt8], yaml11Breaks: [Int]) {
        buffer = .allocate(capacity: max(bytes.count, 1))
        _ = buffer.initialize(from: bytes)
        for offset in yaml11Breaks {
            if buffer[offset] == 0xc2 { buffer[offset + 1] = 0xa0 } else { buffer[offset + 2] = 0xaf }
        }
        yaml_parser_initialize(&parser)
        yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
        yaml_parser_set_input_string(&parser, buffer.baseAddress, bytes.count)
    }

    deinit {
        yaml_parser_delete(&parser)
        buffer.deallocate()
    }
}

/// One libyaml event, copied out of the C struct (which is freed immediately).
private struct Event {
    enum Kind {
        case streamStart, streamEnd, documentStart, documentEnd
        case alias, scalar(String, YAMLNode.ScalarStyle), sequenceStart, sequenceEnd, mappingStart, mappingEnd
    }
    var kind: Kind
    var start: yaml_mark_t
    var end: yaml_mark_t
    var anchor: Bool
    var tag: String?
    var implicitDocumentStart: Bool
}

/// Converts libyaml marks (0-based line and column, index counted in characters) into
/// ``SourceLocation``s (1-based line and column, UTF-8 byte offsets). This is the only place
/// where that conversion happens.
struct LineIndex {
    private let scalarOffsets: [Int32]
    private let lineStarts: [Int]
    let byteCount: Int
    /// The offset of the first byte that is not part of valid UTF-8, if any.
    let firstInvalidUTF8: Int?
    /// Characters outside YAML 1.2's printable set (§5.1: tab, LF, CR, U+0020–U+007E, NEL,
    /// U+00A0–U+D7FF, U+E000–U+FFFD except the BOM at the start, U+10000 and up): byte offset
    /// and character.
    let unprintable: [(offset: Int, scalar: Unicode.Scalar)]
    /// NEL, U+2028 and U+2029: line breaks only in YAML 1.1 (byte offset and character).
    let yaml11Breaks: [(offset: Int, scalar: Unicode.Scalar)]

    init(_ bytes: [UInt8]) {
        byteCount = bytes.count
        var offsets = [Int32]()
        offsets.reserveCapacity(bytes.count + 1)
        var starts = [0]
        var invalid: Int?
        var bad: [(offset: Int, scalar: Unicode.Scalar)] = []
        var breaks: [(offset: Int, scalar: Unicode.Scalar)] = []
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            let width: Int
            switch b {
            case 0x00...0x7f: width = 1
            case 0xc2...0xdf: width = 2
            case 0xe0...0xef: width = 3
            case 0xf0...0xf4: width = 4
            default: width = 0
            }
            var ok = width > 0 && i + width <= bytes.count
            if ok && width > 1 {
                for k in 1..<width where bytes[i + k] & 0xc0 != 0x80 { ok = false }
                if ok && width == 3 {
                    let v = (Int(b) & 0x0f) << 12 | (Int(bytes[i + 1]) & 0x3f) << 6
                    if v < 0x800 || (v >= 0xd800 && v <= 0xdfff) { ok = false }
                }
                if ok && width == 4 {
                    let v = (Int(b) & 0x07) << 18 | (Int(bytes[i + 1]) & 0x3f) << 12
                    if v < 0x10000 || v > 0x10ffff { ok = false }
                }
            }
            if !ok { invalid = i; break }
            offsets.append(Int32(i))
            // YAML 1.2 line breaks (§5.4): LF, CR, CR LF. NEL, U+2028 and U+2029 are not, so they
            // never start a line here, even though libyaml (YAML 1.1) counts them.
            if b == UInt8(ascii: "\n") || (b == UInt8(ascii: "\r") && (i + 1 >= bytes.count || bytes[i + 1] != UInt8(ascii: "\n"))) {
                starts.append(i + 1)
            }
            let value: UInt32 = switch width {
            case 1: UInt32(b)
            case 2: (UInt32(b) & 0x1f) << 6 | UInt32(bytes[i + 1]) & 0x3f
            case 3: (UInt32(b) & 0x0f) << 12 | (UInt32(bytes[i + 1]) & 0x3f) << 6 | UInt32(bytes[i + 2]) & 0x3f
            default: (UInt32(b) & 0x07) << 18 | (UInt32(bytes[i + 1]) & 0x3f) << 12 | (UInt32(bytes[i + 2]) & 0x3f) << 6 | UInt32(bytes[i + 3]) & 0x3f
            }
            let printable = value == 0x09 || value == 0x0a || value == 0x0d || (0x20...0x7e).contains(value) || value == 0x85
                || (0xa0...0xd7ff).contains(value) || ((0xe000...0xfffd).contains(value) && (value != 0xfeff || i == 0)) || value >= 0x10000
            if !printable, let scalar = Unicode.Scalar(value) { bad.append((i, scalar)) }
            if value == 0x85 || value == 0x2028 || value == 0x2029, let scalar = Unicode.Scalar(value) { breaks.append((i, scalar)) }
            i += width
        }
        offsets.append(Int32(i))
        scalarOffsets = offsets
        lineStarts = starts
        firstInvalidUTF8 = invalid
        unprintable = bad
        yaml11Breaks = breaks
    }

    /// The location of a libyaml mark. Only the mark's character index is used: libyaml's own
    /// line and column follow YAML 1.1, where NEL, U+2028 and U+2029 break lines.
    func location(of mark: yaml_mark_t) -> SourceLocation {
        let index = min(Int(mark.index), scalarOffsets.count - 1)
        return location(ofByte: Int(scalarOffsets[index]))
    }

    /// The location of a byte offset: 1-based line (after LF, CR or CR LF) and column (in
    /// characters, i.e. Unicode scalars).
    func location(ofByte offset: Int) -> SourceLocation {
        var low = 0, high = lineStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if lineStarts[mid] <= offset { low = mid } else { high = mid - 1 }
        }
        let column = characterIndex(ofByte: offset) - characterIndex(ofByte: lineStarts[low]) + 1
        return SourceLocation(line: low + 1, column: column, offset: offset)
    }

    /// How many characters start before byte `offset`.
    private func characterIndex(ofByte offset: Int) -> Int {
        var low = 0, high = scalarOffsets.count
        while low < high {
            let mid = (low + high) / 2
            if Int(scalarOffsets[mid]) < offset { low = mid + 1 } else { high = mid }
        }
        return low
    }
}

/// Builds the node tree from events, reporting problems into `diagnostics`.
private struct TreeBuilder {
    let session: ParserSession
    let lines: LineIndex
    var diagnostics: DiagnosticBag
    var failed = false

    init(session: ParserSession, lines: LineIndex, diagnostics: DiagnosticBag) {
        self.session = session
        self.lines = lines
        self.diagnostics = diagnostics
    }

    mutating func next() -> Event? {
        guard !failed else { return nil }
        var event = yaml_event_t()
        guard yaml_parser_parse(&session.parser, &event) == 1 else {
            failed = true
            let p = session.parser
            let problem = p.problem.map { String(cString: $0) } ?? "syntax error"
            var message = problem
            if let context = p.context.map({ String(cString: $0) }) { message = "\(problem) \(context)" }
            if problem.contains("cannot start any token") && lines.byteCount > 0 {
                message = "\(problem) (tabs cannot be used for indentation)"
            }
            diagnostics.error("invalid YAML: \(message)", at: lines.location(of: p.problem_mark))
            return nil
        }
        defer { yaml_event_delete(&event) }
        let kind: Event.Kind
        var anchor = false
        var tag: String?
        switch event.type {
        case YAML_STREAM_START_EVENT: kind = .streamStart
        case YAML_STREAM_END_EVENT: kind = .streamEnd
        case YAML_DOCUMENT_START_EVENT: kind = .documentStart
        case YAML_DOCUMENT_END_EVENT: kind = .documentEnd
        case YAML_ALIAS_EVENT: kind = .alias
        case YAML_SCALAR_EVENT:
            let s = event.data.scalar
            let value = String(decoding: UnsafeBufferPointer(start: s.value, count: Int(s.length)), as: UTF8.self)
            let style: YAMLNode.ScalarStyle = switch s.style {
            case YAML_SINGLE_QUOTED_SCALAR_STYLE: .singleQuoted
            case YAML_DOUBLE_QUOTED_SCALAR_STYLE: .doubleQuoted
            case YAML_LITERAL_SCALAR_STYLE: .literal
            case YAML_FOLDED_SCALAR_STYLE: .folded
            default: .plain
            }
            kind = .scalar(value, style)
            anchor = s.anchor != nil
            tag = s.tag.map { String(cString: $0) }
        case YAML_SEQUENCE_START_EVENT:
            kind = .sequenceStart
            anchor = event.data.sequence_start.anchor != nil
            tag = event.data.sequence_start.tag.map { String(cString: $0) }
        case YAML_SEQUENCE_END_EVENT: kind = .sequenceEnd
        case YAML_MAPPING_START_EVENT:
            kind = .mappingStart
            anchor = event.data.mapping_start.anchor != nil
            tag = event.data.mapping_start.tag.map { String(cString: $0) }
        default: kind = .mappingEnd
        }
        let implicit = event.type == YAML_DOCUMENT_START_EVENT && event.data.document_start.implicit == 1
        return Event(kind: kind, start: event.start_mark, end: event.end_mark, anchor: anchor, tag: tag, implicitDocumentStart: implicit)
    }

    mutating func document() -> YAMLNode? {
        guard let first = next(), case .streamStart = first.kind else { return nil }
        guard let start = next() else { return nil }
        if case .streamEnd = start.kind {
            diagnostics.error("the file is empty: expected a YAML mapping", at: SourceLocation(line: 1, column: 1, offset: 0))
            return nil
        }
        guard let rootEvent = next() else { return nil }
        let root = node(from: rootEvent, depth: 0)
        guard next() != nil else { return nil }  // document end
        if let after = next() {
            if case .documentStart = after.kind {
                diagnostics.error("the file holds more than one YAML document; a spec is exactly one", at: lines.location(of: after.start))
            }
        }
        if let root, root.isNull {
            diagnostics.error("the document is empty: expected a YAML mapping", at: root.range.start)
            return nil
        }
        return failed ? nil : root
    }

    private func range(_ event: Event) -> SourceRange {
        SourceRange(start: lines.location(of: event.start), end: lines.location(of: event.end))
    }

    private mutating func refuseDecorations(_ event: Event) {
        if event.anchor {
            diagnostics.error("YAML anchors are not supported in a spec; write the value out", at: lines.location(of: event.start))
        }
        if let tag = event.tag {
            let written = tag.hasPrefix("tag:yaml.org,2002:") ? "!!" + tag.dropFirst("tag:yaml.org,2002:".count) : tag
            diagnostics.error("YAML tags such as '\(written)' are not supported in a spec; values are typed by their key", at: lines.location(of: event.start))
        }
    }

    private mutating func node(from event: Event, depth: Int) -> YAMLNode? {
        switch event.kind {
        case .scalar(let value, let style):
            refuseDecorations(event)
            var node = YAMLNode(content: .scalar(value, style), range: range(event))
            if let raw = lines.yaml11Breaks.first(where: { $0.offset >= node.range.start.offset && $0.offset < node.range.end.offset }) {
                // Written raw, so libyaml saw the stand-in character: report the original.
                node.forbiddenCharacter = (raw.scalar, lines.location(ofByte: raw.offset))
            } else if let scalar = value.unicodeScalars.first(where: { CharacterNames.isForbiddenInText($0) }) {
                node.forbiddenCharacter = (scalar, locate(scalar, in: node.range, style: style))
            }
            return node
        case .alias:
            diagnostics.error("YAML aliases are not supported in a spec; write the value out", at: lines.location(of: event.start))
            return YAMLNode(content: .scalar("", .plain), range: range(event), isPoisoned: true)
        case .sequenceStart:
            refuseDecorations(event)
            if depth >= YAMLParser.maximumDepth { return tooDeep(event) }
            var items: [YAMLNode] = []
            while let child = next() {
                if case .sequenceEnd = child.kind {
                    return YAMLNode(content: .sequence(items), range: SourceRange(start: lines.location(of: event.start), end: lines.location(of: child.end)))
                }
                guard let item = node(from: child, depth: depth + 1) else { return nil }
                items.append(item)
            }
            return nil
        case .mappingStart:
            refuseDecorations(event)
            if depth >= YAMLParser.maximumDepth { return tooDeep(event) }
            var pairs: [YAMLNode.Pair] = []
            var seen: [String: SourceLocation] = [:]
            while let keyEvent = next() {
                if case .mappingEnd = keyEvent.kind {
                    return YAMLNode(content: .mapping(pairs), range: SourceRange(start: lines.location(of: event.start), end: lines.location(of: keyEvent.end)))
                }
                guard let key = node(from: keyEvent, depth: depth + 1) else { return nil }
                guard let valueEvent = next(), let value = node(from: valueEvent, depth: depth + 1) else { return nil }
                guard case .scalar(let name, _) = key.content else {
                    diagnostics.error("mapping keys must be plain strings, found \(key.kindDescription)", at: key.range.start)
                    continue
                }
                if let first = seen[name] {
                    diagnostics.error("duplicate key '\(name)'", at: key.range.start, notes: [diagnostics.note("'\(name)' first defined here", at: first)])
                    continue
                }
                seen[name] = key.range.start
                pairs.append(YAMLNode.Pair(key: key, value: value))
            }
            return nil
        default:
            diagnostics.error("unexpected YAML event", at: lines.location(of: event.start))
            return nil
        }
    }

    /// Where `scalar` is written inside a scalar's source `range`: the first raw occurrence, or
    /// in a double-quoted scalar the first escape that yields it (`\\n`, `\\x0a`, `\\u2028`, `\\N`, …),
    /// whichever comes first; a block scalar's header line is skipped. Falls back to the start.
    private func locate(_ scalar: Unicode.Scalar, in range: SourceRange, style: YAMLNode.ScalarStyle) -> SourceLocation {
        let bytes = UnsafeBufferPointer(session.buffer)
        var i = range.start.offset
        let end = min(range.end.offset, bytes.count)
        if style == .literal || style == .folded {
            while i < end && bytes[i] != UInt8(ascii: "\n") && bytes[i] != UInt8(ascii: "\r") { i += 1 }
            if i < end && bytes[i] == UInt8(ascii: "\r") { i += 1 }
            if i < end && bytes[i] == UInt8(ascii: "\n") { i += 1 }
        }
        while i < end {
            let decoded = Self.decode(bytes, at: i)
            if decoded.scalar == scalar || (scalar == "\n" && decoded.scalar == "\r") { return lines.location(ofByte: i) }
            if style == .doubleQuoted && decoded.scalar == "\\" && i + 1 < end {
                let escape = Self.escaped(bytes, at: i + 1, end: end)
                if escape.scalar == scalar { return lines.location(ofByte: i) }
                i += 1 + escape.width
                continue
            }
            i += decoded.width
        }
        return range.start
    }

    /// The UTF-8 character at `i` (the input is valid UTF-8 by now).
    private static func decode(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> (scalar: Unicode.Scalar?, width: Int) {
        var iterator = bytes[i..<min(i + 4, bytes.count)].makeIterator()
        var decoder = UTF8()
        if case .scalarValue(let s) = decoder.decode(&iterator) { return (s, UTF8.width(s)) }
        return (nil, 1)
    }

    /// The character a double-quoted escape (YAML 1.2 §5.7) after a `\\` at `i` stands for, and
    /// how many bytes after the backslash it takes.
    private static func escaped(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int, end: Int) -> (scalar: Unicode.Scalar?, width: Int) {
        let simple: [UInt8: UInt32] = [
            UInt8(ascii: "0"): 0, UInt8(ascii: "a"): 7, UInt8(ascii: "b"): 8, UInt8(ascii: "t"): 9, UInt8(ascii: "n"): 10,
            UInt8(ascii: "v"): 11, UInt8(ascii: "f"): 12, UInt8(ascii: "r"): 13, UInt8(ascii: "e"): 0x1b,
            UInt8(ascii: "N"): 0x85, UInt8(ascii: "L"): 0x2028, UInt8(ascii: "P"): 0x2029, 0x09: 9,
        ]
        if let value = simple[bytes[i]] { return (Unicode.Scalar(value), 1) }
        let digits: Int = switch bytes[i] {
        case UInt8(ascii: "x"): 2
        case UInt8(ascii: "u"): 4
        case UInt8(ascii: "U"): 8
        default: 0
        }
        guard digits > 0, i + digits < end,
            let value = UInt32(String(decoding: bytes[(i + 1)...(i + digits)], as: UTF8.self), radix: 16)
        else { return (nil, decode(bytes, at: i).width) }
        return (Unicode.Scalar(value), 1 + digits)
    }

    private mutating func tooDeep(_ event: Event) -> YAMLNode? {
        diagnostics.error("nesting is deeper than \(YAMLParser.maximumDepth) levels", at: lines.location(of: event.start))
        failed = true
        return nil
    }
}

/// Names of the characters a spec refuses, for messages, and the test for them.
public enum CharacterNames {
    /// Whether a spec string may not hold `scalar`: line breaks (LF, CR, NEL, U+2028, U+2029),
    /// C0 controls (tab included), DEL, C1 controls and the non-characters U+FFFE/U+FFFF.
    /// Every spec string is one line of text, which every output format can hold.
    public static func isForbiddenInText(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        return v < 0x20 || (0x7f...0x9f).contains(v) || v == 0x2028 || v == 0x2029 || v == 0xfffe || v == 0xffff
    }

    /// "a line feed (U+000A)", "a control character (U+001B)", ….
    public static func describe(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        let name: String = switch scalar.value {
        case 0x0a: "a line feed"
        case 0x0d: "a carriage return"
        case 0x09: "a tab"
        case 0x00: "a NUL character"
        case 0x85: "a next-line character (NEL)"
        case 0x2028: "a line separator"
        case 0x2029: "a paragraph separator"
        case 0xfffe, 0xffff: "the non-character"
        default: "a control character"
        }
        return "\(name) (\(code))"
    }
}
