internal import CGit2
import Foundation

/// One reference a remote advertises (`git ls-remote`).
public struct RemoteReference: Hashable, Sendable {
    /// Full name, e.g. `refs/heads/nixos-unstable`, `refs/tags/25.05`, `HEAD`.
    public var name: String
    /// What the reference points at (for an annotated tag: the tag object).
    public var target: ObjectID
    /// For an annotated tag, the commit it points at (the remote's `^{}` line); else `nil`.
    public var peeled: ObjectID?

    /// The commit this reference names: ``peeled`` when known, else ``target``.
    public var commit: ObjectID { peeled ?? target }
}

/// Transfer statistics reported during a fetch (`git_indexer_progress`).
public struct TransferProgress: Hashable, Sendable {
    /// Objects the remote is sending in all.
    public var totalObjects: Int
    /// Objects received so far.
    public var receivedObjects: Int
    /// Objects hashed and indexed so far.
    public var indexedObjects: Int
    /// Deltas to resolve in all, and resolved so far.
    public var totalDeltas: Int, indexedDeltas: Int
    /// Bytes received so far.
    public var receivedBytes: Int
}

/// Talking to remotes: listing their references and fetching from them.
public enum Remote {
    /// Lists the references `url` advertises, without downloading any object (the first step
    /// of the fetch protocol only: `git_remote_create_detached`, `git_remote_connect`,
    /// `git_remote_ls`). Works for https, ssh, local paths and `file://` URLs.
    ///
    /// - Returns: the references sorted by name; an annotated tag's `^{}` line is folded into
    ///   its ``RemoteReference/peeled``.
    /// - Throws: ``GitError`` from the failing libgit2 call (e.g. unreachable remote).
    public static func listReferences(url: String) throws(GitError) -> [RemoteReference] {
        _ = libgit2Initialized
        var remote: OpaquePointer?
        try check(git_remote_create_detached(&remote, url), "git_remote_create_detached")
        defer { git_remote_free(remote) }
        var callbacks = git_remote_callbacks()
        try check(git_remote_init_callbacks(&callbacks, UInt32(GIT_REMOTE_CALLBACKS_VERSION)), "git_remote_init_callbacks")
        var proxy = git_proxy_options()
        try check(git_proxy_options_init(&proxy, UInt32(GIT_PROXY_OPTIONS_VERSION)), "git_proxy_options_init")
        proxy.type = GIT_PROXY_AUTO  // the http.proxy config and the usual proxy environment variables
        try check(git_remote_connect(remote, GIT_DIRECTION_FETCH, &callbacks, &proxy, nil), "git_remote_connect")
        defer { git_remote_disconnect(remote) }
        var heads: UnsafeMutablePointer<UnsafePointer<git_remote_head>?>?
        var count = 0
        try check(git_remote_ls(&heads, &count, remote), "git_remote_ls")
        var targets: [String: ObjectID] = [:]
        var peeled: [String: ObjectID] = [:]
        for index in 0..<count {
            guard let head = heads?[index]?.pointee, let cName = head.name else { continue }
            let name = String(cString: cName)
            if name.hasSuffix("^{}") {
                peeled[String(name.dropLast(3))] = ObjectID(head.oid)
            } else {
                targets[name] = ObjectID(head.oid)
            }
        }
        return targets.keys.sorted().map { RemoteReference(name: $0, target: targets[$0]!, peeled: peeled[$0]) }
    }

    /// Finds the reference a user-given name means, in git's own order of precedence
    /// (gitrevisions(7)): the name itself, `refs/NAME`, `refs/tags/NAME`, `refs/heads/NAME`.
    /// - Returns: `nil` when none of them is advertised.
    public static func resolve(_ name: String, in references: [RemoteReference]) -> RemoteReference? {
        for candidate in [name, "refs/\(name)", "refs/tags/\(name)", "refs/heads/\(name)"] {
            if let found = references.first(where: { $0.name == candidate }) { return found }
        }
        return nil
    }
}

extension Repository {
    /// Fetches `refspecs` from `url` into this repository through an anonymous remote (nothing
    /// is written to the config), without tags and without touching `FETCH_HEAD`
    /// (`git_remote_create_anonymous`, `git_remote_fetch`).
    ///
    /// Objects arrive as a pack that libgit2 writes to a temporary file and renames into place
    /// only once it is complete and indexed, so an interrupted fetch leaves no partial objects;
    /// references are updated only after that.
    ///
    /// - Parameters:
    ///   - url: https, ssh, a local path or a `file://` URL.
    ///   - refspecs: e.g. `+refs/heads/main:refs/tmp/x`, or `+<40-hex id>:refs/tmp/x`.
    ///   - progress: called as data arrives; return `false` to cancel the fetch.
    /// - Throws: ``GitError`` from the failing call; ``GitError/isCancelled`` when `progress`
    ///   returned `false`.
    public func fetch(
        url: String, refspecs: [String], progress: ((TransferProgress) -> Bool)? = nil
    ) throws(GitError) {
        var remote: OpaquePointer?
        try check(git_remote_create_anonymous(&remote, handle, url), "git_remote_create_anonymous")
        defer { git_remote_free(remote) }
        var options = git_fetch_options()
        try check(git_fetch_options_init(&options, UInt32(GIT_FETCH_OPTIONS_VERSION)), "git_fetch_options_init")
        options.update_fetchhead = 0
        options.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE
        options.prune = GIT_FETCH_NO_PRUNE
        options.proxy_opts.type = GIT_PROXY_AUTO
        let box = ProgressBox(progress)
        let payload = Unmanaged.passRetained(box)
        defer { payload.release() }
        if progress != nil {
            options.callbacks.payload = payload.toOpaque()
            options.callbacks.transfer_progress = { stats, payload in
                guard let stats, let payload else { return 0 }
                let box = Unmanaged<ProgressBox>.fromOpaque(payload).takeUnretainedValue()
                let s = stats.pointee
                let report = TransferProgress(
                    totalObjects: Int(s.total_objects), receivedObjects: Int(s.received_objects),
                    indexedObjects: Int(s.indexed_objects), totalDeltas: Int(s.total_deltas),
                    indexedDeltas: Int(s.indexed_deltas), receivedBytes: Int(s.received_bytes)
                )
                guard box.callback?(report) != false else {
                    box.cancelled = true
                    return -1
                }
                return 0
            }
        }
        let cStrings = refspecs.map { strdup($0) }
        defer { cStrings.forEach { free($0) } }
        var pointers = cStrings
        try pointers.withUnsafeMutableBufferPointer { buffer throws(GitError) in
            var array = git_strarray(strings: buffer.baseAddress, count: buffer.count)
            let result = git_remote_fetch(remote, &array, &options, "sglang-forge fetch")
            if result < 0 {
                if result == GIT_EUSER.rawValue || box.cancelled {
                    let detail = lastError(result, "git_remote_fetch").message
                    throw GitError(function: "git_remote_fetch", code: GIT_EUSER.rawValue, message: "fetch cancelled (\(detail))")
                }
                throw lastError(result, "git_remote_fetch")
            }
        }
    }
}

/// Carries the Swift progress closure through libgit2's `void *payload`.
private final class ProgressBox {
    let callback: ((TransferProgress) -> Bool)?
    var cancelled = false
    init(_ callback: ((TransferProgress) -> Bool)?) { self.callback = callback }
}
