// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "sglang-forge",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "sglang-forge", targets: ["sglang-forge"]),
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
            dependencies: ["Spec", "Hashes", "Packaging", .product(name: "Crypto", package: "swift-crypto")]
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
        // `lock`'s work: resolve wheels and the uv closure into a LockFile; read a lock and its closure back.
        .target(
            name: "Locking",
            dependencies: [
                "Lock", "PackageIndex", "Packaging", "Spec", "Planner", "Hashes",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Spec (+ lock) → BuildPlan (matrix, graph, checks) and its renderings.
        .target(name: "Planner", dependencies: ["Spec", "Hashes", "Packaging", "Lock"]),
        // What every backend shares: the Backend protocol, generated files, emit errors.
        .target(name: "BackendCore", dependencies: ["Planner", "Spec", "Packaging"], path: "Sources/Backends/Core"),
        // The Nix backend: a flake (or flox tree) for every variant from one pinned nixpkgs.
        .target(name: "NixBackend", dependencies: ["BackendCore", "Planner"], path: "Sources/Backends/Nix"),
        // OCI build files: a multi-stage Containerfile, a Bake matrix, per-variant Containerfiles.
        .target(name: "ContainerBackend", dependencies: ["BackendCore", "Planner"], path: "Sources/Backends/Container"),
        // `pack` / `unpack`: relocatable, reproducible .tar.zst of a prefix (libarchive, patchelf).
        .target(
            name: "Pack",
            dependencies: ["CArchive", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // The tarball backend: per-variant recipes that stage a prefix and `pack` it.
        .target(name: "TarballBackend", dependencies: ["BackendCore", "Planner"], path: "Sources/Backends/Tarball"),
        // The plugin kit: plan types (Codable) and the protocol's request/response types; the
        // whole I/O of a Swift plugin (`PluginMain`).
        .target(name: "PluginKit", dependencies: ["Planner"]),
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
        // The command line; the executable only calls into it.
        .target(
            name: "ForgeCLI",
            dependencies: [
                "Spec", "Planner", "Lock", "Locking", "PackageIndex", "Packaging", "Hashes", "BackendCore", "NixBackend",
                "ContainerBackend", "TarballBackend", "Pack", "Pinning", "Git", "BackendRegistry", "PluginHost", "PluginKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(name: "sglang-forge", dependencies: ["ForgeCLI"]),
        .testTarget(
            name: "ForgeTests",
            dependencies: [
                "Hashes", "Packaging", "Spec", "Planner", "Lock", "Locking", "PackageIndex", "BackendCore", "NixBackend",
                "ContainerBackend", "TarballBackend", "ForgeCLI", "sglang-forge", "NAR", "Git", "Pinning", "ForgeTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [.copy("Fixtures")]
        ),
        // pack/unpack: end-to-end on real ELF files and scripts, and every refusal.
        .testTarget(name: "PackTests", dependencies: ["Pack", "sglang-forge"]),
        // What every test target shares: the one golden-file helper, scratch directories, running programs.
        .target(name: "ForgeTestSupport", path: "Tests/Support"),
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
