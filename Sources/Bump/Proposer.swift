import Foundation
import Hashes
import Lock
import PackageIndex
import Packaging
import Spec

/// What the proposer needs from outside: the index, the metadata reader, and ways to fetch a
/// URL-pinned artifact and to read the nixpkgs branch head. Tests pass local stand-ins.
public struct BumpSources: Sendable {
    /// Releases and candidate metadata.
    public var catalog: ReleaseCatalog
    /// Downloads `url` and returns its SHA-256; throws when it cannot be fetched.
    public var fetchArtifact: @Sendable (String) async throws -> Digest
    /// The nixpkgs branch to follow and how to read its head commit (40 hex digits); `nil`: nixpkgs
    /// is not looked at.
    public var nixpkgsHead: (@Sendable () async throws -> (reference: String, commit: String))?
    /// One short status line per step.
    public var progress: @Sendable (String) -> Void

    public init(catalog: ReleaseCatalog, fetchArtifact: @escaping @Sendable (String) async throws -> Digest,
                nixpkgsHead: (@Sendable () async throws -> (reference: String, commit: String))? = nil,
                progress: @escaping @Sendable (String) -> Void = { _ in }) {
        self.catalog = catalog
        self.fetchArtifact = fetchArtifact
        self.nixpkgsHead = nixpkgsHead
        self.progress = progress
    }
}

/// Discovers version bumps for a spec: the runtime component with the components its candidate
/// release pins exactly (one coupled group), every other component on its own (or with its
/// family), and nixpkgs. See docs/bump.md for the rules.
///
/// Pure with respect to the spec: it reads the index and artifacts through ``BumpSources`` and
/// returns proposals; editing, validating and publishing are separate steps.
public struct Proposer: Sendable {
    /// The decoded spec.
    public var spec: Spec
    /// Its lock, when fresh or not (only the recorded Requires-Dist of unchanged wheels is used).
    public var lock: LockFile?
    /// Also propose releases that need another CUDA major (and bump `cuda.version`).
    public var allowCUDAMajor: Bool
    /// Where things come from.
    public var sources: BumpSources

    public init(spec: Spec, lock: LockFile?, allowCUDAMajor: Bool, sources: BumpSources) {
        self.spec = spec
        self.lock = lock
        self.allowCUDAMajor = allowCUDAMajor
        self.sources = sources
    }

    var defaultIndex: String { spec.lock.index?.value ?? LockSettings.defaultIndex }
    func index(of c: Component) -> String { c.index?.value ?? defaultIndex }
    var cudaMajor: Int { Int(spec.cuda.version.value.split(separator: ".").first ?? "") ?? 0 }
    var environment: MarkerEnvironment { MarkerEnvironment.linuxCPython(sources.catalog.resolver.chooser.target) }

    /// Runs discovery for every component and nixpkgs.
    /// - Returns: proposals and skipped packages; bytes are filled in by the caller.
    public func run() async -> (proposals: [Proposal], skipped: [SkippedPackage]) {
        var proposals: [Proposal] = []
        var skipped: [SkippedPackage] = []
        var current: [String: RequirementFacts] = [:]
        var currentRaw: [String: [String]] = [:]
        for c in spec.components {
            if let raw = lock?.artifact(of: c.name.value)?.requiresDist, lock?.artifact(of: c.name.value)?.version == c.version.value {
                currentRaw[c.name.value] = raw
                current[c.name.value] = RequirementFacts(raw, environment: environment)
            }
        }
        let runtimeName = spec.runtime.component.value
        var moved = Set<String>()
        var coupled = Set<String>()
        if let runtime = spec.components.first(where: { $0.name.value == runtimeName }) {
            if current[runtimeName] == nil, let version = PEP440Version(runtime.version.value),
               case .success(let candidate) = await sources.catalog.candidate(project: runtime.name.value, version: version, index: index(of: runtime))
            {
                current[runtimeName] = candidate.facts
                currentRaw[runtimeName] = candidate.requiresDist
            }
            let runtimeFacts = current[runtimeName] ?? RequirementFacts([], environment: environment)
            for c in spec.components where c.name.value != runtimeName && runtimeFacts.exactPin(of: c.name.value) != nil {
                coupled.insert(c.name.value)
                if let family = c.family?.value {
                    for member in spec.components where member.family?.value == family { coupled.insert(member.name.value) }
                }
            }
            let group = RuntimeGroup(proposer: self, runtime: runtime, current: current, currentRaw: currentRaw)
            let (found, skip) = await group.propose()
            proposals += found
            skipped += skip
            for p in found where p.isApplicable || p.status == .blocked { moved.formUnion(p.changes.map(\.component)) }
        }
        var families = Set<String>()
        for c in spec.components where c.name.value != runtimeName {
            if let family = c.family?.value {
                if families.contains(family) { continue }
                families.insert(family)
            }
            let members = c.family.map { f in spec.components.filter { $0.family?.value == f.value } } ?? [c]
            let names = members.map(\.name.value)
            if names.contains(where: moved.contains) {
                skipped.append(SkippedPackage(package: names.joined(separator: ", "), reason: "moves with the \(runtimeName) group", isError: false))
                continue
            }
            let single = SingleGroup(proposer: self, members: members, coupledToRuntime: !coupled.isDisjoint(with: names), current: current, currentRaw: currentRaw)
            let (proposal, skip) = await single.propose()
            if let proposal { proposals.append(proposal) }
            skipped += skip
        }
        if let head = sources.nixpkgsHead {
            sources.progress("nixpkgs: listing the branch head")
            do {
                let (reference, commit) = try await head()
                if commit != spec.nixpkgs.rev.value {
                    var p = Proposal(group: "nixpkgs", changes: [PackageChange(
                        component: "nixpkgs", renamedTo: nil, old: spec.nixpkgs.rev.value, new: commit, uploaded: nil, kind: .nixpkgs,
                        url: nil, hash: nil, because: "\(reference) moved")])
                    p.notes.append("the new narHash is computed from the commit's tree when the proposal is applied (as `sglang-forge pin nixpkgs` does)")
                    proposals.append(p)
                } else {
                    skipped.append(SkippedPackage(package: "nixpkgs", reason: "up to date with \(reference)", isError: false))
                }
            } catch {
                skipped.append(SkippedPackage(package: "nixpkgs", reason: "cannot read the branch head: \(error)", isError: true))
            }
        }
        let impact = RebuildImpactCalculator(spec: spec)
        for i in proposals.indices { proposals[i].impact = impact.impact(of: proposals[i]) }
        return (proposals, skipped)
    }

    /// The removed waivers of `component` whose requirement no `requiresDist` line matches
    /// (same PEP 503 name, same specifier set).
    func staleWaivers(of component: Component, requiresDist: [String]) -> [RemovedWaiver] {
        let lines = requiresDist.compactMap { try? Requirement(parsing: $0) }
        return component.waivers.compactMap { waiver in
            guard let wanted = try? Requirement(parsing: waiver.requirement.value) else { return nil }
            let matches = lines.contains { $0.normalizedName == wanted.normalizedName && $0.specifier.description == wanted.specifier.description }
            return matches ? nil : RemovedWaiver(component: component.name.value, requirement: waiver.requirement.value)
        }
    }
}

/// The runtime component and what its candidate releases pin.
struct RuntimeGroup {
    let proposer: Proposer
    let runtime: Component
    let current: [String: RequirementFacts]
    let currentRaw: [String: [String]]

    var catalog: ReleaseCatalog { proposer.sources.catalog }
    var name: String { runtime.name.value }

    func propose() async -> ([Proposal], [SkippedPackage]) {
        guard let version = PEP440Version(runtime.version.value) else {
            return ([], [SkippedPackage(package: name, reason: "'\(runtime.version.value)' is not a PEP 440 version", isError: false)])
        }
        let list: ReleaseList
        switch await catalog.releases(of: name, index: proposer.index(of: runtime)) {
        case .success(let value): list = value
        case .failure(let error): return ([], [SkippedPackage(package: name, reason: "cannot read the index: \(error)", isError: true)])
        }
        let newer = list.newer(than: version)
        guard !newer.isEmpty else {
            return ([], [SkippedPackage(package: name, reason: "up to date (\(version) is the newest release)", isError: false)])
        }
        await catalog.prefetch(project: name, versions: newer.filter { list.yankedReasons($0) == nil }, index: proposer.index(of: runtime))
        var held: [HeldBack] = []
        var breaking: (Proposal, PEP440Version)?
        var compatible: Proposal?
        for candidateVersion in newer {
            if let reasons = list.yankedReasons(candidateVersion) {
                held.append(HeldBack(package: name, version: candidateVersion.description, reason: "yanked (PEP 592)" + Self.reasonText(reasons)))
                continue
            }
            proposer.sources.progress("\(name) \(candidateVersion): reading its requirements")
            let candidate: Candidate
            switch await catalog.candidate(project: name, version: candidateVersion, index: proposer.index(of: runtime)) {
            case .success(let value): candidate = value
            case .failure(let error):
                held.append(HeldBack(package: name, version: candidateVersion.description, reason: "\(error)"))
                continue
            }
            var draft = await draft(candidate, uploaded: list.uploaded(candidateVersion))
            if draft.cudaConflicts.isEmpty {
                draft.proposal.heldBack = held
                compatible = draft.proposal
                break
            }
            let majors = Set(draft.cudaConflicts.map(\.major)).sorted().map(String.init).joined(separator: "/")
            let why = draft.cudaConflicts.prefix(4).map { $0.requirement }.joined(separator: ", ")
            held.append(HeldBack(package: name, version: candidateVersion.description, reason: "needs CUDA \(majors) (\(why)); the spec has CUDA \(proposer.spec.cuda.version.value)"))
            if breaking == nil {
                breaking = (draft.proposal, candidateVersion)
                let newMajor = draft.cudaConflicts.map(\.major).max() ?? proposer.cudaMajor
                breaking!.0.group = "\(name)-cuda\(newMajor)"
                breaking!.0.cuda = PackageChange(
                    component: "cuda", renamedTo: nil, old: proposer.spec.cuda.version.value, new: "\(newMajor).0", uploaded: nil, kind: .cuda,
                    url: nil, hash: nil, because: why)
                breaking!.0.notes.append("needs CUDA \(newMajor): \(why)")
                breaking!.0.notes.append("a CUDA major change also needs `container.base-image`, the `-cu\(proposer.cudaMajor)` system-library wheels and `tarball.libraries` moved by hand; review before merging")
                if !proposer.allowCUDAMajor {
                    breaking!.0.status = .needsCUDAMajor
                    breaking!.0.blockers.append("needs another CUDA major; run `sglang-forge bump --allow-cuda-major` to apply it")
                }
            }
        }
        var proposals: [Proposal] = []
        if var compatible {
            if let breaking { compatible.notes.append("newer releases need another CUDA major: see the \(breaking.0.group) proposal") }
            proposals.append(compatible)
        }
        if var breaking = breaking?.0 {
            breaking.heldBack = held.filter { (PEP440Version($0.version) ?? PEP440Version("0")!) > (PEP440Version(breaking.changes[0].new) ?? PEP440Version("0")!) }
            proposals.append(breaking)
        }
        var skipped: [SkippedPackage] = []
        if proposals.isEmpty {
            skipped.append(SkippedPackage(package: name, reason: "no newer release installs on the target: " + held.map { "\($0.version): \($0.reason)" }.joined(separator: "; "), isError: false))
        }
        return (proposals, skipped)
    }

    static func reasonText(_ reasons: [String]) -> String {
        let given = reasons.filter { !$0.isEmpty }
        return given.isEmpty ? "" : ": " + given.joined(separator: "; ")
    }

    struct Draft {
        var proposal: Proposal
        var cudaConflicts: [CUDANeed.Evidence]
    }

    /// The group a candidate release of the runtime implies.
    func draft(_ candidate: Candidate, uploaded: String?) async -> Draft {
        let spec = proposer.spec
        let facts = candidate.facts
        let oldFacts = current[name] ?? RequirementFacts([], environment: proposer.environment)
        var proposal = Proposal(group: name, changes: [PackageChange(
            component: name, renamedTo: nil, old: runtime.version.value, new: candidate.version.description, uploaded: uploaded,
            kind: .indexWheel, url: nil, hash: nil, because: "newest release that installs on the target")])
        var conflicts = CUDANeed(facts).conflicts(withMajor: proposer.cudaMajor)
        var newRaw: [String: [String]] = [name: candidate.requiresDist]
        let by = "\(name) \(candidate.version)"

        // Exact pins of other components, and components the release no longer requires.
        var targets: [String: (version: String, because: String, newName: String?)] = [:]
        var dropped: [Component] = []
        for c in spec.components where c.name.value != name {
            if let (version, requirement) = facts.exactPin(of: c.name.value) {
                if version.description != c.version.value && version != PEP440Version(c.version.value) {
                    targets[c.name.value] = (version.description, "pinned by \(by) (\(requirement))", nil)
                }
            } else if !facts.mentions(c.name.value) && oldFacts.exactPin(of: c.name.value) != nil {
                // A family member the release stops pinning still follows a pinned sibling.
                let siblingPinned = c.family.map { f in spec.components.contains { $0.family?.value == f.value && facts.exactPin(of: $0.name.value) != nil } } ?? false
                if !siblingPinned { dropped.append(c) }
            }
        }
        // Renames: a dropped component whose place a newly pinned distribution takes.
        let componentNames = Set(spec.components.map { MarkerEnvironment.normalizeName($0.name.value) })
        var fresh = facts.byName.keys.filter { !componentNames.contains($0) && !oldFacts.mentions($0) && facts.exactPin(of: $0) != nil }.sorted()
        for c in dropped {
            guard let partner = Renames.partner(of: c.name.value, among: fresh), let (version, requirement) = facts.exactPin(of: partner) else {
                proposal.notes.append("\(by) no longer requires \(c.name.value); it stays in the spec")
                continue
            }
            fresh.removeAll { $0 == partner }
            let newName = requirement.name.replacingOccurrences(of: "_", with: "-")
            targets[c.name.value] = (version.description, "\(by) no longer requires \(c.name.value) and pins \(requirement) instead: renamed", MarkerEnvironment.normalizeName(newName))
            proposal.notes.append("\(c.name.value) was renamed \(MarkerEnvironment.normalizeName(newName)) upstream: the component key and every `depends` entry are renamed; check its `import-name`")
        }
        // Families move together: every member takes the pinned member's public version.
        for family in Set(spec.components.compactMap { $0.family?.value }).sorted() {
            let members = spec.components.filter { $0.family?.value == family }
            let moving = members.compactMap { targets[$0.name.value].flatMap { PEP440Version($0.version)?.publicVersion } }
            guard let publicVersion = moving.first else { continue }
            if Set(moving).count > 1 {
                proposal.blockers.append("\(by) pins the \(family) family at different versions: " + members.compactMap { m in targets[m.name.value].map { "\(m.name.value) \($0.version)" } }.joined(separator: ", "))
            }
            for m in members where targets[m.name.value] == nil {
                let local = PEP440Version(m.version.value)?.local ?? []
                let version = publicVersion.description + (local.isEmpty ? "" : "+" + local.map(\.description).joined(separator: "."))
                if version != m.version.value { targets[m.name.value] = (version, "the \(family) family moves to \(publicVersion) together", nil) }
            }
        }
        // Each moving component: check the release exists and installs, read its requirements.
        for c in spec.components where targets[c.name.value] != nil {
            let target = targets[c.name.value]!
            var change = PackageChange(component: c.name.value, renamedTo: target.newName, old: c.version.value, new: target.version, uploaded: nil,
                                       kind: c.kind.value == .source ? .source : (c.url != nil ? .urlWheel : .indexWheel), url: nil, hash: nil, because: target.because)
            let project = target.newName ?? c.name.value
            let version = PEP440Version(target.version)
            if let url = c.url {
                await derive(url: url.value, hash: c.hash, component: c, change: &change, blockers: &proposal.blockers, notes: &proposal.notes)
                if c.kind.value == .source, let version, case .success(let list) = await catalog.releases(of: project, index: proposer.index(of: c)) {
                    change.uploaded = list.uploaded(version)
                }
            } else if let version {
                switch await catalog.releases(of: project, index: proposer.index(of: c)) {
                case .success(let list):
                    change.uploaded = list.uploaded(version)
                    if list.files[version] == nil {
                        proposal.blockers.append("\(project) \(version) is not on \(proposer.index(of: c)) (\(target.because))")
                    } else if c.kind.value == .wheel {
                        switch await catalog.candidate(project: project, version: version, index: proposer.index(of: c)) {
                        case .success(let member):
                            newRaw[c.name.value] = member.requiresDist
                            conflicts += CUDANeed(member.facts).conflicts(withMajor: proposer.cudaMajor)
                        case .failure(let error):
                            proposal.blockers.append("\(project) \(version): \(error)")
                        }
                    }
                case .failure(let error):
                    proposal.blockers.append("cannot read the index page of \(project): \(error)")
                }
            }
            proposal.changes.append(change)
        }
        proposal.changes = [proposal.changes[0]] + proposal.changes.dropFirst().sorted { $0.component < $1.component }
        for change in proposal.changes where change.kind == .source {
            proposal.notes.append("\(change.component) is built from source: re-check its `build-requires` against the new release's pyproject.toml")
        }
        // Every requirement of the new set on a component that does not move must still hold.
        let newVersions = Dictionary(uniqueKeysWithValues: spec.components.map { c in
            (c.name.value, targets[c.name.value].map(\.version) ?? c.version.value)
        })
        for (owner, raw) in newRaw.sorted(by: { $0.key < $1.key }) {
            let ownerFacts = RequirementFacts(raw, environment: proposer.environment)
            let ownerComponent = spec.components.first { $0.name.value == owner }
            for c in spec.components where c.name.value != owner && c.kind.value == .wheel {
                let project = targets[c.name.value]?.newName ?? c.name.value
                guard let version = PEP440Version(newVersions[c.name.value] ?? "") else { continue }
                let bad = ownerFacts.violations(project, version).filter { requirement in
                    !(ownerComponent?.waivers.contains { (try? Requirement(parsing: $0.requirement.value))?.description == requirement.description } ?? false)
                }
                if !bad.isEmpty {
                    proposal.blockers.append("\(owner) \(newVersions[owner] ?? "") requires \(bad.map(\.description).joined(separator: ", ")), but \(project) would be \(version)")
                }
            }
        }
        // Waivers nothing matches any more.
        for c in spec.components where !c.waivers.isEmpty {
            guard let raw = newRaw[c.name.value] ?? currentRaw[c.name.value] else { continue }
            proposal.removedWaivers += proposer.staleWaivers(of: c, requiresDist: raw)
        }
        if !proposal.blockers.isEmpty { proposal.status = .blocked }
        let unique = Dictionary(conflicts.map { ($0.requirement, $0) }, uniquingKeysWith: { a, _ in a }).values.sorted { ($0.major, $0.requirement) < ($1.major, $1.requirement) }
        return Draft(proposal: proposal, cudaConflicts: unique)
    }

    /// Derives, downloads and hashes the new URL of a URL-pinned component.
    func derive(url: String, hash: Located<Digest>?, component c: Component, change: inout PackageChange, blockers: inout [String], notes: inout [String]) async {
        guard let newURL = URLPattern.derive(oldURL: url, oldVersion: c.version.value, newVersion: change.new) else {
            blockers.append("\(c.name.value): the URL \(url) does not contain its version \(c.version.value), so the new URL cannot be derived; update 'url' and 'hash' by hand")
            return
        }
        change.url = newURL
        _ = hash
        notes.append("\(c.name.value): URL derived from the old one's pattern: \(newURL)")
        proposer.sources.progress("\(c.name.value): downloading \(newURL)")
        do {
            let digest = try await proposer.sources.fetchArtifact(newURL)
            change.hash = "sha256:" + digest.hex
        } catch {
            blockers.append("\(c.name.value) \(change.new): cannot download \(newURL) to hash it: \(error)")
        }
    }
}
