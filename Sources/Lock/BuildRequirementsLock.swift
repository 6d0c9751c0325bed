import Spec

/// What decides the locked build requirements of one source component: its `build-requires`
/// and the platform they are resolved for. Part of ``LockInputs``; any change makes the lock stale.
public struct LockInputBuildRequirements: Codable, Hashable, Sendable {
    /// The source component (`torch`).
    public var component: String
    /// Its `build-requires`, as written, in spec order.
    public var requirements: [String]
    /// The uv `--python-platform` they are resolved for (`x86_64-manylinux_2_35`): the glibc of
    /// the image the component is built on.
    public var platform: String

    /// Creates the inputs of one component.
    public init(component: String, requirements: [String], platform: String) {
        self.component = component
        self.requirements = requirements
        self.platform = platform
    }

    /// The build-requirement inputs of every source component of `spec` that declares any, in
    /// spec order; `nil` when none does (so the inputs of such specs stay as they were).
    ///
    /// The platform is `x86_64-manylinux_<glibc>` with the glibc of `container.builder-glibc`,
    /// else `container.base-glibc`, else `runtime.glibc`: the build stage installs them on that base.
    public static func of(_ spec: Spec) -> [LockInputBuildRequirements]? {
        let glibc = spec.container?.builder?.glibc?.value ?? spec.container?.baseGlibc?.value ?? spec.runtime.glibc.value
        let platform = "\(spec.runtime.platform.value.wheelArchitecture)-manylinux_\(glibc.replacingOccurrences(of: ".", with: "_"))"
        let entries = spec.components.filter { $0.kind.value == .source && !$0.buildRequires.isEmpty }.map {
            LockInputBuildRequirements(component: $0.name.value, requirements: $0.buildRequires.map(\.value), platform: platform)
        }
        return entries.isEmpty ? nil : entries
    }
}

/// One source component's build requirements, resolved by uv (`uv pip compile --generate-hashes`)
/// into a requirements file next to the lock (`main.torch-build.txt`), as the lock records it.
public struct LockedBuildRequirements: Codable, Hashable, Sendable {
    /// The source component (`torch`).
    public var component: String
    /// Path of the requirements file, relative to the lock's directory.
    public var path: String
    /// Lowercase hex SHA-256 of that file.
    public var sha256: String
    /// The resolver that wrote it (`uv 0.9.5`).
    public var resolver: String
    /// Number of pinned packages in it.
    public var packages: Int

    /// Creates an entry.
    public init(component: String, path: String, sha256: String, resolver: String, packages: Int) {
        self.component = component
        self.path = path
        self.sha256 = sha256
        self.resolver = resolver
        self.packages = packages
    }

    /// Where the build requirements of `component` are written for the lock at `lockPath`:
    /// `specs/main.lock` → `specs/main.torch-build.txt`.
    public static func path(forLock lockPath: String, component: String) -> String {
        let base = lockPath.hasSuffix(".lock") ? String(lockPath.dropLast(".lock".count)) : lockPath
        return "\(base).\(component)-build.txt"
    }
}
