import Planner

/// The one "every remote artifact is pinned" check: each wheel component has an artifact with a
/// URL and a hash, the URL is one plain token (no whitespace or control character, which no
/// requirements line, shell word or Nix `fetchurl` could take as a URL), and the hash uses an
/// algorithm the backend's installer verifies. Every backend calls it, so "pinned" means the
/// same thing in all of them.
public enum PinnedArtifacts {
    /// The algorithms both pip's `--hash` and coreutils' `sha…sum` know, by SRI prefix
    /// (https://pip.pypa.io/en/stable/topics/secure-installs/).
    public static let pipAlgorithms = ["sha256", "sha384", "sha512"]

    /// The pinned wheels of `plan`, in spec order, or every problem.
    /// - Parameters:
    ///   - backend: the backend's name for messages, e.g. "container".
    ///   - algorithms: the SRI prefixes the backend's installer verifies (default: pip's).
    /// - Returns: every wheel component with its artifact; problems for each unpinned wheel,
    ///   each unusable URL and each unsupported hash algorithm, located at the component or artifact.
    public static func wheels(_ plan: BuildPlan, backend: String, algorithms: [String] = pipAlgorithms)
        -> (wheels: [(component: PlannedComponent, artifact: PlannedArtifact)], problems: [BackendProblem])
    {
        var wheels: [(component: PlannedComponent, artifact: PlannedArtifact)] = []
        var problems: [BackendProblem] = []
        for component in plan.components where !component.perVariant {
            guard let artifact = component.artifact else {
                problems.append(BackendProblem(
                    "wheel '\(component.name)' \(component.version) has no pinned artifact (URL and hash): the \(backend) backend never installs an unhashed wheel; run `sglang-forge lock`, or pin it with 'url:' and 'hash:'",
                    component: component.name, declaredAt: component.declaredAt))
                continue
            }
            problems += check(artifact, of: component.name, backend: backend, algorithms: algorithms)
            wheels.append((component, artifact))
        }
        return (wheels, problems)
    }

    /// The problems of one pinned artifact (a wheel or a source tarball): a URL that is not one
    /// plain token, a hash algorithm outside `algorithms`.
    public static func check(_ artifact: PlannedArtifact, of component: String, backend: String, algorithms: [String] = pipAlgorithms) -> [BackendProblem] {
        var problems: [BackendProblem] = []
        if !isPlainURL(artifact.url) {
            problems.append(BackendProblem(
                "the URL of '\(component)' (\(SafeText.oneLine(artifact.url))) contains whitespace or a control character; the \(backend) backend writes URLs only as one plain token",
                component: component, declaredAt: artifact.declaredAt))
        }
        if !algorithms.contains(artifact.hashAlgorithm) {
            problems.append(BackendProblem(
                "the \(backend) backend verifies \(algorithms.joined(separator: ", ")) hashes; '\(component)' (\(artifact.filename)) has '\(artifact.hash)'",
                component: component, declaredAt: artifact.declaredAt))
        }
        return problems
    }

    /// Whether `url` is non-empty and free of whitespace, line breaks and control characters.
    public static func isPlainURL(_ url: String) -> Bool {
        !url.isEmpty && SafeText.isSingleLine(url) && !url.unicodeScalars.contains { $0.properties.isWhitespace }
    }
}

extension PlannedArtifact {
    /// The algorithm of the SRI hash (`sha256` of `sha256-…`).
    public var hashAlgorithm: String { hash.split(separator: "-").first.map(String.init) ?? "sha256" }
}

/// Lines of pip requirements files in hash-checking mode
/// (https://pip.pypa.io/en/stable/reference/requirements-file-format/), written in one place.
/// Names, versions and hex digests come checked from the plan (PEP 508 names, PEP 440 versions);
/// URLs are checked by ``PinnedArtifacts`` to be one plain token, so a line can never be
/// continued, commented out or joined with another.
public enum PipRequirement {
    /// `name @ url --hash=algorithm:hex` (a PEP 508 direct reference).
    public static func direct(_ name: String, url: String, algorithm: String, hex: String) -> String {
        "\(name) @ \(url) --hash=\(algorithm):\(hex)"
    }

    /// The direct reference of a pinned wheel component.
    public static func direct(_ component: PlannedComponent, _ artifact: PlannedArtifact) -> String {
        direct(component.name, url: artifact.url, algorithm: artifact.hashAlgorithm, hex: artifact.hashHex)
    }

    /// `name==version --hash=sha256:<hex>…`, one `--hash` per admitted file.
    public static func exact(_ name: String, version: String, sha256: [String]) -> String {
        "\(name)==\(version)" + sha256.map { " --hash=sha256:\($0)" }.joined()
    }
}
