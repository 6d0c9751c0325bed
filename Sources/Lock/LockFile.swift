/// The lock file, `specs/<name>.lock` next to the spec: every artifact the spec names, resolved
/// and hashed, plus the nixpkgs pin and the Python closure. Format documented and versioned in
/// `docs/lock.md`; written by ``LockCoder`` as JSON with sorted keys, one artifact per entry,
/// artifacts sorted by component name.
public struct LockFile: Codable, Hashable, Sendable {
    /// Always ``LockFile/formatName``.
    public var format: String
    /// ``LockFile/currentVersion``; bumped on any incompatible change.
    public var version: Int
    /// The spec the lock was made from: its file name (relative to the lock) and the fingerprint
    /// of the inputs that decide the lock (``LockInputs/fingerprint()``).
    public var spec: LockedSpec
    /// Everything in the spec the lock depends on; a lock whose inputs differ from the spec's is stale.
    public var inputs: LockInputs
    /// The nixpkgs pin every Nix expression uses.
    public var nixpkgs: LockedNixpkgs
    /// One entry per wheel component, sorted by ``LockedArtifact/component``.
    public var artifacts: [LockedArtifact]
    /// The uv-resolved Python closure for the container and tarball backends, when made.
    public var closure: LockedClosure?
    /// The uv-resolved, hashed build requirements of source components (docs/lock.md), sorted by
    /// component; absent when no component declares `build-requires`.
    public var buildRequirements: [LockedBuildRequirements]? = nil

    /// ``format``'s value.
    public static let formatName = "sglang-forge/lock"
    /// ``version``'s current value.
    public static let currentVersion = 1

    /// Creates a lock; artifacts are sorted by component.
    public init(spec: LockedSpec, inputs: LockInputs, nixpkgs: LockedNixpkgs, artifacts: [LockedArtifact], closure: LockedClosure?) {
        format = Self.formatName
        version = Self.currentVersion
        self.spec = spec
        self.inputs = inputs
        self.nixpkgs = nixpkgs
        self.artifacts = artifacts.sorted { $0.component < $1.component }
        self.closure = closure
    }

    /// The artifact of `component`, if locked.
    public func artifact(of component: String) -> LockedArtifact? { artifacts.first { $0.component == component } }
}

/// `spec` of the lock.
public struct LockedSpec: Codable, Hashable, Sendable {
    /// The spec's file name, relative to the lock's directory (`main.yaml`).
    public var path: String
    /// Lowercase hex SHA-256 of the canonical JSON of ``LockFile/inputs``.
    public var inputsSha256: String

    public init(path: String, inputsSha256: String) {
        self.path = path
        self.inputsSha256 = inputsSha256
    }
}

/// `nixpkgs` of the lock: what flake.lock's `locked` node needs.
public struct LockedNixpkgs: Codable, Hashable, Sendable {
    /// GitHub owner (`NixOS`).
    public var owner: String
    /// GitHub repository (`nixpkgs`).
    public var repo: String
    /// 40-hex commit id.
    public var rev: String
    /// NAR hash of the unpacked tarball, SRI (`sha256-…`); `null` when the spec records none.
    public var narHash: String?
    /// Commit time of `rev`, Unix seconds (flake.lock `lastModified`); `null` when it could not be
    /// fetched (GitHub unreachable) and no earlier lock of the same rev recorded it.
    public var lastModified: Int?

    public init(owner: String, repo: String, rev: String, narHash: String?, lastModified: Int?) {
        self.owner = owner
        self.repo = repo
        self.rev = rev
        self.narHash = narHash
        self.lastModified = lastModified
    }
}

/// Where a locked artifact came from.
public enum ArtifactOrigin: String, Codable, Hashable, Sendable, CaseIterable {
    /// Chosen from a package index's simple API.
    case index
    /// Pinned by URL and hash in the spec.
    case url
}

/// How the artifact's Requires-Dist was obtained.
public enum MetadataSource: String, Codable, Hashable, Sendable, CaseIterable {
    /// The PEP 658/714 `.metadata` file, hash-verified when the index gave one.
    case pep658
    /// `*.dist-info/METADATA` read from the downloaded, hash-verified wheel.
    case wheel
    /// Not read: a URL-pinned wheel that was not downloaded (`lock --verify-downloads` reads it).
    case notDownloaded = "not-downloaded"
}

/// One locked wheel.
public struct LockedArtifact: Codable, Hashable, Sendable {
    /// Spec component name.
    public var component: String
    /// The wheel's version, normalised (`0.6.5+cu128`).
    public var version: String
    /// Wheel file name.
    public var filename: String
    /// Download URL.
    public var url: String
    /// Size in bytes; `null` for a URL pin that was not downloaded.
    public var size: Int?
    /// Lowercase hex SHA-256 of the file.
    public var sha256: String
    /// PEP 425 tags of the file name, expanded (`cp312-abi3-manylinux_2_28_x86_64`).
    public var tags: [String]
    /// glibc its least demanding installable tag needs (`2.28`); `null` for `any`.
    public var requiresGlibc: String?
    /// Index or URL pin.
    public var origin: ArtifactOrigin
    /// The index root it was chosen from (origin `index`).
    public var index: String?
    /// `Requires-Python` of the file, when known.
    public var requiresPython: String?
    /// Every `Requires-Dist` line, as the wheel declares it; `null` when not read.
    public var requiresDist: [String]?
    /// How ``requiresDist`` was obtained.
    public var metadata: MetadataSource

    public init(component: String, version: String, filename: String, url: String, size: Int?, sha256: String, tags: [String],
                requiresGlibc: String?, origin: ArtifactOrigin, index: String?, requiresPython: String?, requiresDist: [String]?,
                metadata: MetadataSource) {
        self.component = component
        self.version = version
        self.filename = filename
        self.url = url
        self.size = size
        self.sha256 = sha256
        self.tags = tags
        self.requiresGlibc = requiresGlibc
        self.origin = origin
        self.index = index
        self.requiresPython = requiresPython
        self.requiresDist = requiresDist
        self.metadata = metadata
    }
}

/// The Python closure file (uv `pip compile --generate-hashes` output) referenced by the lock.
public struct LockedClosure: Codable, Hashable, Sendable {
    /// Path relative to the lock's directory (`main.closure.txt`).
    public var path: String
    /// Lowercase hex SHA-256 of that file.
    public var sha256: String
    /// The resolver that wrote it (`uv 0.13.9`).
    public var resolver: String
    /// Number of pinned packages in it.
    public var packages: Int
    /// The wheel every backend installs for each package, sorted by name; `null` in locks made
    /// before wheels were chosen (backends then ask for `sglang-forge lock`).
    public var wheels: [LockedClosureWheel]? = nil

    public init(path: String, sha256: String, resolver: String, packages: Int, wheels: [LockedClosureWheel]? = nil) {
        self.path = path
        self.sha256 = sha256
        self.resolver = resolver
        self.packages = packages
        self.wheels = wheels?.sorted { $0.name < $1.name }
    }
}
