/// One problem (or remark) found in an input file, printed compiler-style as
/// `path:line:col: error: message`.
public struct Diagnostic: Hashable, Sendable, Error, CustomStringConvertible {
    /// How bad it is.
    public enum Severity: String, Hashable, Sendable, Comparable {
        case error, warning, note

        private var rank: Int {
            switch self {
            case .error: 0
            case .warning: 1
            case .note: 2
            }
        }

        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
    }

    /// Error, warning or note.
    public var severity: Severity
    /// One sentence, lowercase start, no trailing period (swift-format style).
    public var message: String
    /// The file the problem is in, as the user named it; `nil` for problems with no file.
    public var file: String?
    /// Where in ``file``; `nil` when the problem concerns the whole file.
    public var location: SourceLocation?
    /// Related places (e.g. "first defined here"), printed after the diagnostic.
    public var notes: [Diagnostic]

    /// Creates a diagnostic.
    public init(
        _ severity: Severity, _ message: String, file: String?, at location: SourceLocation?,
        notes: [Diagnostic] = []
    ) {
        self.severity = severity
        self.message = message
        self.file = file
        self.location = location
        self.notes = notes
    }

    /// `file:line:col: severity: message`, followed by one line per note.
    public var description: String {
        var lines = [Self.line(severity, message, file, location)]
        for note in notes { lines.append(Self.line(note.severity, note.message, note.file, note.location)) }
        return lines.joined(separator: "\n")
    }

    private static func line(_ severity: Severity, _ message: String, _ file: String?, _ location: SourceLocation?) -> String {
        var prefix = ""
        if let file { prefix = visible(file) + ":" }
        if let location { prefix += "\(location.line):\(location.column):" }
        return (prefix.isEmpty ? "" : prefix + " ") + "\(severity.rawValue): \(visible(message))"
    }

    /// The message on one line: line breaks and control characters (which a message can quote
    /// from the spec) written as `\u{XX}`, so one diagnostic is always one line.
    private static func visible(_ message: String) -> String {
        guard message.unicodeScalars.contains(where: CharacterNames.isForbiddenInText) || message.unicodeScalars.contains("\u{85}") else { return message }
        var out = String.UnicodeScalarView()
        for scalar in message.unicodeScalars {
            if CharacterNames.isForbiddenInText(scalar) || scalar == "\u{85}" {
                out.append(contentsOf: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }
}

/// Collects diagnostics for one input file, so that a run reports every problem at once.
public struct DiagnosticBag: Sendable {
    /// The file every diagnostic added through ``error(_:at:notes:)`` refers to.
    public let file: String
    /// Everything reported so far, in the order reported.
    public private(set) var all: [Diagnostic] = []

    /// Creates an empty bag for `file`.
    public init(file: String) { self.file = file }

    /// True when at least one error (not warning) was reported.
    public var hasErrors: Bool { all.contains { $0.severity == .error } }

    /// Reports an error at `location` in ``file``.
    public mutating func error(_ message: String, at location: SourceLocation?, notes: [Diagnostic] = []) {
        all.append(Diagnostic(.error, message, file: file, at: location, notes: notes))
    }

    /// Reports a warning at `location` in ``file``.
    public mutating func warning(_ message: String, at location: SourceLocation?) {
        all.append(Diagnostic(.warning, message, file: file, at: location))
    }

    /// A note at `location` in ``file``, to attach to an error.
    public func note(_ message: String, at location: SourceLocation?) -> Diagnostic {
        Diagnostic(.note, message, file: file, at: location)
    }

    /// Appends diagnostics produced elsewhere.
    public mutating func append(contentsOf other: [Diagnostic]) { all.append(contentsOf: other) }

    /// The diagnostics sorted by position (stable for equal positions), the order they are printed in.
    public var sorted: [Diagnostic] {
        all.enumerated().sorted { a, b in
            let la = a.element.location?.offset ?? -1
            let lb = b.element.location?.offset ?? -1
            return la != lb ? la < lb : a.offset < b.offset
        }.map(\.element)
    }
}
