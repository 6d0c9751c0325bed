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

    /// ``schema``'s value.
    public static let schemaName = "sglang-forge/plan"
    /// ``schemaVersion``'s current value.
    public static let currentSchemaVersion = 1
}

/// `runtime` of the plan.
public struct PlannedRuntime: Codable, Hashable, Sendable {
    public var name: String
    /// The runtime component (`sglang`) and its version (`0.5.9`).
    public var component: String
    public var version: String
    public var summary: String?
    public var homepage: String?
    public var license: String?
    /// Nix system double (`x86_64-linux`).
    public var platform: String
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
    public var version: String
    /// `cp312`.
    public var tag: String
    /// nixpkgs interpreter attribute (`python312`).
    public var nixAttribute: String
}

/// CUDA toolkit target.
public struct CUDATarget: Codable, Hashable, Sendable {
    /// `12.8`.
    public var version: String
    /// Minimum driver as the spec states it (`550`).
    public var minDriver: String
    /// Local version label of wheels built for it (`cu128`).
    public var localTag: String
    /// nixpkgs package set (`cudaPackages_12_8`).
    public var nixPackageSet: String
}

/// glibc requirements.
public struct GlibcRequirement: Codable, Hashable, Sendable {
    /// Oldest glibc of the target hosts (spec `runtime.glibc`).
    public var target: String
    /// Highest `manylinux_2_N` among wheels with a known file name; `null` when none is known yet.
    public var minimum: String?
    /// The wheels that set ``minimum`` (component names).
    public var minimumFrom: [String]
    /// Wheels whose file name (and so glibc need) is not known until `sglang-forge lock`.
    public var unknown: [String]
}

/// `nixpkgs` of the plan.
public struct PlannedNixpkgs: Codable, Hashable, Sendable {
    public var owner: String
    public var repo: String
    /// 40-hex commit id.
    public var rev: String
    /// Flake reference, `github:<owner>/<repo>/<rev>`.
    public var flakeRef: String
    /// NAR hash of the unpacked tarball, SRI sha256; `null` when the spec records none.
    public var narHash: String?
}

/// `build` of the plan.
public struct PlannedBuild: Codable, Hashable, Sendable {
    public var maxJobs: Int
    public var systemFeatures: [String]
    public var diskGB: Int?
    public var memoryGB: Int?
    /// Environment of every source build, before overrides.
    public var env: [PlannedEnvironmentSetting]
}

/// One `NAME=value` of a build environment, and why it is set.
public struct PlannedEnvironmentSetting: Codable, Hashable, Sendable {
    public var name: String
    public var value: String
    /// The override's reason, or `null` for the spec-wide `build.env`.
    public var reason: String?
}

/// A runtime environment variable.
public struct PlannedEnvironmentVariable: Codable, Hashable, Sendable {
    public var name: String
    /// Value template; placeholders are listed in `docs/plan-schema.md`.
    public var value: String
    public var why: String?
}

/// A CPU ISA target.
public struct PlannedISA: Codable, Hashable, Sendable {
    public var name: String
    public var label: String
    public var flags: [String]
    public var cpus: String?
}

/// A GPU target.
public struct PlannedGPU: Codable, Hashable, Sendable {
    public var name: String
    public var architecture: String
    /// Numeric compute capabilities (`9.0`).
    public var capabilities: [String]
    public var examples: [String]
    public var note: String?
}

/// A system library.
public struct PlannedLibrary: Codable, Hashable, Sendable {
    public var name: String
    public var sonames: [String]
    /// `cuda`, `driver` or `system`.
    public var provider: String
    public var nixpkgs: String?
    public var debian: String?
    public var pypi: String?
}

/// A component.
public struct PlannedComponent: Codable, Hashable, Sendable {
    public var name: String
    public var version: String
    /// `wheel` or `source`.
    public var kind: String
    /// True for source builds, which get each variant's capabilities, ISA flags and build env.
    public var perVariant: Bool
    public var family: String?
    /// The artifact: pinned in the spec, or for index wheels taken from the lock (`null`: index
    /// wheel planned without a lock).
    public var artifact: PlannedArtifact?
    public var depends: [String]
    public var links: [String]
    public var pythonDeps: [PlannedPythonDependency]
    /// `keep` or `strip`.
    public var requiresDist: String
    public var importCheck: Bool
    public var note: String?
    /// Where the component is declared in the spec, `line:column`.
    public var declaredAt: String
}

/// A remote artifact with its hash.
public struct PlannedArtifact: Codable, Hashable, Sendable {
    public var url: String
    /// SRI hash (`sha256-…`).
    public var hash: String
    /// Lowercase hex of the same digest (pip `--hash=sha256:…`).
    public var hashHex: String
    /// File name (percent-decoded last URL path segment).
    public var filename: String
    /// PEP 425 tags, for wheels.
    public var tags: [String]?
    /// glibc the wheel's least demanding installable platform tag needs; `null` for `any`.
    public var requiresGlibc: String?
    /// Where the URL is written in the spec, `line:column` (for a locked index wheel: where the
    /// component is declared).
    public var declaredAt: String
    /// Size in bytes, from the lock (`null` when unknown: not locked, or a URL pin not downloaded).
    public var size: Int? = nil
    /// `index` (chosen by `sglang-forge lock`) or `url` (pinned in the spec); `null` in plans made
    /// before the lock existed.
    public var origin: String? = nil
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
    public var id: String
    /// `component`, `library` or `python`.
    public var kind: String
    /// Ids of the nodes it needs, in spec order.
    public var dependsOn: [String]
}

/// One variant: a GPU target × ISA cell of the matrix with its overrides applied.
public struct PlannedVariant: Codable, Hashable, Sendable {
    /// Rendered from the naming template.
    public var name: String
    /// GPU target key and ISA key.
    public var gpu: String
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
    public var roots: [String]
    /// Every node the variant needs, dependencies first.
    public var order: [String]
}
