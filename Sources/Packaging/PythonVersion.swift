/// A CPython feature release `major.minor` (`3.12`), as `runtime.python` names it: the one parser
/// of that form (planner, lock, `lock`, `bump`).
///
/// Canonical form only: two decimal fields without leading zeros, so that ``description`` gives
/// back the text it was parsed from. In JSON it is that string (`"3.12"`).
public struct PythonVersion: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// Major release (3).
    public var major: Int
    /// Minor release (12).
    public var minor: Int

    /// Creates a version.
    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// Parses `major.minor` (decimal, no sign, no leading zeros, at most 4 digits each).
    /// - Returns: `nil` for anything else (`3`, `3.12.1`, `3.012`, `py3.12`).
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let major = Self.field(parts[0]), let minor = Self.field(parts[1]) else { return nil }
        self.init(major: major, minor: minor)
    }

    private static func field(_ digits: Substring) -> Int? {
        guard (1...4).contains(digits.utf8.count), digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        guard digits.utf8.count == 1 || digits.utf8.first != 48 else { return nil }
        return Int(digits)
    }

    /// `major.minor`.
    public var description: String { "\(major).\(minor)" }
    /// Without the dot (`312`), as in the PEP 425 tag `cp312` and nixpkgs' `python312`.
    public var compact: String { "\(major)\(minor)" }

    /// Whether `release` (`3.12` or a full version such as `3.12.8`) is this feature release.
    public func includes(_ release: String) -> Bool {
        release == description || release.hasPrefix(description + ".")
    }

    public static func < (a: Self, b: Self) -> Bool { (a.major, a.minor) < (b.major, b.minor) }

    /// Decodes `"major.minor"`.
    /// - Throws: `DecodingError.dataCorrupted` for any other string.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let version = Self(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "Python version '\(text)' is not 'major.minor' such as '3.12'")
        }
        self = version
    }

    /// Encodes `"major.minor"`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
