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
        // Digest encodings (hex, Nix base-32, SRI): one tested place for all of them.
        .target(name: "Hashes"),
        // Python packaging standards: PEP 440 versions, PEP 425/427/600 wheel names and tags.
        .target(name: "Packaging"),
        // YAML → typed spec with source ranges.
        .target(name: "Spec", dependencies: ["CYAML", "Hashes"]),
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
        // Spec (+ lock) → BuildPlan (matrix, graph, checks) and its renderings.
        .target(name: "Planner", dependencies: ["Spec", "Hashes", "Packaging", "Lock"]),
        // The command line; the executable only calls into it.
        .target(
            name: "ForgeCLI",
            dependencies: [
                "Spec", "Planner", "Lock", "PackageIndex", "Packaging", "Hashes",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "sglang-forge", dependencies: ["ForgeCLI"]),
        .testTarget(
            name: "ForgeTests",
            dependencies: ["Hashes", "Packaging", "Spec", "Planner", "ForgeCLI", "Lock", "PackageIndex"],
            resources: [.copy("Fixtures")]
        ),
    ]
)
