import Crypto
import Foundation
import Hashes
import Packaging
import Spec

/// The parts of a spec a lock depends on. Editing anything else (comments, notes, the matrix,
/// waivers' reasons) leaves the lock valid; changing any of these makes it stale.
public struct LockInputs: Codable, Hashable, Sendable {
    /// Target interpreter and platform.
    public var target: LockTarget
    /// The default index root.
    public var index: String
    /// Every component with what decides its artifact, sorted by name.
    public var components: [LockInputComponent]
    /// Every `python-deps` name (PEP 503 normalised, sorted, unique): the closure's roots.
    public var pythonDeps: [String]
    /// nixpkgs owner/repo/rev and the spec's tarball hash (SRI).
    public var nixpkgs: [String: String]
    /// `cuda.version`: it constrains the closure (``CUDARelease``).
    public var cuda: String
    /// `lock.exclude-newer` (normalised), when the spec sets it.
    public var excludeNewer: String?
    /// Every waived requirement as `component: requirement`, sorted: waived requirements are left
    /// out of the resolution.
    public var waivers: [String]
    /// `lock.unprovided-requirements` names (normalised, sorted): excluded from the resolution.
    public var unprovided: [String]
    /// Build requirements of source components; absent when no component declares any.
    public var buildRequirements: [LockInputBuildRequirements]? = nil

    /// Reads the lock inputs out of `spec`.
    public init(spec: Spec) {
        target = LockTarget(python: spec.runtime.python.value, platform: spec.runtime.platform.value.rawValue, glibc: spec.runtime.glibc.value)
        index = spec.lock.index?.value ?? LockSettings.defaultIndex
        components = spec.components.map {
            LockInputComponent(name: $0.name.value, version: $0.version.value, kind: $0.kind.value.rawValue,
                               url: $0.url?.value, hash: $0.hash?.value.sri, index: $0.index?.value)
        }.sorted { $0.name < $1.name }
        pythonDeps = Array(Set(spec.components.flatMap { $0.pythonDeps.map { Self.normalize($0.name.value) } })).sorted()
        var pin = ["owner": spec.nixpkgs.owner.value, "repo": spec.nixpkgs.repo.value, "rev": spec.nixpkgs.rev.value]
        if let hash = spec.nixpkgs.tarballHash?.value.sri { pin["narHash"] = hash }
        nixpkgs = pin
        cuda = spec.cuda.version.value
        excludeNewer = spec.lock.excludeNewer?.value
        waivers = spec.components.flatMap { c in c.waivers.map { "\(c.name.value): \($0.requirement.value)" } }.sorted()
        unprovided = Array(Set(spec.lock.unprovidedRequirements.map { Self.normalize($0.package.value) })).sorted()
        buildRequirements = LockInputBuildRequirements.of(spec)
    }

    /// Lowercase hex SHA-256 of the compact, key-sorted JSON of these inputs.
    public func fingerprint() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(self)) ?? Data()
        return Base16.encode(Array(SHA256.hash(data: data)))
    }

    private static func normalize(_ name: String) -> String { PackageName.normalized(name) }
}

/// Target of the lock.
public struct LockTarget: Codable, Hashable, Sendable {
    /// CPython `major.minor`.
    public var python: String
    /// Nix system double.
    public var platform: String
    /// Oldest glibc of the hosts.
    public var glibc: String
}

/// One component as far as the lock is concerned.
public struct LockInputComponent: Codable, Hashable, Sendable {
    /// Component name.
    public var name: String
    /// Version as the spec pins it (PEP 440 text).
    public var version: String
    /// `wheel` or `source`.
    public var kind: String
    /// URL pin, when any.
    public var url: String?
    /// SRI hash of the URL pin.
    public var hash: String?
    /// Per-component index override.
    public var index: String?
}
