import Hashes
import Spec

/// Turns a proposal into the spec's in-place edit (``ComponentBumpEdit``, ``NixpkgsPinEdit``).
public enum ProposalEdit {
    /// The edited spec.
    /// - Parameters:
    ///   - source: the spec file's bytes; `path`: its name for messages.
    ///   - proposal: what to change (a breaking proposal also sets `cuda.version`).
    ///   - nixpkgsHash: the NAR hash of the new nixpkgs commit, for a `nixpkgs` change.
    /// - Throws: ``SpecEditError`` (see ``ComponentBumpEdit/apply(to:path:bumps:removeWaivers:cudaVersion:)``),
    ///   or ``SpecEditError/structure(_:_:)`` when a URL-pinned change has no hash or a nixpkgs
    ///   change no `nixpkgsHash`.
    public static func apply(to source: [UInt8], path: String, proposal: Proposal, nixpkgsHash: Digest? = nil) throws(SpecEditError) -> [UInt8] {
        var bumps: [ComponentBump] = []
        var result = source
        for change in proposal.changes {
            switch change.kind {
            case .nixpkgs:
                guard let nixpkgsHash else { throw .structure("the nixpkgs change needs the new commit's NAR hash", nil) }
                result = try NixpkgsPinEdit.apply(to: result, path: path, rev: change.new, tarballHash: nixpkgsHash)
            case .cuda:
                continue
            case .urlWheel:
                guard let url = change.url, let hashText = change.hash, let digest = try? Digest(parsing: hashText) else {
                    throw .structure("\(change.component): the new artifact was not downloaded and hashed, so the change cannot be written", nil)
                }
                bumps.append(ComponentBump(name: change.component, newName: change.renamedTo, version: change.new, url: url, hash: digest))
            case .indexWheel, .source:
                var bump = ComponentBump(name: change.component, newName: change.renamedTo, version: change.new)
                if let url = change.url {
                    guard let hashText = change.hash, let digest = try? Digest(parsing: hashText) else {
                        throw .structure("\(change.component): the new source archive was not downloaded and hashed", nil)
                    }
                    bump.url = url
                    bump.hash = digest
                }
                bumps.append(bump)
            }
        }
        if bumps.isEmpty && proposal.removedWaivers.isEmpty && proposal.cuda == nil { return result }
        return try ComponentBumpEdit.apply(
            to: result, path: path, bumps: bumps,
            removeWaivers: proposal.removedWaivers.map { WaiverRemoval(component: $0.component, requirement: $0.requirement) },
            cudaVersion: proposal.cuda?.new)
    }
}
