/// A cryptographic hash algorithm that Nix and the Python packaging tools name in pins.
///
/// Only the algorithms a pin may use are listed: SHA-256 (PEP 503 `#sha256=`, Nix `narHash`)
/// and SHA-512 (SRI strings in npm-style lock files, Nix `hash`). MD5 and SHA-1 are refused
/// as pins because they are not collision resistant.
public enum HashAlgorithm: String, CaseIterable, Sendable, Codable {
    case sha256
    case sha512

    /// Digest size in bytes (32 for SHA-256, 64 for SHA-512; FIPS 180-4).
    public var byteCount: Int {
        switch self {
        case .sha256: 32
        case .sha512: 64
        }
    }

    /// Length of the lowercase hexadecimal form, in characters.
    public var hexLength: Int { byteCount * 2 }

    /// Length of the Nix base-32 form, in characters: `(bits - 1) / 5 + 1` (Nix `Hash::base32Len`).
    public var nixBase32Length: Int { (byteCount * 8 - 1) / 5 + 1 }

    /// Length of the padded standard base64 form used in SRI strings, in characters.
    public var base64Length: Int { (byteCount + 2) / 3 * 4 }
}
