/// A CUDA toolkit release `major.minor`.
public struct CUDAVersion: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Major release (12).
    public var major: Int
    /// Minor release (8).
    public var minor: Int
    /// Creates a release number.
    public init(_ major: Int, _ minor: Int) {
        self.major = major
        self.minor = minor
    }
    /// Parses `12.8`.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let major = Int(parts[0]), let minor = Int(parts[1]) else { return nil }
        self.init(major, minor)
    }
    public static func < (a: Self, b: Self) -> Bool { (a.major, a.minor) < (b.major, b.minor) }
    public var description: String { "\(major).\(minor)" }
    /// The local version label wheels built for it carry (`cu128`, PyTorch/FlashInfer convention).
    public var localTag: String { "cu\(major)\(minor)" }
}

extension CUDAVersion: Codable {
    /// Decodes `"major.minor"` (canonical: the text ``description`` writes).
    /// - Throws: `DecodingError.dataCorrupted` for any other string.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let version = CUDAVersion(text), version.description == text else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "CUDA version '\(text)' is not 'major.minor' such as '12.8'")
        }
        self = version
    }

    /// Encodes `"major.minor"`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
