import PackageIndex

/// One package moving in a proposal.
public struct PackageChange: Codable, Hashable, Sendable {
    /// The spec's component key before the change (`sgl-kernel`); `nixpkgs` and `cuda` for those
    /// sections.
    public var component: String
    /// The new distribution name when the package was renamed upstream (`sglang-kernel`).
    public var renamedTo: String?
    /// The version (or nixpkgs commit) before.
    public var old: String
    /// The version (or nixpkgs commit) after.
    public var new: String
    /// When the new release was uploaded (PEP 700 `upload-time`, `YYYY-MM-DD`), when known.
    public var uploaded: String?
    /// How the component is built.
    public var kind: ChangeKind
    /// For a component pinned by URL: the new URL, derived from the old one's pattern.
    public var url: String?
    /// For a component pinned by URL: the new hash, written as the spec writes the old one;
    /// `nil` when the artifact could not be fetched (the proposal is then blocked).
    public var hash: String?
    /// Why the package moves (`pinned by sglang 0.5.10.post1 (sglang-kernel==0.4.1)`).
    public var because: String

    /// The name the package has after the change.
    public var name: String { renamedTo ?? component }
}

/// What kind of thing a ``PackageChange`` moves (decides the rebuild impact).
public enum ChangeKind: String, Codable, Hashable, Sendable, CaseIterable {
    /// A wheel taken from the package index.
    case indexWheel = "index-wheel"
    /// A wheel pinned by URL and hash.
    case urlWheel = "url-wheel"
    /// Built from source in every variant (torch).
    case source
    /// The nixpkgs pin.
    case nixpkgs
    /// The CUDA toolkit release (`cuda.version`).
    case cuda
}

/// A newer release that was not proposed, and why.
public struct HeldBack: Codable, Hashable, Sendable {
    /// The package.
    public var package: String
    /// The release.
    public var version: String
    /// Why it is not proposed (`yanked: broken upload`, `needs CUDA 13: cuda-python>=13.0`).
    public var reason: String
}

/// A waiver that no longer matches any requirement after the bump, and is removed.
public struct RemovedWaiver: Codable, Hashable, Sendable {
    /// The component whose `waivers:` held it.
    public var component: String
    /// The waived requirement as written.
    public var requirement: String

    public init(component: String, requirement: String) {
        self.component = component
        self.requirement = requirement
    }
}

/// One step of re-checking an edited spec.
public enum ValidationStep: String, Codable, Hashable, Sendable, CaseIterable {
    /// `sglang-forge lock`: re-resolve every artifact and the Python closure.
    case lock
    /// `sglang-forge check`: every wheel's Requires-Dist against the pins.
    case check
    /// `sglang-forge plan`: the matrix and graph checks.
    case plan
}

/// The outcome of one validation step.
public struct CheckResult: Codable, Hashable, Sendable {
    /// The step.
    public var step: ValidationStep
    /// Whether it passed.
    public var passed: Bool
    /// A one-line summary, or the first errors.
    public var detail: String

    public init(step: ValidationStep, passed: Bool, detail: String) {
        self.step = step
        self.passed = passed
        self.detail = detail
    }
}

/// Where a proposal stands.
public enum ProposalStatus: String, Codable, Hashable, Sendable {
    /// Discovered and consistent; not yet validated or published.
    case ready
    /// Cannot be applied as discovered (an artifact could not be fetched, a coupled release has
    /// no installable wheel, …); ``Proposal/blockers`` says why.
    case blocked
    /// Needs another CUDA major: applied only with `--allow-cuda-major`.
    case needsCUDAMajor = "needs-allow-cuda-major"
    /// Re-lock, check or plan failed on the edited spec.
    case failedValidation = "failed-validation"
    /// Validated (and, when not a dry run, published).
    case validated
    /// A pull request for exactly these versions was closed by a person: not reopened.
    case closedByPerson = "closed-pr"
}

/// One version-bump proposal: the packages that must move together, as one branch and one PR.
public struct Proposal: Codable, Hashable, Sendable {
    /// Group name, also the branch suffix (`sglang`, `apache-tvm-ffi`, `flashinfer`, `nixpkgs`,
    /// `sglang-cuda13`).
    public var group: String
    /// Every change, the group's lead first, then by component name.
    public var changes: [PackageChange]
    /// The CUDA release change (`12.8` → `13.0`) of a breaking proposal.
    public var cuda: PackageChange?
    /// Waivers removed because nothing matches them any more.
    public var removedWaivers: [RemovedWaiver] = []
    /// Newer releases of the group's lead that were not proposed.
    public var heldBack: [HeldBack] = []
    /// Remarks a reviewer needs (renames, derived URLs, CUDA conflicts).
    public var notes: [String] = []
    /// Why it cannot be applied, when ``status`` is `blocked`.
    public var blockers: [String] = []
    /// Status.
    public var status: ProposalStatus = .ready
    /// Validation results (empty until validated).
    public var checks: [CheckResult] = []
    /// Which variants and backends' artifacts change.
    public var impact: RebuildImpact?
    /// The pull request, once published or found.
    public var pullRequest: String?

    /// `sglang-forge/bump-<group>`.
    public var branch: String { "sglang-forge/bump-\(group)" }

    /// The target versions, one `name==version` per change, sorted: two proposals with equal
    /// targets propose the same thing (used to recognise a PR a person closed).
    public var targets: String {
        (changes + (cuda.map { [$0] } ?? [])).map { "\($0.name)==\($0.new)" }.sorted().joined(separator: ",")
    }

    /// `Bump sglang 0.5.9 → 0.5.10.post1 (+3 coupled)`.
    public var title: String {
        guard let lead = changes.first else { return "Bump \(group)" }
        let others = changes.count - 1 + (cuda == nil ? 0 : 1)
        let name = lead.renamedTo.map { "\(lead.component) → \($0)" } ?? lead.component
        return "Bump \(name) \(lead.old) → \(lead.new)" + (others > 0 ? " (+\(others) coupled)" : "") + (cuda.map { ", CUDA \($0.old) → \($0.new)" } ?? "")
    }

    /// Whether the proposal may be applied (validated and published).
    public var isApplicable: Bool { status == .ready || status == .validated }
}

/// The rebuild impact of a proposal (which variants' artifacts change, per backend).
public struct RebuildImpact: Codable, Hashable, Sendable {
    /// Variants whose source builds (torch) rebuild.
    public var sourceRebuilds: [String]
    /// Variants whose wheel set or Python closure changes.
    public var wheelChanges: [String]
    /// Backends whose generated files change (`nix`, `container`, `tarball`).
    public var backends: [String]
    /// One line per reason (`torch is built from source in every variant`).
    public var reasons: [String]
}

/// A package that was looked at and produced no proposal, with the reason.
public struct SkippedPackage: Codable, Hashable, Sendable {
    /// The component (or `nixpkgs`).
    public var package: String
    /// `up to date (0.1.27 is the newest release)`, `cannot read the index: …`.
    public var reason: String
    /// Whether the reason is a failure to read a source (network), as opposed to nothing to do.
    public var isError: Bool
}

/// Which index view each project's releases came from.
public struct SourceReport: Codable, Hashable, Sendable {
    /// The project.
    public var project: String
    /// Which views were used.
    public var source: ListingSource
    /// How many files only the HTML view listed (a stale JSON page).
    public var onlyInHTML: Int
    /// How many files only the JSON view listed.
    public var onlyInJSON: Int
}

/// One wheel whose metadata was read.
public struct MetadataRead: Codable, Hashable, Sendable {
    /// The wheel's file name.
    public var filename: String
    /// Its size in bytes (PEP 700 `size`; `nil` when only the HTML page listed it).
    public var size: Int?
    /// How its METADATA was read.
    public var origin: RemoteMetadataOrigin
}

/// Everything one `bump` run found.
public struct BumpReport: Codable, Hashable, Sendable {
    /// The proposals, in a stable order (runtime group first, then by group name).
    public var proposals: [Proposal]
    /// Packages with nothing to propose, or that could not be read.
    public var skipped: [SkippedPackage]
    /// The index views read, by project.
    public var sources: [SourceReport]
    /// Bytes received over HTTP, and the number of responses.
    public var bytesDownloaded: Int
    /// HTTP responses received.
    public var responses: Int
    /// Every wheel whose metadata was read, sorted by file name.
    public var metadataReads: [MetadataRead] = []
    /// Failures to read or write (git, GitHub, files) while applying or publishing.
    public var errors: [String] = []

    /// Whether a proposal could not be applied: blocked, or failed validation.
    public var hasFailedProposals: Bool { proposals.contains { $0.status == .blocked || $0.status == .failedValidation } }
    /// Whether a source could not be read or an output written.
    public var hasIOErrors: Bool { !errors.isEmpty || skipped.contains(where: \.isError) }
}
