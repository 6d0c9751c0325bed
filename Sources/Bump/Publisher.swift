import Foundation
import Git
import GitHubAPI

/// Where and as whom proposals are published.
public struct PublishSettings: Sendable {
    /// The repository holding the spec (a work tree or a git directory).
    public var repositoryPath: String
    /// The branch proposals are based on and PRs target (`main`).
    public var baseBranch: String
    /// The remote to push to: a configured remote's name (`origin`) or a URL / path.
    public var remote: String
    /// The GitHub repository, `owner` and `name`.
    public var owner: String, repo: String
    /// Token for the push (https) and the API.
    public var token: String?
    /// Author and committer of the bump commits.
    public var author: Signature

    public init(repositoryPath: String, baseBranch: String, remote: String, owner: String, repo: String, token: String?, author: Signature) {
        self.repositoryPath = repositoryPath
        self.baseBranch = baseBranch
        self.remote = remote
        self.owner = owner
        self.repo = repo
        self.token = token
        self.author = author
    }
}

/// What publishing one proposal did.
public enum PublishOutcome: Hashable, Sendable {
    /// A new PR was opened.
    case created(url: String)
    /// The branch was force-pushed and the open PR's title and body replaced.
    case updated(url: String)
    /// A PR for the same target versions was closed without merging: nothing was pushed.
    case closedByPerson(url: String)
}

/// Why publishing failed.
public enum PublishError: Error, Sendable, CustomStringConvertible {
    /// A git operation failed.
    case git(String)
    /// A GitHub API call failed.
    case github(GitHubError)
    /// The base branch does not exist.
    case noBaseBranch(String)

    public var description: String {
        switch self {
        case .git(let message): "git: \(message)"
        case .github(let error): "GitHub API: \(error)"
        case .noBaseBranch(let name): "the repository has no branch '\(name)'"
        }
    }
}

/// Publishes proposals as one branch and one pull request each: commits the edited files onto
/// the base branch (without touching the work tree), force-pushes `sglang-forge/bump-<group>`,
/// and opens a PR — or updates the open one, or leaves alone a PR a person closed for the same
/// target versions.
public struct Publisher: Sendable {
    /// The GitHub API client.
    public var github: GitHubClient
    /// Where and as whom.
    public var settings: PublishSettings

    public init(github: GitHubClient, settings: PublishSettings) {
        self.github = github
        self.settings = settings
    }

    /// The base branch's commit, and the contents of `path` in it.
    /// - Throws: ``PublishError``.
    public func base(file path: String) throws(PublishError) -> (commit: ObjectID, bytes: [UInt8]?) {
        do {
            let repository = try Repository.open(path: settings.repositoryPath)
            guard let commit = try repository.resolveReference("refs/heads/\(settings.baseBranch)") else { throw PublishError.noBaseBranch(settings.baseBranch) }
            return (commit, try repository.file(at: path, in: commit))
        } catch let error as PublishError {
            throw error
        } catch {
            throw .git("\(error)")
        }
    }

    /// Publishes `proposal` with `files` (paths relative to the repository root → contents).
    /// - Throws: ``PublishError``.
    public func publish(_ proposal: Proposal, files: [String: [UInt8]], body: String) async throws(PublishError) -> PublishOutcome {
        let pulls: [PullRequest]
        do { pulls = try await github.pulls(owner: settings.owner, repo: settings.repo, branch: proposal.branch) } catch { throw .github(error) }
        let open = pulls.first { $0.state == "open" }
        if open == nil, let closed = pulls.first(where: { $0.closedUnmerged && PullRequestBody.targets(in: $0.body ?? "") == proposal.targets }) {
            return .closedByPerson(url: closed.htmlURL ?? "#\(closed.number)")
        }
        do {
            let repository = try Repository.open(path: settings.repositoryPath)
            guard let base = try repository.resolveReference("refs/heads/\(settings.baseBranch)") else { throw PublishError.noBaseBranch(settings.baseBranch) }
            let reference = "refs/heads/\(proposal.branch)"
            var commit = try repository.createCommit(replacing: files, onto: base, message: PullRequestBody.commitMessage(proposal), author: settings.author)
            // Re-running with nothing new keeps the branch's commit (same tree, parent, message).
            if let existing = try repository.resolveReference(reference), existing != commit {
                let old = try repository.content(of: existing), new = try repository.content(of: commit)
                if old.tree == new.tree && old.parents == new.parents && old.message == new.message { commit = existing }
            }
            try repository.setReference(reference, to: commit, message: "sglang-forge bump: \(proposal.group)")
            try repository.push(remote: settings.remote, refspecs: ["+\(reference):\(reference)"], token: settings.token)
        } catch let error as PublishError {
            throw error
        } catch {
            throw .git("\(error)")
        }
        do {
            if let open {
                let updated = try await github.updatePull(owner: settings.owner, repo: settings.repo, number: open.number, title: proposal.title, body: body)
                return .updated(url: updated.htmlURL ?? "#\(updated.number)")
            }
            let created = try await github.createPull(owner: settings.owner, repo: settings.repo, title: proposal.title, branch: proposal.branch,
                                                      base: settings.baseBranch, body: body)
            return .created(url: created.htmlURL ?? "#\(created.number)")
        } catch {
            throw .github(error)
        }
    }
}
