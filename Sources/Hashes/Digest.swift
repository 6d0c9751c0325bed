/// A digest of a known algorithm, convertible between the encodings pins are written in.
///
/// Accepted textual forms (the ones Nix's `Hash::parseAny` accepts, minus bare digests):
/// - SRI: `sha256-<base64>` (W3C Subresource Integrity; Nix `narHash`, `fetchurl { hash = … }`),
/// - prefixed: `sha256:<hex>`, `sha256:<nix-base32>` or `sha256:<base64>`, told apart by length.
///
/// Only canonical encodings are accepted: lowercase hex, Nix base-32 with zero padding bits,
/// padded base64 with zero padding bits.
public struct Digest: Hashable, Sendable, CustomStringConvertible {
    /// The algorithm that produced ``bytes``.
    public let algorithm: HashAlgorithm
    /// The raw digest, ``HashAlgorithm/byteCount`` bytes long.
    public let bytes: [UInt8]

    /// Wraps raw digest bytes.
    /// - Throws: ``DigestError/wrongLength(algorithm:actual:)`` when `bytes` is not the algorithm's size.
    public init(algorithm: HashAlgorithm, bytes: [UInt8]) throws(DigestError) {
        guard bytes.count == algorithm.byteCount else {
            throw .wrongLength(algorithm: algorithm, actual: bytes.count)
        }
        self.algorithm = algorithm
        self.bytes = bytes
    }

    /// Parses an SRI or `algorithm:`-prefixed digest string (see the type's documentation).
    /// - Throws: ``DigestError`` describing what is wrong with `text`.
    public init(parsing text: String) throws(DigestError) {
        let (algorithmName, body, isSRI): (Substring, Substring, Bool)
        if let colon = text.firstIndex(of: ":") {
            (algorithmName, body, isSRI) = (text[..<colon], text[text.index(after: colon)...], false)
        } else if let dash = text.firstIndex(of: "-") {
            (algorithmName, body, isSRI) = (text[..<dash], text[text.index(after: dash)...], true)
        } else {
            throw .missingAlgorithm(text)
        }
        guard let algorithm = HashAlgorithm(rawValue: String(algorithmName)) else {
            throw .unsupportedAlgorithm(String(algorithmName))
        }
        let encoded = String(body)
        let decoded: [UInt8]?
        if isSRI {
            guard encoded.utf8.count == algorithm.base64Length else {
                throw .badEncoding(text, expected: "\(algorithm.base64Length) base64 characters after '\(algorithm.rawValue)-'")
            }
            decoded = Base64.decode(encoded)
        } else {
            switch encoded.utf8.count {
            case algorithm.hexLength: decoded = Base16.decode(encoded)
            case algorithm.nixBase32Length: decoded = NixBase32.decode(encoded, byteCount: algorithm.byteCount)
            case algorithm.base64Length: decoded = Base64.decode(encoded)
            default:
                throw .badEncoding(
                    text,
                    expected: "\(algorithm.hexLength) hex, \(algorithm.nixBase32Length) Nix base-32 or \(algorithm.base64Length) base64 characters after '\(algorithm.rawValue):'"
                )
            }
        }
        guard let decoded else { throw .notCanonical(text) }
        self.algorithm = algorithm
        self.bytes = decoded
    }

    /// Reads the lowercase hex form of an `algorithm` digest (the form ``hex`` writes).
    /// - Throws: ``DigestError/badEncoding(_:expected:)`` for the wrong length,
    ///   ``DigestError/notCanonical(_:)`` for uppercase or non-hex characters.
    public init(algorithm: HashAlgorithm, hex: String) throws(DigestError) {
        guard hex.utf8.count == algorithm.hexLength else {
            throw .badEncoding(hex, expected: "\(algorithm.hexLength) lowercase hex characters for \(algorithm.rawValue)")
        }
        guard let bytes = Base16.decode(hex) else { throw .notCanonical(hex) }
        self.algorithm = algorithm
        self.bytes = bytes
    }

    /// Reads the lowercase hex form of an `algorithm` digest given as UTF-8 bytes (a slice of a
    /// file being parsed), with the rules and errors of ``init(algorithm:hex:)``.
    public init(algorithm: HashAlgorithm, hexUTF8: ArraySlice<UInt8>) throws(DigestError) {
        guard hexUTF8.count == algorithm.hexLength, let bytes = Base16.decode(utf8: hexUTF8) else {
            try self.init(algorithm: algorithm, hex: String(decoding: hexUTF8, as: UTF8.self))
            return
        }
        try self.init(algorithm: algorithm, bytes: bytes)
    }

    /// Whether `self` sorts before `other` in the order of their ``prefixedHex`` forms (algorithm
    /// name, then digest bytes: lowercase hex preserves the bytes' order), without encoding them.
    public func precedesInHexOrder(_ other: Digest) -> Bool {
        if algorithm != other.algorithm { return algorithm.rawValue < other.algorithm.rawValue }
        return bytes.lexicographicallyPrecedes(other.bytes)
    }

    /// Reads the OCI form `algorithm:hex` (the OCI image spec's `digest` grammar restricted to
    /// the algorithms of ``HashAlgorithm``, lowercase hex; the form ``prefixedHex`` writes), e.g.
    /// `sha256:24c8…` in `image@sha256:…` references.
    /// - Throws: ``DigestError/missingAlgorithm(_:)`` without `algorithm:`,
    ///   ``DigestError/unsupportedAlgorithm(_:)`` for another algorithm, and the errors of
    ///   ``init(algorithm:hex:)`` for the hex part.
    public init(prefixedHex text: String) throws(DigestError) {
        guard let colon = text.firstIndex(of: ":") else { throw .missingAlgorithm(text) }
        let name = String(text[..<colon])
        guard let algorithm = HashAlgorithm(rawValue: name) else { throw .unsupportedAlgorithm(name) }
        let hex = String(text[text.index(after: colon)...])
        guard hex.utf8.count == algorithm.hexLength else {
            throw .badEncoding(text, expected: "\(algorithm.hexLength) lowercase hex characters after '\(name):'")
        }
        guard let bytes = Base16.decode(hex) else { throw .notCanonical(text) }
        self.algorithm = algorithm
        self.bytes = bytes
    }

    /// Lowercase hex of the digest, e.g. for PEP 503 `#sha256=` fragments and `pip --require-hashes`.
    public var hex: String { Base16.encode(bytes) }
    /// Nix base-32 of the digest (`nix hash to-base32`), e.g. for `fetchTarball { sha256 = … }`.
    public var nixBase32: String { NixBase32.encode(bytes) }
    /// OCI form `algorithm:hex` (`sha256:<64 lowercase hex>`), as in `image@sha256:…` and pip's `--hash=`.
    public var prefixedHex: String { "\(algorithm.rawValue):\(hex)" }
    /// SRI form `sha256-<base64>` (`nix hash to-sri`), the form flake.lock's `narHash` uses.
    public var sri: String { "\(algorithm.rawValue)-\(Base64.encode(bytes))" }
    /// The SRI form.
    public var description: String { sri }
}

/// Why a digest string could not be read.
public enum DigestError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Neither `algo-` nor `algo:` prefix.
    case missingAlgorithm(String)
    /// An algorithm other than sha256/sha512.
    case unsupportedAlgorithm(String)
    /// The encoded part has the wrong length for any encoding of the algorithm.
    case badEncoding(String, expected: String)
    /// Characters outside the alphabet, uppercase hex, or non-zero padding bits.
    case notCanonical(String)
    /// Raw bytes of the wrong size for the algorithm.
    case wrongLength(algorithm: HashAlgorithm, actual: Int)

    public var description: String {
        switch self {
        case .missingAlgorithm(let text):
            "hash '\(text)' names no algorithm; write it as SRI ('sha256-<base64>') or 'sha256:<hex|nix-base32>'"
        case .unsupportedAlgorithm(let name):
            "unsupported hash algorithm '\(name)'; use one of: \(HashAlgorithm.allCases.map(\.rawValue).joined(separator: ", "))"
        case .badEncoding(let text, let expected):
            "hash '\(text)' has the wrong length: expected \(expected)"
        case .notCanonical(let text):
            "hash '\(text)' is not a canonical encoding (lowercase hex, Nix base-32 or padded base64 with zero padding bits)"
        case .wrongLength(let algorithm, let actual):
            "a \(algorithm.rawValue) digest is \(algorithm.byteCount) bytes, got \(actual)"
        }
    }
}
