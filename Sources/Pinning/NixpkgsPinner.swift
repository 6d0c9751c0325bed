import Foundation
import Git
import Hashes

/// What pinning nixpkgs to one commit yields: everything a flake.lock `github` node needs
/// besides owner and repo, ready for the lock file to record.
public struct NixpkgsPinResult: Hashable, Sendable {
    /// The commit (40 hex digits).
    public var rev: ObjectID
    /// SHA-256 NAR hash of the commit's tree as GitHub's tarball unpacks it (flake.lock
    /// `narHash`; print with ``Digest/sri``, or ``Digest/nixBase32`` for `fetchTarball`).
    public var narHash: Digest
    /// Size of that NAR in bytes (Nix's `narSize`).
    public var narSize: Int
    /// The commit's committer time, seconds since the Unix epoch (flake.lock `lastModified`).
    public var lastModified: Int64
    /// The remote reference `rev` was resolved from (`refs/heads/nixos-unstable`), if any.
    public var reference: String?
}

/// Resolves, fetches and hashes nixpkgs commits through a ``GitCache``.
public struct NixpkgsPinner {
    /// The remote to read from: `https://github.com/OWNER/REPO.git`, or a local path or
    /// `file://` URL (tests, mirrors).
    public var url: String
    /// Where fetched objects are kept between runs.
    public var cache: GitCache
    /// Transfer progress of a fetch; return `false` to cancel.
    public var progress: ((TransferProgress) -> Bool)?
    /// Called when another run holds the cache's lock, before waiting for it.
    public var waiting: (() -> Void)?

    /// Reads from `url` into `cache`.
    public init(url: String, cache: GitCache) {
        self.url = url
        self.cache = cache
    }

    /// The GitHub URL of a repository: `https://github.com/OWNER/REPO.git`.
    public static func gitHubURL(owner: String, repo: String) -> String {
        "https://github.com/\(owner)/\(repo).git"
    }

    /// Resolves a branch or tag name to a commit by listing the remote's references (no object
    /// is downloaded: this is also how to check whether a branch has moved).
    /// - Returns: the matching reference (its ``RemoteReference/commit`` is the commit).
    /// - Throws: ``PinError/unknownReference(_:url:candidates:)`` when the remote has no such
    ///   reference; ``GitError`` when the remote cannot be listed.
    public func resolve(reference name: String) throws -> RemoteReference {
        let references = try Remote.listReferences(url: url)
        if let found = Remote.resolve(name, in: references) { return found }
        let short = references.map(\.name).filter { $0.hasPrefix("refs/heads/") || $0.hasPrefix("refs/tags/") }
        let close = short.filter { $0.lowercased().contains(name.lowercased()) }.prefix(5)
        throw PinError.unknownReference(name, url: url, candidates: Array(close))
    }

    /// Makes sure `rev` is in the cache (fetching it, through `reference` when given, only when
    /// it is not), then reads its commit time and hashes its tree from the object database.
    /// - Throws: ``GitError``, ``GitCacheError``, or ``TreeArchiveError`` for a tree whose
    ///   tarball cannot be reproduced.
    public func pin(rev: ObjectID, reference: String? = nil) throws -> NixpkgsPinResult {
        try cache.ensure(commit: rev, from: url, reference: reference, progress: progress, waiting: waiting)
        return try cache.withRepository(for: url, waiting: waiting) { repository in
            let commit = try repository.commit(rev)
            let (digest, size) = try TreeArchive(repository: repository, commit: rev).narHash()
            return NixpkgsPinResult(rev: rev, narHash: digest, narSize: size, lastModified: commit.committerTime, reference: reference)
        }
    }
}

/// Problems pinning that are the user's to fix.
public enum PinError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The remote advertises no reference by that name.
    case unknownReference(String, url: String, candidates: [String])

    public var description: String {
        switch self {
        case .unknownReference(let name, let url, let candidates):
            "'\(name)' is neither a branch nor a tag of \(url)"
                + (candidates.isEmpty ? "" : "; similar: \(candidates.joined(separator: ", "))")
        }
    }
}
