internal import CGit2
internal import Crypto
import Foundation
import Hashes

/// A directory of bare repositories, one per remote URL, that fetches reuse and extend.
///
/// Layout (documented in docs/pin.md): `ROOT/<slug>-<hash>.git` is a bare repository for one
/// remote, where `<slug>` is the URL with its scheme dropped and every character outside
/// `[A-Za-z0-9._-]` replaced by `_` (at most 64 characters) and `<hash>` the first 16 hex
/// digits of the SHA-256 of the normalised URL (so distinct URLs never share a repository);
/// `ROOT/<slug>-<hash>.lock` is its lock file. Inside the repository, every commit fetched for
/// a pin is kept alive by `refs/sglang-forge/pins/<id>` (these refs are also what makes the next
/// fetch incremental: libgit2 tells the remote it has them), and a fetch lands first in the
/// temporary ref `refs/sglang-forge/incoming`.
///
/// Safety: every operation on a repository holds an exclusive `flock(2)` on its lock file, so two
/// runs racing on one remote take turns; the kernel drops the lock when a process dies, so an
/// interrupted run never leaves a stale lock. A new repository is created under a temporary
/// name and renamed into place. libgit2 writes fetched packs to temporary files and renames them
/// only when complete, and the pin ref is written only after the commit is verified present, so
/// an interrupted fetch leaves at worst an unreferenced temporary file and a stale `incoming`
/// ref, both overwritten by the next fetch.
public struct GitCache: Sendable {
    /// The directory holding the repositories.
    public let root: String

    /// Uses `root` (created when needed).
    public init(root: String) { self.root = root }

    /// `$XDG_CACHE_HOME/sglang-forge/git`, or `$HOME/.cache/sglang-forge/git` when
    /// `XDG_CACHE_HOME` is unset, empty or relative (the XDG Base Directory Specification says a
    /// relative value is to be ignored).
    public static func defaultRoot(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
            return xdg + "/sglang-forge/git"
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.cache/sglang-forge/git"
    }

    /// The URL as the cache keys it: local paths (with or without `file://`) become absolute,
    /// standardised paths prefixed with `file://`; other URLs are kept as written, minus one
    /// trailing `/`.
    public static func normalise(url: String) -> String {
        if url.hasPrefix("file://") {
            return "file://" + URL(fileURLWithPath: String(url.dropFirst(7))).standardizedFileURL.path
        }
        if !url.contains("://") && !url.contains("@") {
            let absolute = url.hasPrefix("/") ? url : FileManager.default.currentDirectoryPath + "/" + url
            return "file://" + URL(fileURLWithPath: absolute).standardizedFileURL.path
        }
        return url.hasSuffix("/") ? String(url.dropLast()) : url
    }

    /// The repository's path for `url` (see the type's documentation for the naming).
    public func repositoryPath(for url: String) -> String {
        root + "/" + Self.baseName(for: url) + ".git"
    }

    static func baseName(for url: String) -> String {
        let normalised = normalise(url: url)
        var body = Substring(normalised)
        if let scheme = body.range(of: "://") { body = body[scheme.upperBound...] }
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")
        let slug = String(String(body.map { allowed.contains($0) ? $0 : "_" }).prefix(64))
        let digest = SHA256.hash(data: Data(normalised.utf8))
        let hex = Base16.encode(Array(digest.prefix(8)))
        return "\(slug)-\(hex)"
    }

    /// Makes sure the cache repository for `url` contains `commit`, fetching only when it does not.
    ///
    /// - Parameters:
    ///   - url: the remote (https, ssh, local path, `file://`).
    ///   - commit: the commit wanted.
    ///   - reference: the remote reference `commit` was read from (e.g. `refs/heads/main`); it
    ///     is fetched instead of the bare id when given. Without it the id itself is asked for,
    ///     which GitHub and local remotes allow.
    ///   - progress: transfer progress; return `false` to cancel.
    ///   - waiting: called once when another process holds the lock, before blocking on it.
    /// - Returns: `true` when a fetch happened, `false` when the commit was already cached.
    /// - Throws: ``GitError`` (libgit2), ``GitCacheError`` (file system, missing commit).
    @discardableResult
    public func ensure(
        commit: ObjectID, from url: String, reference: String? = nil,
        progress: ((TransferProgress) -> Bool)? = nil, waiting: (() -> Void)? = nil
    ) throws -> Bool {
        try withRepository(for: url, waiting: waiting) { repository in
            if repository.containsCommit(commit) {
                try repository.setReference(Self.pinReference(commit), to: commit, message: "sglang-forge: pin")
                return false
            }
            let source = reference ?? commit.hex
            try repository.removeReference(Self.incomingReference)
            try repository.fetch(url: url, refspecs: ["+\(source):\(Self.incomingReference)"], progress: progress)
            let fetched = try repository.resolveReference(Self.incomingReference)
            if let reference, fetched == nil {
                // libgit2 fetches nothing, successfully, for a refspec that matches no remote ref.
                throw GitCacheError.referenceNotFound(reference: reference, url: url)
            }
            guard repository.containsCommit(commit) else {
                throw GitCacheError.commitMissing(commit: commit.hex, reference: source, fetched: fetched?.hex)
            }
            try repository.setReference(Self.pinReference(commit), to: commit, message: "sglang-forge: pin")
            try repository.removeReference(Self.incomingReference)
            return true
        }
    }

    /// The temporary ref a fetch writes to.
    public static let incomingReference = "refs/sglang-forge/incoming"

    /// The ref that keeps a pinned commit alive in the cache.
    public static func pinReference(_ commit: ObjectID) -> String { "refs/sglang-forge/pins/\(commit.hex)" }

    /// Opens (creating it when needed) the repository for `url` and lends it to `body` while
    /// holding its lock.
    /// - Throws: ``GitCacheError`` for file-system problems, or what `body` throws.
    public func withRepository<T>(
        for url: String, waiting: (() -> Void)? = nil, _ body: (Repository) throws -> T
    ) throws -> T {
        do {
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        } catch {
            throw GitCacheError.fileSystem(path: root, reason: "cannot create the cache directory: \(error.localizedDescription)")
        }
        let base = root + "/" + Self.baseName(for: url)
        let lock = try FileLock(path: base + ".lock", waiting: waiting)
        defer { lock.release() }
        let path = base + ".git"
        if !FileManager.default.fileExists(atPath: path) {
            let temporary = "\(base).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            do {
                let fresh = try Repository.createBare(path: temporary)
                // Reproducible hashes: no user-level attributes file takes part in export-ignore.
                try fresh.setConfig("core.attributesFile", "/dev/null")
                try fresh.setConfig("sglang-forge.url", Self.normalise(url: url))
            } catch {
                try? FileManager.default.removeItem(atPath: temporary)
                throw error
            }
            guard rename(temporary, path) == 0 else {
                let reason = String(cString: strerror(errno))
                try? FileManager.default.removeItem(atPath: temporary)
                throw GitCacheError.fileSystem(path: path, reason: "cannot move the new repository into place: \(reason)")
            }
        }
        let repository = try Repository.open(path: path)
        return try body(repository)
    }
}

/// An exclusive `flock(2)` lock on a file, held until ``release()``.
final class FileLock {
    private var descriptor: Int32

    init(path: String, waiting: (() -> Void)?) throws(GitCacheError) {
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw .fileSystem(path: path, reason: "cannot open the lock file: \(String(cString: strerror(errno)))")
        }
        if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            waiting?()
            while flock(descriptor, LOCK_EX) != 0 {
                guard errno == EINTR else {
                    let reason = String(cString: strerror(errno))
                    close(descriptor)
                    descriptor = -1
                    throw .fileSystem(path: path, reason: "cannot lock: \(reason)")
                }
            }
        }
    }

    func release() {
        guard descriptor >= 0 else { return }
        close(descriptor)  // closing the descriptor drops the flock
        descriptor = -1
    }

    deinit { release() }
}

/// Problems with the cache outside libgit2.
public enum GitCacheError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A directory or lock file could not be created, opened or renamed.
    case fileSystem(path: String, reason: String)
    /// The remote has no reference by that name (so the fetch brought nothing).
    case referenceNotFound(reference: String, url: String)
    /// The fetch succeeded but did not bring the wanted commit (e.g. the branch moved to an
    /// unrelated history between listing and fetching).
    case commitMissing(commit: String, reference: String, fetched: String?)

    public var description: String {
        switch self {
        case .fileSystem(let path, let reason):
            "\(path): \(reason)"
        case .referenceNotFound(let reference, let url):
            "\(url) has no reference '\(reference)'"
        case .commitMissing(let commit, let reference, let fetched):
            "fetching '\(reference)' did not bring commit \(commit)" + (fetched.map { " (it now points at \($0)); run the command again" } ?? "")
        }
    }
}
