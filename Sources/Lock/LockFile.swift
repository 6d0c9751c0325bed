import Spec

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
    public static let currentVersion = 2

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
public enum ArtifactOrigin: String, NamedCaseCodable {
    /// Chosen from a package index's simple API.
    case index
    /// Pinned by URL and hash in the spec.
    case url

    /// `artifact origin`.
    public static var caseSetName: String { "artifact origin" }
}

/// How the artifact's Requires-Dist was obtained.
public enum MetadataSource: String, Codable, Hashable, Sendable, CaseIterable {
    /// The PEP 658/714 `.metadata` file, hash-verified when the index gave one.
    case pep658
    /// `*.dist-info/METADATA` read from the downloaded, hash-verified wheel.
    case wheel
    /// Not read: a URL-pinned wheel that was not downloaded (`lock --verify-downloads` reads it).
    case notDownloaded = "not-downloaded"
    /// `*.dist-info/METADATA` read with HTTP range requests on the wheel's zip (a lazy wheel, as
    /// pip and uv do); the wheel's own sha256 is not verified by this read.
    case wheelRange = "wheel-range"
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
    /// PEP 700 `upload-time` of the file as the index gives it; `null` for URL pins and HTML-only indexes.
    public var uploadTime: String?
    /// The CUDA device code the wheel ships (`lock --device-code`); `null` when not audited.
    public var deviceCode: LockedDeviceCode? = nil

    public init(component: String, version: String, filename: String, url: String, size: Int?, sha256: String, tags: [String],
                requiresGlibc: String?, origin: ArtifactOrigin, index: String?, requiresPython: String?, requiresDist: [String]?,
                metadata: MetadataSource, uploadTime: String? = nil, deviceCode: LockedDeviceCode? = nil) {
        self.uploadTime = uploadTime
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
        self.deviceCode = deviceCode
    }
}

/// The Python closure file (uv `pip compile --generate-hashes` output) referenced by the lock,
/// and, for each of its packages, the one wheel every backend installs with its Requires-Dist.
public struct LockedClosure: Codable, Hashable, Sendable {
    /// Path relative to the lock's directory (`main.closure.txt`).
    public var path: String
    /// Lowercase hex SHA-256 of that file.
    public var sha256: String
    /// The resolver that wrote it (`uv 0.13.9`).
    public var resolver: String
    /// Number of pinned packages in it.
    public var packages: Int
    /// The upload bound the resolution ran with (RFC 3339, UTC whole seconds): uv's `--exclude-newer`.
    public var excludeNewer: String
    /// Where ``excludeNewer`` came from.
    public var excludeNewerSource: ExcludeNewerSource
    /// One entry per package of the closure file, sorted by name: the wheel every backend installs
    /// (``LockedClosureWheel``) and its Requires-Dist, so that `check` runs offline.
    public var wheels: [LockedClosureWheel]

    public init(path: String, sha256: String, resolver: String, packages: Int, excludeNewer: String, excludeNewerSource: ExcludeNewerSource,
                wheels: [LockedClosureWheel]) {
        self.path = path
        self.sha256 = sha256
        self.resolver = resolver
        self.packages = packages
        self.excludeNewer = excludeNewer
        self.excludeNewerSource = excludeNewerSource
        self.wheels = wheels.sorted { $0.name < $1.name }
    }

    /// The entry of `name` (PEP 503 normalised), if any.
    public func wheel(_ name: String) -> LockedClosureWheel? { wheels.first { $0.name == name } }
}

/// Where a lock's resolution bound came from.
public enum ExcludeNewerSource: String, Codable, Hashable, Sendable, CaseIterable {
    /// `lock.exclude-newer` of the spec.
    case spec
    /// `lock --exclude-newer <timestamp>`.
    case commandLine = "command-line"
    /// `lock --exclude-newer now`: the time `lock` ran.
    case now
}
