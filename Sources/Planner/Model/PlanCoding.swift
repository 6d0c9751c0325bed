import CUDACompatibility
import Hashes
import Lock
import Packaging
import Spec

// The plan's JSON (`docs/plan-schema.md`) for the types whose Swift shape differs from it: a
// digest written as two or three fields, versions written as their text. Absent optionals are
// left out, as the synthesized conformances of the other plan types do.

extension CUDATarget: Codable {
    private enum CodingKeys: String, CodingKey { case version, minDriver, localTag, nixPackageSet }

    /// Decodes `{"version": "12.8", "minDriver": "550", "localTag", "nixPackageSet"}`.
    /// - Throws: `DecodingError.dataCorrupted` for a version that is not `major.minor` or a
    ///   driver version that is not dot-separated numbers.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let versionText = try container.decode(String.self, forKey: .version)
        guard let version = CUDAVersion(versionText), version.description == versionText else {
            throw DecodingError.dataCorruptedError(forKey: .version, in: container, debugDescription: "CUDA version '\(versionText)' is not 'major.minor' such as '12.8'")
        }
        let driverText = try container.decode(String.self, forKey: .minDriver)
        guard let driver = DriverVersion(driverText), driver.description == driverText else {
            throw DecodingError.dataCorruptedError(forKey: .minDriver, in: container, debugDescription: "driver version '\(driverText)' is not dot-separated numbers such as '550' or '570.124.06'")
        }
        self.init(version: version, minDriver: driver,
                  localTag: try container.decode(String.self, forKey: .localTag),
                  nixPackageSet: try container.decode(String.self, forKey: .nixPackageSet))
    }

    /// Encodes the versions as their text.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(version.description, forKey: .version)
        try container.encode(minDriver.description, forKey: .minDriver)
        try container.encode(localTag, forKey: .localTag)
        try container.encode(nixPackageSet, forKey: .nixPackageSet)
    }
}

/// Reads the digest a plan writes as an SRI string plus its hex form, and checks that both name
/// the same bytes.
private func decodeDigest<Key: CodingKey>(
    _ container: KeyedDecodingContainer<Key>, sri sriKey: Key, hex hexKey: Key, algorithm algorithmKey: Key? = nil
) throws -> Digest {
    let sri = try container.decode(String.self, forKey: sriKey)
    let digest: Digest
    do { digest = try Digest(parsing: sri) } catch {
        throw DecodingError.dataCorruptedError(forKey: sriKey, in: container, debugDescription: error.description)
    }
    guard digest.sri == sri else {
        throw DecodingError.dataCorruptedError(forKey: sriKey, in: container, debugDescription: "'\(sri)' is not an SRI hash ('\(digest.algorithm.rawValue)-<base64>')")
    }
    let hex = try container.decode(String.self, forKey: hexKey)
    guard hex == digest.hex else {
        throw DecodingError.dataCorruptedError(forKey: hexKey, in: container, debugDescription: "'\(hex)' is not the hex form of \(sri) (\(digest.hex))")
    }
    if let algorithmKey {
        let algorithm = try container.decode(String.self, forKey: algorithmKey)
        guard algorithm == digest.algorithm.rawValue else {
            throw DecodingError.dataCorruptedError(forKey: algorithmKey, in: container, debugDescription: "algorithm '\(algorithm)' is not the algorithm of \(sri)")
        }
    }
    return digest
}

/// Reads an optional SRI digest (`sha256-<base64>`, the form ``Digest/sri`` writes).
/// - Throws: `DecodingError.dataCorrupted` at `key` for any other string.
private func decodeSRIIfPresent<Key: CodingKey>(_ container: KeyedDecodingContainer<Key>, _ key: Key) throws -> Digest? {
    guard let text = try container.decodeIfPresent(String.self, forKey: key) else { return nil }
    let digest: Digest
    do { digest = try Digest(parsing: text) } catch {
        throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: error.description)
    }
    guard digest.sri == text else {
        throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "'\(text)' is not an SRI hash ('\(digest.algorithm.rawValue)-<base64>')")
    }
    return digest
}

/// Reads an optional OCI digest (`sha256:<64 lowercase hex>`, ``Digest/init(prefixedHex:)``).
/// - Throws: `DecodingError.dataCorrupted` at `key` for any other string or another algorithm than sha256.
private func decodeOCIDigestIfPresent<Key: CodingKey>(_ container: KeyedDecodingContainer<Key>, _ key: Key) throws -> Digest? {
    guard let text = try container.decodeIfPresent(String.self, forKey: key) else { return nil }
    let digest: Digest
    do { digest = try Digest(prefixedHex: text) } catch {
        throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "'\(text)' is not an OCI image digest 'sha256:<64 hex>': \(error.description)")
    }
    guard digest.algorithm == .sha256 else {
        throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "an image digest must be sha256, found \(digest.algorithm.rawValue)")
    }
    return digest
}

/// The key of an array element, for the coding path of an error inside an array.
private struct IndexKey: CodingKey {
    var intValue: Int?
    var stringValue: String { "\(intValue ?? 0)" }
    init(_ index: Int) { intValue = index }
    init?(intValue: Int) { self.intValue = intValue }
    init?(stringValue: String) { nil }
}

extension PlannedNixpkgs: Codable {
    private enum CodingKeys: String, CodingKey { case owner, repo, rev, flakeRef, narHash, lastModified, declaredAt }

    /// Decodes the pin; `narHash`, when present, must be an SRI string.
    /// - Throws: `DecodingError` naming the field that is missing or wrong.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            owner: try container.decode(String.self, forKey: .owner),
            repo: try container.decode(String.self, forKey: .repo),
            rev: try container.decode(String.self, forKey: .rev),
            flakeRef: try container.decode(String.self, forKey: .flakeRef),
            narHash: try decodeSRIIfPresent(container, .narHash),
            lastModified: try container.decodeIfPresent(Int.self, forKey: .lastModified),
            declaredAt: try container.decodeIfPresent(SpecLocation.self, forKey: .declaredAt)
        )
    }

    /// Encodes `narHash` as SRI; absent optionals are left out.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(owner, forKey: .owner)
        try container.encode(repo, forKey: .repo)
        try container.encode(rev, forKey: .rev)
        try container.encode(flakeRef, forKey: .flakeRef)
        try container.encodeIfPresent(narHash?.sri, forKey: .narHash)
        try container.encodeIfPresent(lastModified, forKey: .lastModified)
        try container.encodeIfPresent(declaredAt, forKey: .declaredAt)
    }
}

extension PlannedContainer: Codable {
    private enum CodingKeys: String, CodingKey { case baseImage, baseDigest, declaredAt, baseGlibc, builder }

    /// Decodes the section; `baseDigest`, when present, must be `sha256:<64 hex>`.
    /// - Throws: `DecodingError` naming the field that is missing or wrong.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            baseImage: try container.decode(String.self, forKey: .baseImage),
            baseDigest: try decodeOCIDigestIfPresent(container, .baseDigest),
            declaredAt: try container.decode(SpecLocation.self, forKey: .declaredAt)
        )
        baseGlibc = try container.decodeIfPresent(GlibcVersion.self, forKey: .baseGlibc)
        builder = try container.decodeIfPresent(PlannedContainerImage.self, forKey: .builder)
    }

    /// Encodes `baseDigest` in OCI form; absent optionals are left out.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(baseImage, forKey: .baseImage)
        try container.encodeIfPresent(baseDigest?.prefixedHex, forKey: .baseDigest)
        try container.encode(declaredAt, forKey: .declaredAt)
        try container.encodeIfPresent(baseGlibc, forKey: .baseGlibc)
        try container.encodeIfPresent(builder, forKey: .builder)
    }
}

extension PlannedContainerImage: Codable {
    private enum CodingKeys: String, CodingKey { case image, digest, glibc, declaredAt }

    /// Decodes the image; `digest`, when present, must be `sha256:<64 hex>`.
    /// - Throws: `DecodingError` naming the field that is missing or wrong.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            image: try container.decode(String.self, forKey: .image),
            digest: try decodeOCIDigestIfPresent(container, .digest),
            glibc: try container.decodeIfPresent(GlibcVersion.self, forKey: .glibc),
            declaredAt: try container.decode(SpecLocation.self, forKey: .declaredAt)
        )
    }

    /// Encodes `digest` in OCI form; absent optionals are left out.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(image, forKey: .image)
        try container.encodeIfPresent(digest?.prefixedHex, forKey: .digest)
        try container.encodeIfPresent(glibc, forKey: .glibc)
        try container.encode(declaredAt, forKey: .declaredAt)
    }
}

extension PlannedPythonPackage: Codable {
    private enum CodingKeys: String, CodingKey { case normalizedName, version, sha256, wheel }

    /// Decodes the package; every `sha256` entry must be 64 lowercase hex characters.
    /// - Throws: `DecodingError` naming the field that is missing or wrong.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        var digests: [Digest] = []
        for (index, hex) in try container.decode([String].self, forKey: .sha256).enumerated() {
            do { digests.append(try Digest(algorithm: .sha256, hex: hex)) } catch {
                throw DecodingError.dataCorrupted(DecodingError.Context(
                    codingPath: container.codingPath + [CodingKeys.sha256, IndexKey(index)], debugDescription: error.description))
            }
        }
        self.init(
            normalizedName: try container.decode(String.self, forKey: .normalizedName),
            version: try container.decode(String.self, forKey: .version),
            sha256: digests,
            wheel: try container.decodeIfPresent(PlannedWheelFile.self, forKey: .wheel)
        )
    }

    /// Encodes `sha256` as lowercase hex strings; an absent wheel is left out.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(normalizedName, forKey: .normalizedName)
        try container.encode(version, forKey: .version)
        try container.encode(sha256.map(\.hex), forKey: .sha256)
        try container.encodeIfPresent(wheel, forKey: .wheel)
    }
}

extension PlannedArtifact: Codable {
    private enum CodingKeys: String, CodingKey { case url, hash, hashHex, filename, tags, requiresGlibc, declaredAt, size, origin }

    /// Decodes the artifact; `hash` (SRI) and `hashHex` must be the same digest.
    /// - Throws: `DecodingError` naming the field that is missing or wrong.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            url: try container.decode(String.self, forKey: .url),
            digest: try decodeDigest(container, sri: .hash, hex: .hashHex),
            filename: try container.decode(String.self, forKey: .filename),
            tags: try container.decodeIfPresent([String].self, forKey: .tags),
            requiresGlibc: try container.decodeIfPresent(GlibcVersion.self, forKey: .requiresGlibc),
            declaredAt: try container.decode(SpecLocation.self, forKey: .declaredAt),
            size: try container.decodeIfPresent(Int.self, forKey: .size),
            origin: try container.decodeIfPresent(ArtifactOrigin.self, forKey: .origin)
        )
    }

    /// Encodes the digest as `hash` (SRI) and `hashHex`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(url, forKey: .url)
        try container.encode(digest.sri, forKey: .hash)
        try container.encode(digest.hex, forKey: .hashHex)
        try container.encode(filename, forKey: .filename)
        try container.encodeIfPresent(tags, forKey: .tags)
        try container.encodeIfPresent(requiresGlibc, forKey: .requiresGlibc)
        try container.encode(declaredAt, forKey: .declaredAt)
        try container.encodeIfPresent(size, forKey: .size)
        try container.encodeIfPresent(origin, forKey: .origin)
    }
}

extension PlannedDownload: Codable {
    private enum CodingKeys: String, CodingKey { case version, url, hash, hashHex, algorithm, filename, requiresGlibc, declaredAt }

    /// Decodes the download; `hash` (SRI), `hashHex` and `algorithm` must describe the same digest.
    /// - Throws: `DecodingError` naming the field that is missing or wrong.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            version: try container.decode(String.self, forKey: .version),
            url: try container.decode(String.self, forKey: .url),
            digest: try decodeDigest(container, sri: .hash, hex: .hashHex, algorithm: .algorithm),
            filename: try container.decode(String.self, forKey: .filename),
            requiresGlibc: try container.decodeIfPresent(GlibcVersion.self, forKey: .requiresGlibc),
            declaredAt: try container.decode(SpecLocation.self, forKey: .declaredAt)
        )
    }

    /// Encodes the digest as `hash` (SRI), `hashHex` and `algorithm`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(version, forKey: .version)
        try container.encode(url, forKey: .url)
        try container.encode(digest.sri, forKey: .hash)
        try container.encode(digest.hex, forKey: .hashHex)
        try container.encode(digest.algorithm.rawValue, forKey: .algorithm)
        try container.encode(filename, forKey: .filename)
        try container.encodeIfPresent(requiresGlibc, forKey: .requiresGlibc)
        try container.encode(declaredAt, forKey: .declaredAt)
    }
}

extension PlannedWheelFile: Codable {
    private enum CodingKeys: String, CodingKey { case filename, url, sha256, hash, size, requiresGlibc }

    /// Decodes the file; `hash` (SRI) and `sha256` (hex) must be the same SHA-256 digest.
    /// - Throws: `DecodingError` naming the field that is missing or wrong.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let digest = try decodeDigest(container, sri: .hash, hex: .sha256)
        guard digest.algorithm == .sha256 else {
            throw DecodingError.dataCorruptedError(forKey: .hash, in: container, debugDescription: "a closure wheel's hash must be sha256, found \(digest.algorithm.rawValue)")
        }
        self.init(
            filename: try container.decode(String.self, forKey: .filename),
            url: try container.decode(String.self, forKey: .url),
            digest: digest,
            size: try container.decodeIfPresent(Int.self, forKey: .size),
            requiresGlibc: try container.decodeIfPresent(GlibcVersion.self, forKey: .requiresGlibc)
        )
    }

    /// Encodes the digest as `sha256` (hex) and `hash` (SRI).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(filename, forKey: .filename)
        try container.encode(url, forKey: .url)
        try container.encode(digest.hex, forKey: .sha256)
        try container.encode(digest.sri, forKey: .hash)
        try container.encodeIfPresent(size, forKey: .size)
        try container.encodeIfPresent(requiresGlibc, forKey: .requiresGlibc)
    }
}
