import Foundation

/// A wheel's `RECORD` (PEP 376; the wheel spec, PEP 427 "The .dist-info directory"): CSV rows of
/// `path,hash,size`, `hash` as `sha256=<urlsafe base64 without padding>`, empty for files not
/// hashed (RECORD itself, `.pyc` written at install time).
public struct Record: Sendable {
    public struct Row: Hashable, Sendable {
        /// Relative to site-packages (may start with `../`).
        public var path: String
        /// `sha256` etc.; `nil` when the row has no hash.
        public var algorithm: String?
        /// The urlsafe-base64 digest, no padding.
        public var digest: String?
        public var size: Int?
    }

    public var rows: [Row]

    /// Parses RECORD text (RFC 4180 quoting).
    public init(parsing text: String) {
        var rows: [Row] = []
        for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) where !line.isEmpty {
            let fields = Self.fields(of: Substring(line))
            guard let path = fields.first, !path.isEmpty else { continue }
            var algorithm: String?
            var digest: String?
            if fields.count > 1, let eq = fields[1].firstIndex(of: "=") {
                algorithm = String(fields[1][..<eq])
                digest = String(fields[1][fields[1].index(after: eq)...])
            }
            rows.append(Row(path: path, algorithm: algorithm, digest: digest, size: fields.count > 2 ? Int(fields[2]) : nil))
        }
        self.rows = rows
    }

    private static func fields(of line: Substring) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var i = line.startIndex
        while i < line.endIndex {
            let c = line[i]
            if quoted {
                if c == "\"" {
                    let next = line.index(after: i)
                    if next < line.endIndex, line[next] == "\"" {
                        current.append("\"")
                        i = next
                    } else {
                        quoted = false
                    }
                } else {
                    current.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                fields.append(current)
                current = ""
            } else {
                current.append(c)
            }
            i = line.index(after: i)
        }
        fields.append(current)
        return fields
    }
}
