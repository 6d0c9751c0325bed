// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "sglang-forge",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "sglang-forge", targets: ["sglang-forge"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // libyaml through pkg-config (Debian: libyaml-dev). Only `Spec` imports it.
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"]), .brew(["libyaml"])]
        ),
        // Digest encodings (hex, Nix base-32, SRI): one tested place for all of them.
        .target(name: "Hashes"),
        // Python packaging standards: PEP 440 versions, PEP 425/427/600 wheel names and tags.
        .target(name: "Packaging"),
        // YAML → typed spec with source ranges.
        .target(name: "Spec", dependencies: ["CYAML", "Hashes"]),
        // Spec → BuildPlan (matrix, graph, checks) and its renderings.
        .target(name: "Planner", dependencies: ["Spec", "Hashes", "Packaging"]),
        // What every backend shares: the Backend protocol, generated files, emit errors.
        .target(name: "BackendCore", dependencies: ["Planner", "Spec"], path: "Sources/Backends/Core"),
        // The Nix backend: a flake (or flox tree) for every variant from one pinned nixpkgs.
        .target(name: "NixBackend", dependencies: ["BackendCore", "Planner"], path: "Sources/Backends/Nix"),
        // The command line; the executable only calls into it.
        .target(
            name: "ForgeCLI",
            dependencies: [
                "Spec", "Planner", "BackendCore", "NixBackend",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(name: "sglang-forge", dependencies: ["ForgeCLI"]),
        .testTarget(
            name: "ForgeTests",
            dependencies: ["Hashes", "Packaging", "Spec", "Planner", "BackendCore", "NixBackend", "ForgeCLI", "sglang-forge"],
            resources: [.copy("Fixtures")]
        ),
    ]
)
