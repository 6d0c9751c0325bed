import Hashes

/// A decoded `sglang-forge` spec: the typed form of `specs/main.yaml` (see `docs/spec.md`).
///
/// Every value a later stage may need to point at is ``Located``. Tables written as YAML
/// mappings (`gpus`, `isas`, `components`, …) keep their source order.
public struct Spec: Sendable {
    /// The path the spec was read from, as the user gave it (used in diagnostics).
    public var path: String
    /// The spec format version (`format: 1`).
    public var format: Located<Int>
    /// What is being built and for which platform.
    public var runtime: Runtime
    /// The CUDA toolkit release and the minimum driver it needs.
    public var cuda: CUDA
    /// The single nixpkgs revision every Nix expression uses.
    public var nixpkgs: NixpkgsPin
    /// Naming and description templates of the variants.
    public var variants: VariantTemplates
    /// CPU instruction-set targets, in source order.
    public var isas: [ISA]
    /// GPU targets (one or more compute capabilities each), in source order.
    public var gpus: [GPUTarget]
    /// Which GPU × ISA combinations to build, and per-combination overrides.
    public var matrix: Matrix
    /// Resources and limits of the heavy (source) builds.
    public var build: BuildSettings
    /// Environment variables the runtime sets, in source order.
    public var environment: [EnvironmentVariable]
    /// Shared libraries that components link, by the name components refer to them with.
    public var systemLibraries: [SystemLibrary]
    /// The components of the runtime, in source order.
    public var components: [Component]
    /// `lock:`: how `sglang-forge lock` and `check` resolve and judge the wheels (optional section).
    public var lock: LockSettings = LockSettings()
    /// `tarball:`, read only by the tarball backend; `nil` when the spec has none.
    public var tarball: TarballSettings? = nil
    /// Container base image (`container:`); `nil` when the section is absent. Only the container
    /// backend needs it, and it reports its absence as an emit error.
    public var container: ContainerSettings? = nil
}

/// `container:`: facts the container backend needs that no other section states.
public struct ContainerSettings: Sendable {
    /// The base image reference without a digest, `name:tag` (`nvidia/cuda:12.8.1-cudnn-devel-ubuntu24.04`).
    /// A CUDA *devel* image: the torch build needs nvcc and cuDNN, and FlashInfer and sgl-kernel
    /// JIT-compile with nvcc and the CUDA headers at run time.
    public var baseImage: Located<String>
    /// The image's content digest (`sha256:…`); `nil` when the spec records none, which the
    /// container backend refuses (never an unpinned `FROM`).
    public var baseDigest: Located<Digest>?
    /// The glibc (`major.minor`) of the base image, as the spec states it (`docker run --rm IMAGE
    /// ldd --version`); the planner checks it against the wheels and, without a builder, the target.
    public var baseGlibc: Located<String>? = nil
    /// The image the source components (torch) are built on, when it is not the base image; its
    /// glibc must not be newer than `runtime.glibc`, or the built wheels would not run on the targets.
    public var builder: ContainerBuilder? = nil
    /// Where the section starts, for errors about the section as a whole.
    public var range: SourceRange
}

/// `container.builder-image`, `builder-digest`, `builder-glibc`: the base of the stages that
/// build source components.
public struct ContainerBuilder: Sendable {
    /// `name:tag` without a digest (`nvidia/cuda:12.8.1-cudnn-devel-ubuntu22.04`).
    public var image: Located<String>
    /// Its content digest (`sha256:…`); `nil` when the spec records none (the container backend refuses it).
    public var digest: Located<Digest>?
    /// Its glibc (`major.minor`), as the spec states it; required.
    public var glibc: Located<String>?
}

/// `lock:`: index and consistency-check policy (see `docs/lock.md`).
public struct LockSettings: Sendable {
    /// The default package index (PEP 503/691 simple API root); `nil`: ``LockSettings/defaultIndex``.
    public var index: Located<String>?
    /// What `check` does with wheel requirements on packages the spec provides nowhere.
    public var unprovidedRequirements: Located<UnprovidedRequirementPolicy>?

    /// Creates settings; every field optional.
    public init(index: Located<String>? = nil, unprovidedRequirements: Located<UnprovidedRequirementPolicy>? = nil) {
        self.index = index
        self.unprovidedRequirements = unprovidedRequirements
    }

    /// PyPI's simple API.
    public static let defaultIndex = "https://pypi.org/simple/"
}

/// What `sglang-forge check` does with a wheel requirement on a package that is neither a
/// component, a `python-deps` entry nor a system library's `pypi` distribution.
public enum UnprovidedRequirementPolicy: String, CaseIterable, Sendable {
    /// Not reported.
    case ignore
    /// Listed as one warning per wheel.
    case warn
    /// Listed as one error per wheel.
    case error
}

/// One entry of a component's `waivers:`: a wheel requirement that `check` accepts although the
/// spec's pins do not satisfy it.
public struct Waiver: Sendable {
    /// The PEP 508 requirement exactly as the wheel declares it (compared after parsing:
    /// normalised name, specifier set), e.g. `flashinfer_python==0.6.3`.
    public var requirement: Located<String>
    /// Why the disagreement is acceptable (required).
    public var reason: Located<String>
}

/// `runtime:`: the product and its target platform.
public struct Runtime: Sendable {
    /// Short name of the runtime (`sglang`).
    public var name: Located<String>
    /// The component whose version is the runtime's version and whose entry point is exposed.
    public var component: Located<String>
    /// One-line summary.
    public var summary: Located<String>?
    /// Project homepage URL.
    public var homepage: Located<String>?
    /// SPDX licence expression of the runtime (`Apache-2.0`).
    public var license: Located<String>?
    /// Nix system double of the target (`x86_64-linux`).
    public var platform: Located<Platform>
    /// CPython `major.minor` (`3.12`), kept as written.
    public var python: Located<String>
    /// Oldest glibc (`major.minor`) of the hosts the runtime must run on; wheels requiring a newer
    /// `manylinux_2_N` are refused.
    public var glibc: Located<String>
    /// The console script users run (`sglang`).
    public var entryPoint: Located<String>
}

/// Target platforms, as Nix system doubles. Only x86-64 Linux is supported: the CPU ISA flags are
/// x86 flags and the wheels are `manylinux_*_x86_64`.
public enum Platform: String, CaseIterable, Sendable {
    case x86_64Linux = "x86_64-linux"

    /// The PEP 425 platform-tag architecture suffix (`x86_64`).
    public var wheelArchitecture: String { "x86_64" }
}

/// `cuda:`: the toolkit release.
public struct CUDA: Sendable {
    /// `major.minor`, kept as written (`12.8`).
    public var version: Located<String>
    /// Minimum NVIDIA driver branch, as the spec states it (`550`).
    public var minDriver: Located<String>
}

/// `nixpkgs:`: the one nixpkgs every generated Nix file uses.
public struct NixpkgsPin: Sendable {
    /// GitHub owner (`NixOS`).
    public var owner: Located<String>
    /// GitHub repository (`nixpkgs`).
    public var repo: Located<String>
    /// Full 40-hex-digit commit id.
    public var rev: Located<String>
    /// NAR hash of the unpacked GitHub tarball of `rev` (what flake.lock calls `narHash`).
    public var tarballHash: Located<Digest>?
}

/// `variants:`: how variants are named and described.
public struct VariantTemplates: Sendable {
    /// Name template, e.g. `sglang-python{python}-cuda{cuda}-{gpu}-{isa}`.
    public var name: Located<String>
    /// Description template (Nix `meta.description`, OCI `description` label).
    public var description: Located<String>
}

/// One entry of `isas:`.
public struct ISA: Sendable {
    /// The key (`avx512`).
    public var name: Located<String>
    /// Human label (`AVX-512`).
    public var label: Located<String>
    /// Compiler flags for `CFLAGS`/`CXXFLAGS`, in order (`-mavx512f`, …).
    public var flags: [Located<String>]
    /// Which CPUs have it, for the docs and the plan.
    public var cpus: Located<String>?
}

/// One entry of `gpus:`.
public struct GPUTarget: Sendable {
    /// The key (`sm90`, `all`).
    public var name: Located<String>
    /// Architecture name (`Hopper`).
    public var architecture: Located<String>
    /// Compute capabilities, numeric `major.minor` as written (`9.0`).
    public var capabilities: [Located<String>]
    /// Example GPUs (`H100`, `H200`).
    public var examples: [Located<String>]
    /// Free-form remark shown in the plan.
    public var note: Located<String>?
}

/// `matrix:`: the GPU × ISA product, exclusions and overrides.
public struct Matrix: Sendable {
    /// GPU target names, in build order.
    public var gpus: [Located<String>]
    /// ISA names, in build order.
    public var isas: [Located<String>]
    /// Combinations not built.
    public var exclude: [Selector]
    /// Per-combination changes, applied in order.
    public var overrides: [Override]
}

/// Selects matrix cells by GPU target and/or ISA; an absent field matches everything.
public struct Selector: Sendable {
    /// GPU target name to match.
    public var gpu: Located<String>?
    /// ISA name to match.
    public var isa: Located<String>?
    /// Where the selector is written.
    public var range: SourceRange
}

/// One entry of `matrix.overrides`.
public struct Override: Sendable {
    /// Which variants it applies to.
    public var match: Selector
    /// Extra environment for the source builds of matching variants (e.g. `USE_CUDNN: "0"`).
    public var buildEnv: [(name: Located<String>, value: Located<String>)]
    /// Replaces `build.max-jobs` for matching variants.
    public var maxJobs: Located<Int>?
    /// Why the override exists (required: overrides without a reason rot).
    public var reason: Located<String>
}

/// `build:`: resources of the source builds.
public struct BuildSettings: Sendable {
    /// Parallel compile jobs (`MAX_JOBS`, `ninja -jN`).
    public var maxJobs: Located<Int>
    /// Nix `requiredSystemFeatures` of the heavy builds (`big-parallel`).
    public var systemFeatures: [Located<String>]
    /// Disk needed per variant build, in GB.
    public var diskGB: Located<Int>?
    /// Memory recommended per variant build, in GB.
    public var memoryGB: Located<Int>?
    /// Environment for every source build (overrides add to it).
    public var env: [(name: Located<String>, value: Located<String>)]
}

/// One entry of `environment:`.
public struct EnvironmentVariable: Sendable {
    /// Variable name (`CUDA_HOME`).
    public var name: Located<String>
    /// Value template; placeholders (`{cuda.home}`, …) are filled by each backend.
    public var value: Located<String>
    /// Why the runtime needs it.
    public var why: Located<String>?
}

/// Where a system library comes from.
public enum LibraryProvider: String, CaseIterable, Sendable {
    /// A CUDA toolkit redistributable (nixpkgs `cudaPackages.<name>`).
    case cuda
    /// The NVIDIA driver on the host; never bundled.
    case driver
    /// The base system (nixpkgs attribute / Debian package).
    case system
}

/// One entry of `system-libraries:`.
public struct SystemLibrary: Sendable {
    /// The key components refer to (`cuda_nvrtc`, `numactl`).
    public var name: Located<String>
    /// ELF sonames it provides (`libnvrtc.so.12`).
    public var sonames: [Located<String>]
    /// Where it comes from.
    public var provider: Located<LibraryProvider>
    /// nixpkgs attribute path, for `system` libraries (`numactl`, `stdenv.cc.cc.lib`).
    public var nixpkgs: Located<String>?
    /// Debian package, for `system` libraries (`libnuma1`).
    public var debian: Located<String>?
    /// PyPI distribution carrying it, for `cuda` libraries (`nvidia-cuda-nvrtc-cu12`).
    public var pypi: Located<String>?
}

/// How a component is obtained.
public enum ComponentKind: String, CaseIterable, Sendable {
    /// A pre-built wheel (from an index, or pinned by URL + hash).
    case wheel
    /// Built from source per variant, with the variant's GPU targets, ISA flags and build env.
    case source
}

/// What to do with a wheel's declared Requires-Dist.
public enum RequiresDistPolicy: String, CaseIterable, Sendable {
    /// Keep the wheel's metadata as shipped.
    case keep
    /// Strip it (nixpkgs `pythonRemoveDeps = true`); the needed deps are listed in the spec.
    case strip
}

/// One entry of `components:`.
public struct Component: Sendable {
    /// The key, also the Python distribution name (`sgl-kernel`).
    public var name: Located<String>
    /// PEP 440 version, kept as written (`0.6.5+cu128`).
    public var version: Located<String>
    /// Wheel or source build.
    public var kind: Located<ComponentKind>
    /// Family of components that must share one public version (`flashinfer`).
    public var family: Located<String>?
    /// A remote artifact pinned by URL (a wheel, or a source tarball for `source`).
    public var url: Located<String>?
    /// Its hash (required with `url`).
    public var hash: Located<Digest>?
    /// Other components this one needs at run time.
    public var depends: [Located<String>]
    /// System libraries its ELF files link (by `system-libraries` key).
    public var links: [Located<String>]
    /// Python packages it needs from the runtime's Python package set.
    public var pythonDeps: [PythonDependency]
    /// Requires-Dist handling.
    public var requiresDist: Located<RequiresDistPolicy>
    /// Whether an import check can run at build time (no GPU driver there).
    public var importCheck: Located<Bool>
    /// The top-level module an import check imports, when it is not the distribution name with
    /// `-` as `_` (`apache-tvm-ffi` installs `tvm_ffi`).
    public var importName: Located<String>?
    /// Free-form remark shown in the plan.
    public var note: Located<String>?
    /// Package index for this component, replacing `lock.index` (e.g. a CUDA-specific index).
    public var index: Located<String>? = nil
    /// Wheel requirements `check` accepts although the pins disagree.
    public var waivers: [Waiver] = []
    /// `build-requires`: PEP 508 requirements of a source component's build (its
    /// `pyproject.toml` `[build-system] requires`), resolved with hashes by `sglang-forge lock`.
    public var buildRequires: [Located<String>] = []
}

/// A Python package taken from the runtime's package set (nixpkgs' `python312Packages` for Nix,
/// the uv-resolved closure for the other backends).
public struct PythonDependency: Sendable {
    /// The distribution name as written (`huggingface-hub`).
    public var name: Located<String>
    /// The attribute in nixpkgs' Python package set, when it differs from the PEP 503
    /// normalised name.
    public var nixpkgs: Located<String>?
}

/// `tarball:`: what only the relocatable-tarball backend needs (docs/backends/tarball.md).
public struct TarballSettings: Sendable {
    /// The relocatable CPython (python-build-standalone `install_only` archive).
    public var python: PinnedDownload?
    /// Artifacts that carry bundled `system-libraries`, by library key: a wheel (`nvidia-*-cu12`)
    /// or a Debian package (`.deb`).
    public var libraries: [PinnedLibrary]
    /// Where `tarball:` is written.
    public var key: SourceRange
}

/// A download pinned by URL and hash.
public struct PinnedDownload: Sendable {
    /// Version as written (`3.12.14`).
    public var version: Located<String>
    /// Download URL (https).
    public var url: Located<String>
    /// Its hash.
    public var hash: Located<Digest>?
}

/// One entry of `tarball.libraries`.
public struct PinnedLibrary: Sendable {
    /// The `system-libraries` key (`cuda_nvrtc`).
    public var name: Located<String>
    /// The pinned artifact.
    public var download: PinnedDownload
}
