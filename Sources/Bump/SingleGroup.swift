import Lock
import PackageIndex
import Packaging
import Spec

/// A component that is not the runtime, with its family (which must share one public version):
/// the newest release that every other component's current requirements admit.
struct SingleGroup {
    let proposer: Proposer
    /// The component, or every member of its family (the first one with an index is the lead).
    let members: [Component]
    /// Whether the runtime's current release pins one of them exactly.
    let coupledToRuntime: Bool
    let current: [String: RequirementFacts]
    let currentRaw: [String: [String]]

    var catalog: ReleaseCatalog { proposer.sources.catalog }

    func propose() async -> (Proposal?, [SkippedPackage]) {
        let names = members.map(\.name.value)
        let groupName = members.first?.family?.value ?? names[0]
        guard let lead = members.first(where: { $0.url == nil || $0.kind.value == .source }) else {
            return (nil, [SkippedPackage(package: names.joined(separator: ", "), reason: "pinned by URL; moves only with a coupled release (its new URL is derived then)", isError: false)])
        }
        guard let version = PEP440Version(lead.version.value) else {
            return (nil, [SkippedPackage(package: lead.name.value, reason: "'\(lead.version.value)' is not a PEP 440 version", isError: false)])
        }
        let list: ReleaseList
        switch await catalog.releases(of: lead.name.value, index: proposer.index(of: lead)) {
        case .success(let value): list = value
        case .failure(let error): return (nil, [SkippedPackage(package: lead.name.value, reason: "cannot read the index: \(error)", isError: true)])
        }
        let newer = list.newer(than: version.publicVersion).filter { $0.publicVersion > version.publicVersion }
        guard !newer.isEmpty else {
            return (nil, [SkippedPackage(package: groupName, reason: "up to date (\(lead.version.value) is the newest release)", isError: false)])
        }
        var held: [HeldBack] = []
        for candidate in newer {
            let text = candidate.description
            // Constraints of every other component's current requirements (waived ones excepted).
            var blocked: [String] = []
            for other in proposer.spec.components where !names.contains(other.name.value) {
                guard let facts = current[other.name.value] else { continue }
                for member in members {
                    let memberVersion = PEP440Version(memberTarget(member, candidate)) ?? candidate
                    let bad = facts.violations(member.name.value, memberVersion).filter { requirement in
                        !other.waivers.contains { (try? Requirement(parsing: $0.requirement.value))?.description == requirement.description }
                    }
                    if !bad.isEmpty { blocked.append("\(other.name.value) \(other.version.value) requires \(bad.map(\.description).joined(separator: ", "))") }
                }
            }
            if !blocked.isEmpty {
                held.append(HeldBack(package: lead.name.value, version: text, reason: Array(Set(blocked)).sorted().joined(separator: "; ") + (coupledToRuntime ? " (it moves with \(proposer.spec.runtime.component.value))" : "")))
                continue
            }
            if let reasons = list.yankedReasons(candidate) {
                held.append(HeldBack(package: lead.name.value, version: text, reason: "yanked (PEP 592)" + RuntimeGroup.reasonText(reasons)))
                continue
            }
            var proposal = Proposal(group: groupName, changes: [])
            var conflicts: [CUDANeed.Evidence] = []
            var newRaw: [String: [String]] = [:]
            var failed: String?
            for member in members {
                let target = memberTarget(member, candidate)
                var change = PackageChange(component: member.name.value, renamedTo: nil, old: member.version.value, new: target, uploaded: nil,
                                           kind: member.kind.value == .source ? .source : (member.url != nil ? .urlWheel : .indexWheel), url: nil, hash: nil,
                                           because: member.name.value == lead.name.value ? "newest release the other components admit" : "the \(groupName) family moves together")
                if member.url != nil && member.name.value != lead.name.value || member.url != nil && member.kind.value == .source {
                    await RuntimeGroup(proposer: proposer, runtime: member, current: current, currentRaw: currentRaw)
                        .derive(url: member.url!.value, hash: member.hash, component: member, change: &change, blockers: &proposal.blockers, notes: &proposal.notes)
                } else if let v = PEP440Version(target) {
                    let memberList: Result<ReleaseList, IndexError>
                    if member.name.value == lead.name.value { memberList = .success(list) } else {
                        memberList = await catalog.releases(of: member.name.value, index: proposer.index(of: member))
                    }
                    switch memberList {
                    case .success(let l):
                        change.uploaded = l.uploaded(v)
                        if l.files[v] == nil { failed = "\(member.name.value) has no release \(v)" }
                    case .failure(let error): failed = "cannot read the index page of \(member.name.value): \(error)"
                    }
                    if failed == nil, member.kind.value == .wheel {
                        switch await catalog.candidate(project: member.name.value, version: v, index: proposer.index(of: member)) {
                        case .success(let c):
                            newRaw[member.name.value] = c.requiresDist
                            conflicts += CUDANeed(c.facts).conflicts(withMajor: proposer.cudaMajor)
                        case .failure(let error): failed = "\(error)"
                        }
                    }
                }
                proposal.changes.append(change)
            }
            if let failed {
                held.append(HeldBack(package: lead.name.value, version: text, reason: failed))
                continue
            }
            if !conflicts.isEmpty {
                let majors = Set(conflicts.map(\.major)).sorted().map(String.init).joined(separator: "/")
                held.append(HeldBack(package: lead.name.value, version: text, reason: "needs CUDA \(majors) (\(Set(conflicts.map(\.requirement)).sorted().prefix(4).joined(separator: ", "))); the spec has CUDA \(proposer.spec.cuda.version.value)"))
                continue
            }
            if members.contains(where: { $0.kind.value == .source }) {
                proposal.notes.append("built from source: the release's own build requirements (CUDA, compilers) are not read from the index; the re-lock and the builds check them")
            }
            for member in members where !member.waivers.isEmpty {
                if let raw = newRaw[member.name.value] { proposal.removedWaivers += proposer.staleWaivers(of: member, requiresDist: raw) }
            }
            proposal.heldBack = held
            if !proposal.blockers.isEmpty { proposal.status = .blocked }
            proposal.changes = [proposal.changes.first { $0.component == lead.name.value }!] + proposal.changes.filter { $0.component != lead.name.value }
            return (proposal, [])
        }
        return (nil, [SkippedPackage(package: groupName, reason: "no newer release can be proposed: " + Self.summary(held), isError: false)])
    }

    /// Held-back releases grouped by reason: `2.15.0, 2.14.1: sglang 0.5.9 requires torch==2.9.1`.
    static func summary(_ held: [HeldBack]) -> String {
        var order: [String] = []
        var versions: [String: [String]] = [:]
        for h in held {
            if versions[h.reason] == nil { order.append(h.reason) }
            versions[h.reason, default: []].append(h.version)
        }
        return order.map { "\(versions[$0]!.joined(separator: ", ")): \($0)" }.joined(separator: "; ")
    }

    /// A member's version for the lead's `candidate`: the same public version, keeping the
    /// member's local label (`0.6.5+cu128` → `0.6.7+cu128`).
    func memberTarget(_ member: Component, _ candidate: PEP440Version) -> String {
        let local = PEP440Version(member.version.value)?.local ?? []
        return candidate.publicVersion.description + (local.isEmpty ? "" : "+" + local.map(\.description).joined(separator: "."))
    }
}
