/// One file listed on a project's simple-API page (PEP 503 / PEP 691), with the fields the
/// lock uses.
public struct IndexFile: Hashable, Sendable {
    /// The file name (`sgl_kernel-0.3.21-cp310-abi3-manylinux2014_x86_64.whl`).
    public var filename: String
    /// Absolute download URL, without fragment.
    public var url: String
    /// Hashes the index gives, algorithm → lowercase hex (PEP 503 `#sha256=` fragment, PEP 691 `hashes`).
    public var hashes: [String: String]
    /// `Requires-Python` (PEP 503 `data-requires-python`, PEP 691 `requires-python`).
    public var requiresPython: String?
    /// `nil` when not yanked; the reason (possibly empty) when yanked (PEP 592).
    public var yanked: String?
    /// Whether a PEP 658 `<url>.metadata` file exists, and its hashes (PEP 714 `core-metadata`).
    public var coreMetadata: CoreMetadataAvailability
    /// Size in bytes (PEP 700 `size`), when the index gives it.
    public var size: Int?
    /// When the file was uploaded (PEP 700 `upload-time`, ISO 8601 UTC as the index writes it,
    /// e.g. `2026-04-08T03:12:45.123456Z`); `nil` on PEP 503 HTML pages, which have no such field.
    public var uploadTime: String?

    public init(filename: String, url: String, hashes: [String: String], requiresPython: String?, yanked: String?,
                coreMetadata: CoreMetadataAvailability, size: Int?, uploadTime: String? = nil) {
        self.uploadTime = uploadTime
        self.filename = filename
        self.url = url
        self.hashes = hashes
        self.requiresPython = requiresPython
        self.yanked = yanked
        self.coreMetadata = coreMetadata
        self.size = size
    }
}

/// PEP 658/714 metadata availability of one file.
public enum CoreMetadataAvailability: Hashable, Sendable {
    /// The index offers no `.metadata` file.
    case absent
    /// `<url>.metadata` exists; its hashes (algorithm → hex), possibly none.
    case available(hashes: [String: String])
}
