import Hashes
import Planner

/// The one "every remote artifact is pinned" check: each wheel component has an artifact with a
/// URL and a hash, the URL is one plain token (no whitespace or control character, which no
/// requirements line, shell word or Nix `fetchurl` could take as a URL). The hash needs no check
/// here: a plan digest is typed (``Hashes/HashAlgorithm``: sha256 or sha512), and pip's `--hash`
/// (https://pip.pypa.io/en/stable/topics/secure-installs/), coreutils' `sha…sum` and Nix's SRI
/// hashes all verify both. Every backend calls it, so "pinned" means the same thing in all of them.
public enum PinnedArtifacts {
    /// The pinned wheels of `plan`, in spec order, or every problem.
    /// - Parameters:
    ///   - backend: the backend's name for messages, e.g. "container".
    /// - Returns: every wheel component with its artifact; problems for each unpinned wheel and
    ///   each unusable URL, located at the component or artifact.
    public static func wheels(_ plan: BuildPlan, backend: String)
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
            problems += check(artifact, of: component.name, backend: backend)
            wheels.append((component, artifact))
        }
        return (wheels, problems)
    }

    /// The problems of one pinned artifact (a wheel or a source tarball): a URL that is not one
    /// plain token.
    public static func check(_ artifact: PlannedArtifact, of component: String, backend: String) -> [BackendProblem] {
        var problems: [BackendProblem] = []
        if !isPlainURL(artifact.url) {
            problems.append(BackendProblem(
                "the URL of '\(component)' (\(SafeText.oneLine(artifact.url))) contains whitespace or a control character; the \(backend) backend writes URLs only as one plain token",
                component: component, declaredAt: artifact.declaredAt))
        }
        return problems
    }

    /// Whether `url` is non-empty and free of whitespace, line breaks and control characters.
    public static func isPlainURL(_ url: String) -> Bool {
        !url.isEmpty && SafeText.isSingleLine(url) && !url.unicodeScalars.contains { $0.properties.isWhitespace }
    }
}

/// Lines of pip requirements files in hash-checking mode
/// (https://pip.pypa.io/en/stable/reference/requirements-file-format/), written in one place.
/// Names, versions and hex digests come checked from the plan (PEP 508 names, PEP 440 versions);
/// URLs are checked by ``PinnedArtifacts`` to be one plain token, so a line can never be
/// continued, commented out or joined with another.
public enum PipRequirement {
    /// `name @ url --hash=algorithm:hex` (a PEP 508 direct reference; pip's hash form is the
    /// algorithm and the lowercase hex digest).
    public static func direct(_ name: String, url: String, digest: Digest) -> String {
        "\(name) @ \(url) --hash=\(digest.prefixedHex)"
    }

    /// The direct reference of a pinned wheel component.
    public static func direct(_ component: PlannedComponent, _ artifact: PlannedArtifact) -> String {
        direct(component.name, url: artifact.url, digest: artifact.digest)
    }

    /// `name==version --hash=sha256:<hex>…`, one `--hash` per admitted file (`sha256`: SHA-256 digests).
    public static func exact(_ name: String, version: String, sha256: [Digest]) -> String {
        "\(name)==\(version)" + sha256.map { " --hash=\($0.prefixedHex)" }.joined()
    }
}
