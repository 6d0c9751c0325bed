/// The one wheel file of a closure package that every backend installs: chosen by
/// `sglang-forge lock` for the spec's target (CPython version, platform, glibc) among the files
/// the closure's `--hash` lines admit, with the same rules as component wheels
/// (`WheelChooser`: best PEP 425 tag, ties by file name).
///
/// The closure file (pip's hash-checking mode) lists every file of a version that pip may take;
/// recording the one chosen here is what lets the Nix flake (`fetchurl` by URL and hash), the
/// container images and the tarballs install byte-identical files.
public struct LockedClosureWheel: Codable, Hashable, Sendable {
    /// PEP 503 normalised distribution name (`nvidia-cudnn-cu12`).
    public var name: String
    /// The version the closure pins (`9.10.2.21`), as the closure writes it.
    public var version: String
    /// Wheel file name (PEP 427).
    public var filename: String
    /// Download URL of the file on the index.
    public var url: String
    /// Lowercase hex SHA-256 of the file; always one of the closure's hashes for the package.
    public var sha256: String
    /// Size in bytes, when the index states it.
    public var size: Int?
    /// glibc its least demanding installable tag needs (`2.28`); `null` for `any`.
    public var requiresGlibc: String?
    /// `Requires-Python`, when declared.
    public var requiresPython: String?
    /// Every `Requires-Dist` line, as the wheel declares it (what `check` verifies offline).
    public var requiresDist: [String]
    /// How ``requiresDist`` was read (`pep658` or `wheel-range`).
    public var metadata: MetadataSource
    /// PEP 700 `upload-time` of the file, as the index writes it, when the index gives it.
    public var uploadTime: String?

    public init(name: String, version: String, filename: String, url: String, sha256: String, size: Int?, requiresGlibc: String?,
                requiresPython: String? = nil, requiresDist: [String] = [], metadata: MetadataSource = .wheelRange, uploadTime: String? = nil) {
        self.requiresPython = requiresPython
        self.requiresDist = requiresDist
        self.metadata = metadata
        self.uploadTime = uploadTime
        self.name = name
        self.version = version
        self.filename = filename
        self.url = url
        self.sha256 = sha256
        self.size = size
        self.requiresGlibc = requiresGlibc
    }
}

extension LockedClosureWheel {
    /// Decodes the synthesized form (the same keys and rules as the synthesized decoder; without
    /// `requiresDist` for ``LockCoder/Detail/withoutClosureRequirements``), reading
    /// ``requiresDist`` and ``metadata`` through ``KeyedDecodingContainer/decodeStringArray(forKey:)``
    /// and the `String` overload: `plan` decodes every closure wheel of the lock, and the generic
    /// `Array`/`RawRepresentable` paths were most of that time.
    /// - Throws: `DecodingError` as the synthesized decoder throws it (missing key, wrong type,
    ///   unknown ``MetadataSource``).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        version = try container.decode(String.self, forKey: .version)
        filename = try container.decode(String.self, forKey: .filename)
        url = try container.decode(String.self, forKey: .url)
        sha256 = try container.decode(String.self, forKey: .sha256)
        size = try container.decodeIfPresent(Int.self, forKey: .size)
        requiresGlibc = try container.decodeIfPresent(String.self, forKey: .requiresGlibc)
        requiresPython = try container.decodeIfPresent(String.self, forKey: .requiresPython)
        if case .withoutClosureRequirements? = decoder.userInfo[LockCoder.detailKey] as? LockCoder.Detail {
            requiresDist = []
        } else {
            requiresDist = try container.decodeStringArray(forKey: .requiresDist)
        }
        let source = try container.decode(String.self, forKey: .metadata)
        guard let metadata = MetadataSource(rawValue: source) else {
            throw DecodingError.dataCorruptedError(forKey: .metadata, in: container, debugDescription: "Cannot initialize MetadataSource from invalid String value \(source)")
        }
        self.metadata = metadata
        uploadTime = try container.decodeIfPresent(String.self, forKey: .uploadTime)
    }
}

extension KeyedDecodingContainer {
    /// The array of strings at `key`, element by element through `UnkeyedDecodingContainer`'s
    /// `String` overload (Foundation's `JSONDecoder` takes a slower generic path for `[String]`).
    /// - Throws: `DecodingError` for a missing key, a non-array, or a non-string element.
    public func decodeStringArray(forKey key: Key) throws -> [String] {
        var list = try nestedUnkeyedContainer(forKey: key)
        var values: [String] = []
        if let count = list.count { values.reserveCapacity(count) }
        while !list.isAtEnd { values.append(try list.decode(String.self)) }
        return values
    }
}
