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

    public init(name: String, version: String, filename: String, url: String, sha256: String, size: Int?, requiresGlibc: String?) {
        self.name = name
        self.version = version
        self.filename = filename
        self.url = url
        self.sha256 = sha256
        self.size = size
        self.requiresGlibc = requiresGlibc
    }
}
