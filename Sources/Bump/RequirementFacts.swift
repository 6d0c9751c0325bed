import Packaging

/// The Requires-Dist of one release, read for the target: the requirements whose PEP 508 marker
/// holds on the target interpreter and platform with no extra selected, keyed by PEP 503 name.
public struct RequirementFacts: Hashable, Sendable {
    /// Applicable requirements by normalised name (several lines for one name are all kept).
    public var byName: [String: [Requirement]]

    /// Parses `requiresDist` (lines that are not PEP 508 are skipped) and keeps those that apply
    /// in `environment`.
    public init(_ requiresDist: [String], environment: MarkerEnvironment) {
        var byName: [String: [Requirement]] = [:]
        for line in requiresDist {
            guard let requirement = try? Requirement(parsing: line), requirement.applies(in: environment) else { continue }
            byName[requirement.normalizedName, default: []].append(requirement)
        }
        self.byName = byName
    }

    /// Every applicable requirement, sorted by name then text.
    public var all: [Requirement] {
        byName.keys.sorted().flatMap { byName[$0]!.sorted { $0.description < $1.description } }
    }

    /// Whether the release requires `name` at all.
    public func mentions(_ name: String) -> Bool { byName[MarkerEnvironment.normalizeName(name)] != nil }

    /// The version `name` is pinned to exactly (`==V` or `===V`, no wildcard), if it is.
    public func exactPin(of name: String) -> (version: PEP440Version, requirement: Requirement)? {
        for requirement in byName[MarkerEnvironment.normalizeName(name)] ?? [] where requirement.specifier.isExactPin {
            if let version = requirement.specifier.clauses[0].version { return (version, requirement) }
        }
        return nil
    }

    /// Whether `version` of `name` satisfies every requirement on it (pre-releases allowed: the
    /// version is the one in hand, not one being chosen).
    public func admits(_ name: String, _ version: PEP440Version) -> Bool {
        (byName[MarkerEnvironment.normalizeName(name)] ?? []).allSatisfy { $0.url == nil && $0.specifier.contains(version, prereleases: true) }
    }

    /// The requirements on `name` that `version` does not satisfy.
    public func violations(_ name: String, _ version: PEP440Version) -> [Requirement] {
        (byName[MarkerEnvironment.normalizeName(name)] ?? []).filter { $0.url != nil || !$0.specifier.contains(version, prereleases: true) }
    }
}

/// What a release's requirements say about the CUDA major version it needs.
///
/// Read from naming conventions NVIDIA and the CUDA Python packages follow on PyPI:
/// distributions suffixed `-cuNN` (`nvidia-cublas-cu12`, `nvshmem4py-cu13`: built for CUDA NN),
/// extras named `cuNN` (`flashinfer-python[cu13]`), `cuda-python` / `cuda-bindings` whose major
/// version is the CUDA major (cuda-python 12.x binds CUDA 12), and exact pins with a `+cuNNN`
/// local label (PyTorch's convention, `2.9.1+cu128`).
public struct CUDANeed: Hashable, Sendable {
    /// A CUDA major version and the requirement that implies it.
    public struct Evidence: Hashable, Sendable {
        /// The CUDA major (12, 13).
        public var major: Int
        /// The requirement as written in normal form.
        public var requirement: String
    }

    /// The applicable requirements that can imply a CUDA major.
    public var requirements: [Requirement]

    /// Reads `facts`.
    public init(_ facts: RequirementFacts) {
        requirements = facts.all
    }

    /// The requirements that need a CUDA major other than `major`, with the major they need.
    public func conflicts(withMajor major: Int) -> [Evidence] {
        var found = Set<Evidence>()
        for requirement in requirements {
            for needed in Self.majors(of: requirement, spec: major) where needed != major {
                found.insert(Evidence(major: needed, requirement: requirement.description))
            }
        }
        return found.sorted { ($0.major, $0.requirement) < ($1.major, $1.requirement) }
    }

    /// The majors `requirement` implies (usually none or one). For `cuda-python`-like
    /// requirements: `spec` when a `spec.x` release satisfies the specifier, else the lowest
    /// major one does.
    static func majors(of requirement: Requirement, spec: Int) -> Set<Int> {
        var result = Set<Int>()
        if let major = suffixMajor(requirement.normalizedName) { result.insert(major) }
        for extra in requirement.extras {
            let e = MarkerEnvironment.normalizeName(extra)
            if e.hasPrefix("cu"), e.count == 4, let major = Int(e.dropFirst(2)) { result.insert(major) }
        }
        if ["cuda-python", "cuda-bindings", "cuda-core"].contains(requirement.normalizedName), requirement.url == nil,
           !requirement.specifier.clauses.isEmpty
        {
            func admits(_ major: Int) -> Bool {
                (0...99).contains { minor in requirement.specifier.contains(PEP440Version("\(major).\(minor)")!, prereleases: true) }
            }
            if admits(spec) { result.insert(spec) } else if let lowest = (10...20).first(where: admits) { result.insert(lowest) }
        }
        if requirement.specifier.isExactPin, let version = requirement.specifier.clauses[0].version,
           case .some(.text(let label)) = version.local.first, label.hasPrefix("cu"), let digits = Int(label.dropFirst(2)), (100...999).contains(digits)
        {
            result.insert(digits / 10)
        }
        return result
    }

    /// 12 for `nvidia-cublas-cu12`, `nvshmem4py-cu13`; `nil` otherwise.
    static func suffixMajor(_ name: String) -> Int? {
        guard let dash = name.lastIndex(of: "-") else { return nil }
        let tail = name[name.index(after: dash)...]
        guard tail.hasPrefix("cu"), tail.count == 4, let major = Int(tail.dropFirst(2)) else { return nil }
        return major
    }
}
