import CUDACompatibility
import Hashes
import Lock
import Packaging
import Spec

/// The resolved, checked build plan: what every backend reads, and the JSON contract of
/// `sglang-forge plan --format json` (documented and versioned in `docs/plan-schema.md`).
///
/// All collections are in a defined order: source order of the spec for tables, matrix order
/// (GPU-major, then ISA) for variants, dependencies-first for graph orders.
public struct BuildPlan: Codable, Hashable, Sendable {
    /// The plan format identifier, always ``BuildPlan/schemaName``.
    public var schema: String
    /// The plan format version, ``BuildPlan/currentSchemaVersion``; bumped on any incompatible change.
    public var schemaVersion: Int
    /// The spec file the plan was made from, as given on the command line.
    public var spec: String
    /// The runtime being built.
    public var runtime: PlannedRuntime
    /// The single nixpkgs pin.
    public var nixpkgs: PlannedNixpkgs
    /// Resources and limits of the source builds (before per-variant overrides).
    public var build: PlannedBuild
    /// Runtime environment variables with backend-neutral value templates.
    public var environment: [PlannedEnvironmentVariable]
    /// CPU ISA targets.
    public var isas: [PlannedISA]
    /// GPU targets.
    public var gpus: [PlannedGPU]
    /// System libraries the components link.
    public var systemLibraries: [PlannedLibrary]
    /// Components, in spec order.
    public var components: [PlannedComponent]
    /// The dependency graph shared by all variants, dependencies first.
    public var graph: [PlannedNode]
    /// The variants, in matrix order.
    public var variants: [PlannedVariant]
    /// The container base image (spec `container:`); absent when the spec has no such section.
    public var container: PlannedContainer? = nil
    /// The hashed Python closure (the runtime package set as exact versions with their hashes)
    /// that the container and tarball backends install; absent until `sglang-forge lock` (or
    /// `emit --python-closure FILE`) supplies it.
    public var pythonClosure: PlannedPythonClosure? = nil
    /// The spec's `tarball:` section, checked; absent when the spec has none.
    public var tarball: PlannedTarball? = nil

    /// ``schema``'s value.
    public static let schemaName = "sglang-forge/plan"
    /// ``schemaVersion``'s current value.
    public static let currentSchemaVersion = 1
}

/// `runtime` of the plan.
public struct PlannedRuntime: Codable, Hashable, Sendable {
    /// Runtime name (`sglang`).
    public var name: String
    /// The runtime component (`sglang`).
    public var component: String
    /// That component's version (`0.5.9`).
    public var version: String
    /// One-line summary from the spec.
    public var summary: String?
    /// Project URL from the spec.
    public var homepage: String?
    /// SPDX licence expression from the spec.
    public var license: String?
    /// Nix system double (`x86_64-linux`).
    public var platform: Platform
    /// CPython version and its PEP 425 interpreter tag.
    public var python: PythonTarget
    /// The CUDA toolkit.
    public var cuda: CUDATarget
    /// glibc: the spec's target, and the minimum the wheels need.
    public var glibc: GlibcRequirement
    /// The console script (`sglang`).
    public var entryPoint: String
}

/// CPython target.
public struct PythonTarget: Codable, Hashable, Sendable {
    /// `3.12`.
    public var version: PythonVersion
    /// `cp312`.
    public var tag: String
    /// nixpkgs interpreter attribute (`python312`).
    public var nixAttribute: String
}

/// CUDA toolkit target.
public struct CUDATarget: Hashable, Sendable {
    /// `12.8`.
    public var version: CUDAVersion
    /// Minimum driver as the spec states it (`550`); in JSON the text as written.
    public var minDriver: DriverVersion
    /// Local version label of wheels built for it (`cu128`).
    public var localTag: String
    /// nixpkgs package set (`cudaPackages_12_8`).
    public var nixPackageSet: String
}

/// glibc requirements.
public struct GlibcRequirement: Codable, Hashable, Sendable {
    /// Oldest glibc of the target hosts (spec `runtime.glibc`).
    public var target: GlibcVersion
    /// Highest `manylinux_2_N` among wheels with a known file name; `null` when none is known yet.
    public var minimum: GlibcVersion?
    /// The wheels that set ``minimum`` (component names).
    public var minimumFrom: [String]
    /// Wheels whose file name (and so glibc need) is not known until `sglang-forge lock`.
    public var unknown: [String]
}

/// `nixpkgs` of the plan.
///
/// In JSON `narHash` is the SRI string (`sha256-<base64>`).
public struct PlannedNixpkgs: Hashable, Sendable {
    /// GitHub owner (`NixOS`).
    public var owner: String
    /// GitHub repository (`nixpkgs`).
    public var repo: String
    /// 40-hex commit id.
    public var rev: String
    /// Flake reference, `github:<owner>/<repo>/<rev>`.
    public var flakeRef: String
    /// NAR hash of the unpacked tarball (SRI sha256 in JSON); `null` when neither the spec nor
    /// the lock records one.
    public var narHash: Digest?
    /// Commit time of `rev` (Unix seconds), flake.lock's `lastModified`; `null` until a lock
    /// file records it (the spec does not).
    public var lastModified: Int? = nil
    /// Where `nixpkgs.rev` is written in the spec, for backend diagnostics.
    public var declaredAt: SpecLocation? = nil
}

/// `build` of the plan.
public struct PlannedBuild: Codable, Hashable, Sendable {
    /// Parallel compile jobs (`MAX_JOBS`).
    public var maxJobs: Int
    /// Nix `requiredSystemFeatures` of the heavy builds.
    public var systemFeatures: [String]
    /// Disk per variant build, GB.
    public var diskGB: Int?
    /// Memory per variant build, GB.
    public var memoryGB: Int?
    /// Environment of every source build, before overrides.
    public var env: [PlannedEnvironmentSetting]
}

/// One `NAME=value` of a build environment, and why it is set.
public struct PlannedEnvironmentSetting: Codable, Hashable, Sendable {
    /// Variable name.
    public var name: String
    /// Literal value.
    public var value: String
    /// The override's reason, or `null` for the spec-wide `build.env`.
    public var reason: String?
}

/// A runtime environment variable.
public struct PlannedEnvironmentVariable: Codable, Hashable, Sendable {
    /// Variable name (`CUDA_HOME`).
    public var name: String
    /// Value template; placeholders are listed in `docs/plan-schema.md`.
    public var value: String
    /// Why the runtime needs it.
    public var why: String?
}

/// A CPU ISA target.
public struct PlannedISA: Codable, Hashable, Sendable {
    /// ISA key (`avx512`).
    public var name: String
    /// Human label (`AVX-512`).
    public var label: String
    /// Compiler machine options, in order.
    public var flags: [String]
    /// Which CPUs have it.
    public var cpus: String?
}

/// A GPU target.
public struct PlannedGPU: Codable, Hashable, Sendable {
    /// GPU target key (`sm90`).
    public var name: String
    /// Architecture name (`Hopper`).
    public var architecture: String
    /// Numeric compute capabilities (`9.0`).
    public var capabilities: [String]
    /// Example GPUs.
    public var examples: [String]
    /// Remark from the spec.
    public var note: String?
}

/// A system library.
public struct PlannedLibrary: Codable, Hashable, Sendable {
    /// Library key (`numactl`).
    public var name: String
    /// ELF sonames it provides.
    public var sonames: [String]
    /// `cuda`, `driver` or `system`.
    public var provider: LibraryProvider
    /// nixpkgs attribute path, for `system` libraries.
    public var nixpkgs: String?
    /// Debian package, for `system` libraries.
    public var debian: String?
    /// PyPI distribution carrying a `cuda` library.
    public var pypi: String?
}

/// A component.
public struct PlannedComponent: Codable, Hashable, Sendable {
    /// Component key, the Python distribution name.
    public var name: String
    /// PEP 440 version as written.
    public var version: String
    /// `wheel` or `source`.
    public var kind: ComponentKind
    /// True for source builds, which get each variant's capabilities, ISA flags and build env.
    public var perVariant: Bool
    /// Family sharing one public version.
    public var family: String?
    /// The artifact: pinned in the spec, or for index wheels taken from the lock (`null`: index
    /// wheel planned without a lock).
    public var artifact: PlannedArtifact?
    /// Components it needs at run time.
    public var depends: [String]
    /// System libraries its ELF files link.
    public var links: [String]
    /// Python packages from the runtime's package set.
    public var pythonDeps: [PlannedPythonDependency]
    /// `keep` or `strip`.
    public var requiresDist: RequiresDistPolicy
    /// Whether a build-time import check can run.
    public var importCheck: Bool
    /// The module the import check imports (the spec's `import-name`, else the distribution
    /// name with `-` and `.` as `_`).
    public var importName: String
    /// Remark from the spec.
    public var note: String?
    /// Where the component is declared in the spec.
    public var declaredAt: SpecLocation
    /// A source component's build requirements as the spec declares them (PEP 508, spec order);
    /// absent when it declares none.
    public var buildRequires: [PlannedBuildRequirement]? = nil
    /// Those requirements resolved to exact versions with hashes (the lock's file for this
    /// component); absent until `sglang-forge lock` resolved them.
    public var buildClosure: PlannedPythonClosure? = nil
}

/// One `build-requires` entry of a source component.
public struct PlannedBuildRequirement: Codable, Hashable, Sendable {
    /// The PEP 508 requirement as written (`setuptools>=70.1.0,<80.0`).
    public var requirement: String
    /// Its PEP 503 normalised distribution name (`typing-extensions`).
    public var normalizedName: String
    /// Where it is written in the spec.
    public var declaredAt: SpecLocation

    /// Creates an entry.
    public init(requirement: String, normalizedName: String, declaredAt: SpecLocation) {
        self.requirement = requirement
        self.normalizedName = normalizedName
        self.declaredAt = declaredAt
    }
}

/// A remote artifact with its hash.
///
/// In JSON the digest is two fields: `hash` (SRI, `sha256-…`) and `hashHex` (lowercase hex of
/// the same digest, pip `--hash=sha256:…`).
public struct PlannedArtifact: Hashable, Sendable {
    /// Download URL.
    public var url: String
    /// The artifact's digest.
    public var digest: Digest
    /// File name (percent-decoded last URL path segment).
    public var filename: String
    /// PEP 425 tags, for wheels.
    public var tags: [String]?
    /// glibc the wheel's least demanding installable platform tag needs; `null` for `any`.
    public var requiresGlibc: GlibcVersion?
    /// Where the URL is written in the spec (for a locked index wheel: where the component is
    /// declared).
    public var declaredAt: SpecLocation
    /// Size in bytes, from the lock (`null` when unknown: not locked, or a URL pin not downloaded).
    public var size: Int? = nil
    /// `index` (chosen by `sglang-forge lock`) or `url` (pinned in the spec); `null` in plans made
    /// before the lock existed.
    public var origin: ArtifactOrigin? = nil

    /// Creates an artifact record.
    public init(url: String, digest: Digest, filename: String, tags: [String]?, requiresGlibc: GlibcVersion?, declaredAt: SpecLocation,
                size: Int? = nil, origin: ArtifactOrigin? = nil) {
        self.url = url
        self.digest = digest
        self.filename = filename
        self.tags = tags
        self.requiresGlibc = requiresGlibc
        self.declaredAt = declaredAt
        self.size = size
        self.origin = origin
    }
}

/// A Python package from the runtime's package set.
public struct PlannedPythonDependency: Codable, Hashable, Sendable {
    /// As written in the spec.
    public var name: String
    /// PEP 503 normalised name.
    public var normalizedName: String
    /// Attribute in nixpkgs' Python package set.
    public var nixpkgs: String
}

/// A node of the dependency graph.
public struct PlannedNode: Codable, Hashable, Sendable {
    /// `component:<name>`, `library:<name>` or `python:<normalised name>`.
    public var id: PlanNodeID
    /// `component`, `library` or `python` (the kind of ``id``).
    public var kind: PlanNodeKind
    /// Ids of the nodes it needs, in spec order.
    public var dependsOn: [PlanNodeID]
}

/// One variant: a GPU target × ISA cell of the matrix with its overrides applied.
public struct PlannedVariant: Codable, Hashable, Sendable {
    /// Rendered from the naming template.
    public var name: String
    /// GPU target key.
    public var gpu: String
    /// ISA key.
    public var isa: String
    /// Compute capabilities (numeric).
    public var capabilities: [String]
    /// `TORCH_CUDA_ARCH_LIST` value: capabilities joined by `;`.
    public var torchCudaArchList: String
    /// The ISA's compiler flags, for `CFLAGS`/`CXXFLAGS`.
    public var isaFlags: [String]
    /// Build environment of its source builds: `build.env` plus matching overrides, in order.
    public var buildEnv: [PlannedEnvironmentSetting]
    /// `MAX_JOBS`.
    public var maxJobs: Int
    /// Nix `requiredSystemFeatures` of its source builds.
    public var systemFeatures: [String]
    /// Rendered from the description template.
    public var description: String
    /// Graph nodes the variant starts from: the runtime component and the source builds.
    public var roots: [PlanNodeID]
    /// Every node the variant needs, dependencies first.
    public var order: [PlanNodeID]
}

/// `container` of the plan: the base image of every stage that is not `FROM scratch`.
///
/// In JSON `baseDigest` is the OCI form `sha256:<64 hex>`.
public struct PlannedContainer: Hashable, Sendable {
    /// `name:tag` (`nvidia/cuda:12.8.1-cudnn-devel-ubuntu24.04`).
    public var baseImage: String
    /// The base image's digest (`sha256:<64 hex>` in JSON, ``Digest/prefixedHex``); `null` when
    /// the spec records none (the container backend refuses it).
    public var baseDigest: Digest?
    /// Where `base-image` is written in the spec.
    public var declaredAt: SpecLocation
    /// The base image's glibc (`major.minor`) as the spec states it; `null` when it does not.
    public var baseGlibc: GlibcVersion? = nil
    /// The image the source components are built on (spec `builder-image`); `null`: the base image.
    public var builder: PlannedContainerImage? = nil

    /// Creates the section.
    public init(baseImage: String, baseDigest: Digest?, declaredAt: SpecLocation) {
        self.baseImage = baseImage
        self.baseDigest = baseDigest
        self.declaredAt = declaredAt
    }

    /// The base the source builds run on: the builder when the spec names one, else the base image.
    public var buildImage: PlannedContainerImage {
        builder ?? PlannedContainerImage(image: baseImage, digest: baseDigest, glibc: baseGlibc, declaredAt: declaredAt)
    }
}

/// A container base image: reference, digest and glibc.
///
/// In JSON `digest` is the OCI form `sha256:<64 hex>`.
public struct PlannedContainerImage: Hashable, Sendable {
    /// `name:tag`.
    public var image: String
    /// The image's digest (`sha256:<64 hex>` in JSON, ``Digest/prefixedHex``); `null` when the
    /// spec records none.
    public var digest: Digest?
    /// Its glibc (`major.minor`) as the spec states it; `null` when it does not.
    public var glibc: GlibcVersion?
    /// Where the image is written in the spec.
    public var declaredAt: SpecLocation

    /// Creates an image entry.
    public init(image: String, digest: Digest?, glibc: GlibcVersion?, declaredAt: SpecLocation) {
        self.image = image
        self.digest = digest
        self.glibc = glibc
        self.declaredAt = declaredAt
    }
}

/// The Python packages of the runtime package set, resolved to exact versions with hashes
/// (pip's hash-checking mode: every line `name==version --hash=sha256:…`).
public struct PlannedPythonClosure: Codable, Hashable, Sendable {
    /// Where the closure came from (a file path as given), for headers and messages.
    public var source: String
    /// The packages, sorted by normalised name.
    public var packages: [PlannedPythonPackage]

    /// Creates a closure; `packages` are sorted by normalised name.
    public init(source: String, packages: [PlannedPythonPackage]) {
        self.source = source
        self.packages = packages.sorted { $0.normalizedName < $1.normalizedName }
    }
}

/// One pinned Python package of the closure.
///
/// In JSON `sha256` is the list of lowercase hex digests.
public struct PlannedPythonPackage: Hashable, Sendable {
    /// PEP 503 normalised name.
    public var normalizedName: String
    /// Exact version (`==`).
    public var version: String
    /// SHA-256 digest of every acceptable file (pip accepts any one of them), sorted by hex.
    public var sha256: [Digest]
    /// The one wheel file every backend installs (the lock's choice for the target); `null` when
    /// the closure came without a lock that records it (`emit --python-closure FILE`, old locks).
    public var wheel: PlannedWheelFile? = nil

    /// Creates a package; `sha256` (SHA-256 digests) is sorted by hex.
    public init(normalizedName: String, version: String, sha256: [Digest], wheel: PlannedWheelFile? = nil) {
        self.normalizedName = normalizedName
        self.version = version
        // Hash-checking requirements files (uv, pip-compile) list hashes sorted already.
        let isSorted = zip(sha256, sha256.dropFirst()).allSatisfy { !$1.precedesInHexOrder($0) }
        self.sha256 = isSorted ? sha256 : sha256.sorted { $0.precedesInHexOrder($1) }
        self.wheel = wheel
    }
}

/// One wheel file of the Python closure, as every backend installs it.
///
/// In JSON the SHA-256 digest is two fields: `sha256` (lowercase hex, pip `--hash=sha256:…`) and
/// `hash` (SRI `sha256-<base64>`, Nix `fetchurl`'s `hash`).
public struct PlannedWheelFile: Hashable, Sendable {
    /// PEP 427 file name.
    public var filename: String
    /// Download URL.
    public var url: String
    /// The file's SHA-256 digest.
    public var digest: Digest
    /// Size in bytes, when known.
    public var size: Int?
    /// glibc the file needs (`2.28`); `null` for `any`.
    public var requiresGlibc: GlibcVersion?

    /// Creates a file record.
    public init(filename: String, url: String, digest: Digest, size: Int?, requiresGlibc: GlibcVersion?) {
        self.filename = filename
        self.url = url
        self.digest = digest
        self.size = size
        self.requiresGlibc = requiresGlibc
    }
}

/// `tarball` of the plan: what the tarball backend downloads besides the components.
public struct PlannedTarball: Codable, Hashable, Sendable {
    /// The relocatable CPython archive; `null` when the spec pins none.
    public var python: PlannedDownload?
    /// Artifacts carrying bundled system libraries, in spec order.
    public var libraries: [PlannedLibraryDownload]
    /// Where `tarball:` is written.
    public var declaredAt: SpecLocation
}

/// A download pinned by URL and hash.
///
/// In JSON the digest is three fields: `hash` (SRI), `hashHex` (lowercase hex of the same digest)
/// and `algorithm` (`sha256`, `sha512`, for `sha256sum`-style checks).
public struct PlannedDownload: Hashable, Sendable {
    /// The artifact's version.
    public var version: String
    /// Download URL.
    public var url: String
    /// The pinned digest.
    public var digest: Digest
    /// File name (percent-decoded last URL path segment).
    public var filename: String
    /// glibc the file needs, for manylinux wheels; `null` otherwise.
    public var requiresGlibc: GlibcVersion?
    /// Where the URL is written in the spec.
    public var declaredAt: SpecLocation

    /// Creates a download record.
    public init(version: String, url: String, digest: Digest, filename: String, requiresGlibc: GlibcVersion?, declaredAt: SpecLocation) {
        self.version = version
        self.url = url
        self.digest = digest
        self.filename = filename
        self.requiresGlibc = requiresGlibc
        self.declaredAt = declaredAt
    }
}

/// How a `tarball.libraries` artifact is installed.
public enum LibraryDownloadFormat: String, NamedCaseCodable {
    /// A wheel, installed with pip.
    case wheel
    /// A Debian package: its sonames are copied into `lib/`.
    case deb

    /// `library download format`.
    public static var caseSetName: String { "library download format" }
}

/// One `tarball.libraries` entry.
public struct PlannedLibraryDownload: Codable, Hashable, Sendable {
    /// The `system-libraries` key.
    public var library: String
    /// `wheel` (installed with pip) or `deb` (its sonames copied into `lib/`).
    public var format: LibraryDownloadFormat
    /// The pinned artifact.
    public var download: PlannedDownload
}
