import Foundation
import Hashes
import PackageIndex
import Spec

/// What validating an edited spec found, and the files it produced.
public struct ValidationOutcome: Sendable {
    /// One result per step run (lock, check, plan).
    public var checks: [CheckResult]
    /// Files to commit with the spec (the new lock and Python closure), by path relative to the
    /// spec's directory.
    public var files: [String: [UInt8]]

    public init(checks: [CheckResult], files: [String: [UInt8]] = [:]) {
        self.checks = checks
        self.files = files
    }
}

/// Re-locks, checks and plans an edited spec (the closure rules of `sglang-forge lock`): the
/// boundary between discovery and the lock machinery. Called with the edited spec's bytes and
/// the proposal.
public typealias ProposalValidator = @Sendable (_ editedSpec: [UInt8], _ proposal: Proposal) async -> ValidationOutcome

/// One `sglang-forge bump` run: discover, then for each applicable proposal edit the spec,
/// validate the edit and (unless it is a dry run) publish it.
public struct BumpRun: Sendable {
    /// Discovery.
    public var proposer: Proposer
    /// The spec file's bytes as read.
    public var source: [UInt8]
    /// The spec's path as given (for messages).
    public var specPath: String
    /// Re-lock / check / plan; `nil`: not validated.
    public var validator: ProposalValidator?
    /// Publishing; `nil`: a dry run.
    public var publisher: Publisher?
    /// The spec's path relative to the repository root (`specs/main.yaml`), for the commit.
    public var specInRepository: String
    /// The NAR hash of a nixpkgs commit, for a nixpkgs proposal.
    public var nixpkgsHash: (@Sendable (String) async throws -> Digest)?
    /// Counts bytes received.
    public var meter: TransferMeter?

    public init(proposer: Proposer, source: [UInt8], specPath: String, validator: ProposalValidator?, publisher: Publisher?,
                specInRepository: String, nixpkgsHash: (@Sendable (String) async throws -> Digest)? = nil, meter: TransferMeter? = nil) {
        self.proposer = proposer
        self.source = source
        self.specPath = specPath
        self.validator = validator
        self.publisher = publisher
        self.specInRepository = specInRepository
        self.nixpkgsHash = nixpkgsHash
        self.meter = meter
    }

    /// The edited spec for one proposal.
    /// - Throws: ``SpecEditError``, or the nixpkgs hash function's error.
    public func edited(_ proposal: Proposal) async throws -> [UInt8] {
        var hash: Digest?
        if let change = proposal.changes.first(where: { $0.kind == .nixpkgs }), let nixpkgsHash {
            proposer.sources.progress("nixpkgs: fetching and hashing \(change.new.prefix(12))")
            hash = try await nixpkgsHash(change.new)
        }
        return try ProposalEdit.apply(to: source, path: specPath, proposal: proposal, nixpkgsHash: hash)
    }

    /// Runs everything; never throws (every failure is in the report).
    public func run() async -> BumpReport {
        var (proposals, skipped) = await proposer.run()
        var errors: [String] = []
        var base: [UInt8]?
        if let publisher {
            do {
                base = try publisher.base(file: specInRepository).bytes
                if base != source {
                    errors.append("\(specPath) differs from its version on '\(publisher.settings.baseBranch)'; commit it (or check out that branch) before publishing")
                }
            } catch {
                errors.append("\(error)")
            }
        }
        let directory = (specInRepository as NSString).deletingLastPathComponent
        for i in proposals.indices where proposals[i].isApplicable {
            let edited: [UInt8]
            do { edited = try await self.edited(proposals[i]) } catch {
                proposals[i].status = .failedValidation
                proposals[i].blockers.append("cannot edit the spec: \(error)")
                continue
            }
            var files = [specInRepository: edited]
            if let validator {
                proposer.sources.progress("\(proposals[i].group): re-locking, checking and planning the edited spec")
                let outcome = await validator(edited, proposals[i])
                proposals[i].checks = outcome.checks
                for (name, bytes) in outcome.files { files[directory.isEmpty ? name : directory + "/" + name] = bytes }
                if outcome.checks.contains(where: { !$0.passed }) {
                    proposals[i].status = .failedValidation
                    continue
                }
            }
            if validator != nil { proposals[i].status = .validated }
            guard let publisher, errors.isEmpty, base != nil else { continue }
            proposer.sources.progress("\(proposals[i].group): publishing \(proposals[i].branch)")
            do {
                switch try await publisher.publish(proposals[i], files: files, body: PullRequestBody.render(proposals[i])) {
                case .created(let url), .updated(let url): proposals[i].pullRequest = url
                case .closedByPerson(let url):
                    proposals[i].pullRequest = url
                    proposals[i].status = .closedByPerson
                }
            } catch {
                errors.append("\(proposals[i].branch): \(error)")
            }
        }
        let order = proposer.spec.runtime.component.value
        proposals.sort { a, b in
            let ka = (a.group == order ? 0 : a.group.hasPrefix(order + "-cuda") ? 1 : 2, a.group)
            let kb = (b.group == order ? 0 : b.group.hasPrefix(order + "-cuda") ? 1 : 2, b.group)
            return ka < kb
        }
        let traffic = meter?.snapshot ?? (bytes: 0, responses: 0)
        return BumpReport(proposals: proposals, skipped: skipped.sorted { $0.package < $1.package }, sources: await proposer.sources.catalog.sourceReports(),
                          bytesDownloaded: traffic.bytes, responses: traffic.responses,
                          metadataReads: await proposer.sources.catalog.metadataReads(), errors: errors)
    }
}
