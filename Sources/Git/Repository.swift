internal import CGit2

/// A git repository opened with libgit2 (`git_repository*`), freed when the last reference goes.
///
/// Not thread-safe: use one `Repository` from one thread at a time (libgit2's rule for a
/// repository handle).
public final class Repository {
    let handle: OpaquePointer

    private init(handle: OpaquePointer) { self.handle = handle }

    deinit { git_repository_free(handle) }

    /// Opens the repository at exactly `path` (a bare repository or a `.git` directory, or a
    /// work tree), without searching parent directories (`git_repository_open_ext` with
    /// `GIT_REPOSITORY_OPEN_NO_SEARCH`).
    /// - Throws: ``GitError`` from `git_repository_open_ext` (e.g. not a repository).
    public static func open(path: String) throws(GitError) -> Repository {
        _ = libgit2Initialized
        var out: OpaquePointer?
        try check(git_repository_open_ext(&out, path, GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue, nil), "git_repository_open_ext")
        return Repository(handle: out!)
    }

    /// Creates an empty bare repository at `path` (`git_repository_init` with `is_bare`).
    /// - Throws: ``GitError`` from `git_repository_init`.
    public static func createBare(path: String) throws(GitError) -> Repository {
        _ = libgit2Initialized
        var out: OpaquePointer?
        try check(git_repository_init(&out, path, 1), "git_repository_init")
        return Repository(handle: out!)
    }

    /// The repository's git directory (for a bare repository, the repository itself).
    public var gitDirectory: String { String(cString: git_repository_path(handle)) }

    /// Sets a string value in the repository's own config file (`.git/config` or `config`).
    /// - Throws: ``GitError`` from `git_repository_config` or `git_config_set_string`.
    public func setConfig(_ key: String, _ value: String) throws(GitError) {
        var config: OpaquePointer?
        try check(git_repository_config(&config, handle), "git_repository_config")
        defer { git_config_free(config) }
        var local: OpaquePointer?
        try check(git_config_open_level(&local, config, GIT_CONFIG_LEVEL_LOCAL), "git_config_open_level")
        defer { git_config_free(local) }
        try check(git_config_set_string(local, key, value), "git_config_set_string")
    }

    /// Whether the object database holds a commit with this id (and nothing else under that id).
    public func containsCommit(_ id: ObjectID) -> Bool {
        (try? withObject(id, type: GIT_OBJECT_COMMIT) { _ in true }) ?? false
    }

    /// Reads a commit.
    /// - Throws: ``GitError`` from `git_object_lookup` (`isNotFound` when absent).
    public func commit(_ id: ObjectID) throws(GitError) -> CommitInfo {
        try withObject(id, type: GIT_OBJECT_COMMIT) { commit in
            CommitInfo(
                id: id,
                tree: ObjectID(git_commit_tree_id(commit)),
                committerTime: Int64(git_commit_time(commit)),
                summary: git_commit_summary(commit).map { String(cString: $0) } ?? ""
            )
        }
    }

    /// The commit a reference (e.g. `refs/heads/main`, or a tag) ultimately points at, or `nil`
    /// when there is no such reference.
    /// - Throws: ``GitError`` when the reference exists but cannot be peeled to a commit.
    public func resolveReference(_ name: String) throws(GitError) -> ObjectID? {
        var reference: OpaquePointer?
        let result = git_reference_lookup(&reference, handle, name)
        if result == GIT_ENOTFOUND.rawValue { return nil }
        try check(result, "git_reference_lookup")
        defer { git_reference_free(reference) }
        var object: OpaquePointer?
        try check(git_reference_peel(&object, reference, GIT_OBJECT_COMMIT), "git_reference_peel")
        defer { git_object_free(object) }
        return ObjectID(git_object_id(object))
    }

    /// Points the direct reference `name` at `id`, replacing any previous value.
    /// - Throws: ``GitError`` from `git_reference_create`.
    public func setReference(_ name: String, to id: ObjectID, message: String) throws(GitError) {
        var oid = id.raw
        var reference: OpaquePointer?
        try check(git_reference_create(&reference, handle, name, &oid, 1, message), "git_reference_create")
        git_reference_free(reference)
    }

    /// Deletes the reference `name`; does nothing when it does not exist.
    /// - Throws: ``GitError`` from `git_reference_remove`.
    public func removeReference(_ name: String) throws(GitError) {
        let result = git_reference_remove(handle, name)
        if result == GIT_ENOTFOUND.rawValue { return }
        try check(result, "git_reference_remove")
    }

    /// Looks up an object of the given type and lends it to `body`; the handle is freed when
    /// `body` returns and must not escape it.
    func withObject<T>(
        _ id: ObjectID, type: git_object_t, _ body: (OpaquePointer) throws(GitError) -> T
    ) throws(GitError) -> T {
        var oid = id.raw
        var object: OpaquePointer?
        try check(git_object_lookup(&object, handle, &oid, type), "git_object_lookup")
        defer { git_object_free(object) }
        return try body(object!)
    }
}

/// What a commit says about itself, as far as a pin needs it.
public struct CommitInfo: Hashable, Sendable {
    /// The commit's id.
    public var id: ObjectID
    /// Its root tree.
    public var tree: ObjectID
    /// Committer time, seconds since the Unix epoch (`git_commit_time`); what Nix records as
    /// `lastModified` for a GitHub or git input.
    public var committerTime: Int64
    /// First line of the message.
    public var summary: String
}
