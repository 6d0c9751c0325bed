// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "sglang-forge",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "sglang-forge", targets: ["sglang-forge"]),
        // The companion executable `sglang-forge` hands lock/pin/pack/unpack/bump to (ToolCommands.swift).
        .executable(name: "sglang-forge-tools", targets: ["sglang-forge-tools"]),
        // The first backend plugin: Apptainer/Singularity definition files (docs/plugins.md).
        .executable(name: "sglang-forge-backend-apptainer", targets: ["sglang-forge-backend-apptainer"]),
        // For plugins written in Swift: the plan types and the protocol messages.
        .library(name: "PluginKit", targets: ["PluginKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // SHA-256 of downloaded wheels and of the lock inputs.
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // Reading `*.dist-info/METADATA` out of wheels that have no PEP 658 metadata file.
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        // libyaml through pkg-config (Debian: libyaml-dev). Only `Spec` imports it.
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"]), .brew(["libyaml"])]
        ),
        // libgit2 through pkg-config (Debian: libgit2-dev). Only `Git` imports it.
        .systemLibrary(
            name: "CGit2",
            pkgConfig: "libgit2",
            providers: [.apt(["libgit2-dev"]), .brew(["libgit2"])]
        ),
        // libarchive through pkg-config (Debian: libarchive-dev). Only `Pack` imports it.
        .systemLibrary(
            name: "CArchive",
            pkgConfig: "libarchive",
            providers: [.apt(["libarchive-dev"]), .brew(["libarchive"])]
        ),
        // LZ4 and zstd through pkg-config (Debian: liblz4-dev, libzstd-dev): compressed fatbin
        // entries (`DeviceCode`); zstd also for the manifest's frame of `pack` archives (`Pack`).
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"]), .brew(["lz4"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"]), .brew(["zstd"])]),
        // NVIDIA's compatibility rules as data: device-code targets, which code runs on which
        // compute capability, minimum drivers per CUDA release. Pure.
        .target(name: "CUDACompatibility"),
        // Reads CUDA device code: ELF64 shared objects, fatbin containers, cubins, wheels (member
        // by member). Memory-mapped; only headers are read.
        .target(
            name: "DeviceCode",
            dependencies: ["CUDACompatibility", "CLZ4", "CZstd", .product(name: "ZIPFoundation", package: "ZIPFoundation")]
        ),
        // Facts about this host: NVIDIA driver and GPUs (NVML at run time, nvidia-smi), CPU
        // features, glibc. The only target that touches the host.
        .target(name: "HostProbe", dependencies: ["CUDACompatibility"]),
        // `select`: which variant of a plan fits a host, and why every other does not. Pure.
        .target(name: "Selection", dependencies: ["Planner", "CUDACompatibility", "HostProbe"]),
        // `verify`: an installed runtime against its runtime.json (dist-info METADATA, RECORD).
        .target(
            name: "Verify",
            dependencies: ["Packaging", "CUDACompatibility", "DeviceCode", "Hashes", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // Digest encodings (hex, Nix base-32, SRI): one tested place for all of them.
        .target(name: "Hashes"),
        // Nix archive (NAR) serialisation, streamed into SHA-256.
        .target(
            name: "NAR",
            dependencies: ["Hashes", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // libgit2 wrapper: repositories, remotes, fetch into a cache, NAR hash of a commit's tree.
        .target(
            name: "Git",
            dependencies: ["CGit2", "NAR", "Hashes", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // `pin nixpkgs`: resolve, fetch, hash, and edit the spec in place.
        .target(name: "Pinning", dependencies: ["Git", "Spec", "Hashes"]),
        // Python packaging standards: PEP 440 versions, PEP 425/427/600 wheel names and tags.
        .target(name: "Packaging"),
        // YAML → typed spec with source ranges.
        .target(name: "Spec", dependencies: ["CYAML", "Hashes", "Packaging"]),
        // The lock file (format, inputs fingerprint, staleness) and the consistency check. Pure.
        .target(
            name: "Lock",
            dependencies: ["Spec", "Hashes", "Packaging", "CUDACompatibility", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // PEP 691/503 index client, wheel choice, PEP 658 / wheel METADATA. Network and disk.
        .target(
            name: "PackageIndex",
            dependencies: [
                "Hashes", "Packaging",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]
        ),
        // Reads a lock and the files it references (Python closure, build requirements) from
        // disk, refusing a stale or damaged one. No network: `plan`, `check` and `emit` use it.
        .target(
            name: "LockReading",
            dependencies: ["Lock", "Planner", "Spec", "Hashes", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // `lock`'s work: resolve wheels and the uv closure into a LockFile.
        .target(
            name: "Locking",
            dependencies: [
                "Lock", "LockReading", "PackageIndex", "Packaging", "Spec", "Planner", "Hashes", "DeviceCode", "CUDACompatibility",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Spec (+ lock) → BuildPlan (matrix, graph, checks) and its renderings.
        .target(name: "Planner", dependencies: ["Spec", "Hashes", "Packaging", "Lock", "CUDACompatibility"]),
        // What every backend shares: the Backend protocol, generated files, emit errors.
        .target(name: "BackendCore", dependencies: ["Planner", "Spec", "Packaging", "Hashes"], path: "Sources/Backends/Core"),
        // The Nix backend: a flake (or flox tree) for every variant from one pinned nixpkgs.
        .target(name: "NixBackend", dependencies: ["BackendCore", "Planner", "Spec", "Hashes"], path: "Sources/Backends/Nix"),
        // OCI build files: a multi-stage Containerfile, a Bake matrix, per-variant Containerfiles.
        .target(name: "ContainerBackend", dependencies: ["BackendCore", "Planner", "Spec", "Hashes"], path: "Sources/Backends/Container"),
        // `pack` / `unpack`: relocatable, reproducible .tar.zst of a prefix (libarchive, libzstd,
        // patchelf); ELF dynamic sections through DeviceCode's reader.
        .target(
            name: "Pack",
            dependencies: ["CArchive", "CZstd", "DeviceCode", "Hashes", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // The tarball backend: per-variant recipes that stage a prefix and `pack` it.
        .target(name: "TarballBackend", dependencies: ["BackendCore", "Planner", "Spec", "Hashes"], path: "Sources/Backends/Tarball"),
        // `bump`: release discovery, coupled groups, proposals, spec edits, PR bodies and publishing.
        .target(name: "Bump", dependencies: ["Spec", "Lock", "LockReading", "Locking", "PackageIndex", "Packaging", "Planner", "Hashes", "Git", "GitHubAPI"]),
        // A small GitHub REST client (pull requests), for `bump`.
        .target(name: "GitHubAPI"),
        // The plugin kit: plan types (Codable) and the protocol's request/response types; the
        // whole I/O of a Swift plugin (`PluginMain`).
        .target(name: "PluginKit", dependencies: ["Planner", "Spec", "Hashes", "Packaging", "Lock", "CUDACompatibility"]),
        // The host side of the plugin protocol: running a plugin, checking its response, PATH discovery.
        .target(name: "PluginHost", dependencies: ["BackendCore", "PluginKit", "Planner"], path: "Sources/Backends/Plugin"),
        // Every backend `emit` can run: the built-ins and plugins, behind `BackendRunner`.
        .target(
            name: "BackendRegistry",
            dependencies: ["BackendCore", "NixBackend", "ContainerBackend", "TarballBackend", "PluginHost", "PluginKit"],
            path: "Sources/Backends/Registry"
        ),
        // The Apptainer backend's rendering, built on the kit, with the backends' shared runtime
        // manifest (BackendCore) so it installs the same runtime.json bytes.
        .target(name: "ApptainerBackend", dependencies: ["PluginKit", "BackendCore"], path: "Sources/Plugins/Apptainer"),
        // The Apptainer plugin executable.
        .executableTarget(
            name: "sglang-forge-backend-apptainer",
            dependencies: ["ApptainerBackend", "PluginKit"],
            path: "Sources/Plugins/ApptainerMain"
        ),
        // The command line of the everyday commands; the executable only calls into it. It links
        // no network, git or libarchive code, so it starts fast (ToolCommands.swift).
        .target(
            name: "ForgeCLI",
            dependencies: [
                "Spec", "Planner", "Lock", "LockReading", "Packaging", "Hashes", "BackendCore", "NixBackend",
                "ContainerBackend", "TarballBackend", "CUDACompatibility", "DeviceCode", "HostProbe", "Selection", "Verify",
                "BackendRegistry", "PluginHost", "PluginKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The commands that need the network (libcurl), git (libgit2) or libarchive: lock, pin,
        // pack, unpack, bump; run by `sglang-forge-tools`.
        .target(
            name: "ForgeToolsCLI",
            dependencies: [
                "ForgeCLI", "Spec", "Planner", "Lock", "LockReading", "Locking", "PackageIndex", "Packaging", "Hashes",
                "Pack", "Pinning", "Git", "Bump", "GitHubAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Not a dependency on `sglang-forge-tools`: SwiftPM would link that executable's libraries
        // into this one. `swift build` builds both; `swift run sglang-forge lock` says to.
        .executableTarget(name: "sglang-forge", dependencies: ["ForgeCLI"]),
        .executableTarget(name: "sglang-forge-tools", dependencies: ["ForgeToolsCLI", "ForgeCLI"]),
        // Digest encodings (hex, Nix base-32, SRI) against `nix hash`.
        .testTarget(name: "HashesTests", dependencies: ["Hashes", "ForgeTestSupport", .product(name: "Crypto", package: "swift-crypto")]),
        // NAR serialisation against `nix-store --dump` on the same trees.
        .testTarget(name: "NARTests", dependencies: ["NAR", "ForgeTestSupport"]),
        // NAR hashes of git trees (export-ignore, submodules, links) against `git archive` + nix-hash.
        .testTarget(name: "GitTests", dependencies: ["Git", "NAR", "Hashes", "ForgeTestSupport"]),
        // The git cache of `pin nixpkgs` and the pinner against local bare remotes.
        .testTarget(name: "PinningTests", dependencies: ["Pinning", "Git", "ForgeTestSupport"]),
        // PEP 440 versions, PEP 425/427 wheel names and tags, PEP 503 names in every caller.
        .testTarget(name: "PackagingTests", dependencies: ["Packaging", "Spec", "BackendCore"]),
        // The YAML parser, in-place spec edits and the bad-spec diagnostics (Tests/Fixtures/bad).
        .testTarget(name: "SpecTests", dependencies: ["Spec", "Planner", "Hashes", "ForgeTestSupport"]),
        // The lock file and `lock`'s work (Lock, Locking) against the fixture package index.
        .testTarget(
            name: "LockTests",
            dependencies: [
                "Hashes", "Lock", "LockReading", "Locking", "PackageIndex", "Packaging", "Planner", "Spec", "ForgeTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The PEP 691/503 client and wheel choice against the fixture package index.
        .testTarget(name: "PackageIndexTests", dependencies: ["PackageIndex", "Packaging", "ForgeTestSupport"]),
        // The planner: matrix and graph rules, GPU targets without code (from the lock), the renderings' goldens.
        .testTarget(name: "PlannerTests", dependencies: ["CUDACompatibility", "Planner", "Spec", "Lock", "Packaging", "Hashes", "ForgeTestSupport"]),
        // What all backends share: equivalent outputs, hostile text, writer safety under real parsers.
        .testTarget(
            name: "BackendCoreTests",
            dependencies: [
                "BackendCore", "NixBackend", "ContainerBackend", "TarballBackend", "Planner", "Spec", "LockReading", "Hashes",
                "ForgeTestSupport", "BackendTestSupport",
            ]
        ),
        // The Nix backend: goldens, nix-instantiate parses, offline flake evaluation against a stub nixpkgs.
        .testTarget(
            name: "NixBackendTests",
            dependencies: ["NixBackend", "BackendCore", "Planner", "Spec", "Lock", "LockReading", "ForgeTestSupport", "BackendTestSupport", "sglang-forge"]
        ),
        // The container backend: goldens, torch build stage, hadolint + BuildKit parser + python-hcl2 oracles.
        .testTarget(
            name: "ContainerBackendTests",
            dependencies: ["ContainerBackend", "BackendCore", "Planner", "Spec", "LockReading", "ForgeTestSupport", "BackendTestSupport", "sglang-forge"]
        ),
        // The tarball backend: goldens, `bash -n`, and the recipes' helper functions run for real.
        .testTarget(
            name: "TarballBackendTests",
            dependencies: ["TarballBackend", "BackendCore", "Planner", "Spec", "ForgeTestSupport", "sglang-forge"]
        ),
        // The command line end to end through the executable, the output writer, `pin nixpkgs`.
        .testTarget(
            name: "ForgeCLITests",
            dependencies: [
                "ForgeCLI", "ForgeToolsCLI", "BackendCore", "Hashes", "Lock", "LockReading", "Locking", "Spec", "ForgeTestSupport", "sglang-forge",
                "sglang-forge-tools",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // bump: discovery against a fixture index, spec edits byte for byte, git and PR publishing.
        .testTarget(
            name: "BumpTests",
            dependencies: [
                "Bump", "GitHubAPI", "Git", "PackageIndex", "Packaging", "Spec", "Lock", "Hashes", "sglang-forge", "sglang-forge-tools",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [.copy("Fixtures")]
        ),
        // pack/unpack: end-to-end on real ELF files and scripts, and every refusal.
        .testTarget(name: "PackTests", dependencies: ["Pack", "sglang-forge", "sglang-forge-tools"]),
        // Device code readers against cuobjdump's recorded output; the compatibility rules.
        .testTarget(
            name: "DeviceCodeTests",
            dependencies: ["DeviceCode", "CUDACompatibility", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            resources: [.copy("Fixtures")]
        ),
        // `select` with injected host facts (Selection), and HostProbe's cpuinfo and nvidia-smi parsers.
        .testTarget(name: "HostProbeTests", dependencies: ["HostProbe", "CUDACompatibility"]),
        .testTarget(name: "SelectionTests", dependencies: ["Selection", "HostProbe", "Planner", "Spec", "Lock", "CUDACompatibility"]),
        // `verify` on prefixes built from fixture wheels (DeviceCodeTests/Fixtures).
        .testTarget(
            name: "VerifyTests",
            dependencies: ["Verify", "Hashes", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // What every test target shares: the one golden-file helper, the shared fixtures (Tests/Fixtures),
        // scratch directories, running programs, git fixtures, the fixture index, the container oracles.
        .target(name: "ForgeTestSupport", path: "Tests/Support"),
        // What the backends' test targets share: plans of the fixture specs, Nix with a private store.
        .target(
            name: "BackendTestSupport",
            dependencies: ["ForgeTestSupport", "BackendCore", "Planner", "Spec", "Lock", "LockReading"],
            path: "Tests/BackendSupport"
        ),
        // The plugin protocol end to end: small plugins written by the tests, every host refusal.
        .testTarget(name: "PluginHostTests", dependencies: ["ForgeTestSupport", "PluginHost", "PluginKit", "BackendCore", "Planner", "sglang-forge"]),
        // The Apptainer plugin: goldens, spython and hadolint oracles, same wheel set as the container backend.
        .testTarget(
            name: "ApptainerTests",
            dependencies: ["ForgeTestSupport", "ApptainerBackend", "PluginKit", "sglang-forge", "sglang-forge-backend-apptainer"],
            exclude: ["Fixtures"]
        ),
    ]
)
