/// The fields of a distribution's core metadata (`METADATA`, Core Metadata Specifications
/// 2.1–2.4) that the lock needs: name, version, Requires-Python and Requires-Dist.
///
/// The file is an RFC 822-style header block (PEP 566): `Key: value` lines, continuation lines
/// starting with whitespace, the body after the first empty line (ignored here).
public struct CoreMetadata: Hashable, Sendable {
    /// `Name`.
    public var name: String
    /// `Version`, as written.
    public var version: String
    /// `Requires-Python`, as written.
    public var requiresPython: String?
    /// Every `Requires-Dist` line, in file order, as written.
    public var requiresDist: [String]

    /// Parses METADATA text.
    /// - Throws: ``CoreMetadataError`` when `Name` or `Version` is missing.
    public init(parsing text: String) throws(CoreMetadataError) {
        var headers: [(String, String)] = []
        // `"\r\n"` is one Character in Swift: split on every line break, not on "\n".
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            if line.isEmpty { break }
            if let first = line.first, first == " " || first == "\t" {
                if !headers.isEmpty { headers[headers.count - 1].1 += "\n" + line.trimmingWhitespaceString() }
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]).lowercased(), line[line.index(after: colon)...].trimmingWhitespaceString()))
        }
        func first(_ key: String) -> String? { headers.first { $0.0 == key }?.1 }
        guard let name = first("name"), !name.isEmpty else { throw .missingField("Name") }
        guard let version = first("version"), !version.isEmpty else { throw .missingField("Version") }
        self.name = name
        self.version = version
        requiresPython = first("requires-python")
        requiresDist = headers.filter { $0.0 == "requires-dist" }.map(\.1)
    }
}

/// Why a METADATA file could not be used.
public enum CoreMetadataError: Error, Hashable, Sendable, CustomStringConvertible {
    case missingField(String)
    public var description: String {
        switch self {
        case .missingField(let field): "core metadata has no '\(field)' field"
        }
    }
}

extension Substring {
    func trimmingWhitespaceString() -> String {
        var s = self
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
