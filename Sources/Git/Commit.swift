internal import CGit2
import Foundation

/// Who made a commit, and when (`git_signature`).
public struct Signature: Hashable, Sendable {
    /// Name (`sglang-forge`).
    public var name: String
    /// E-mail address.
    public var email: String
    /// Seconds since the Unix epoch.
    public var time: Int64
    /// Offset from UTC in minutes.
    public var offsetMinutes: Int32

    public init(name: String, email: String, time: Int64, offsetMinutes: Int32 = 0) {
        self.name = name
        self.email = email
        self.time = time
        self.offsetMinutes = offsetMinutes
    }
}

/// What a commit is made of, as far as `bump` compares two commits.
public struct CommitContent: Hashable, Sendable {
    /// The root tree.
    public var tree: ObjectID
    /// The parents, in order.
    public var parents: [ObjectID]
    /// The full message.
    public var message: String
}

extension Repository {
    /// The work tree's root directory (with a trailing `/`), or `nil` for a bare repository
    /// (`git_repository_workdir`).
    public var workDirectory: String? { git_repository_workdir(handle).map { String(cString: $0) } }

    /// The bytes of the file at `path` (relative to the repository root, `/`-separated) in
    /// `commit`'s tree, or `nil` when there is no such file.
    /// - Throws: ``GitError`` from the lookups.
    public func file(at path: String, in commit: ObjectID) throws(GitError) -> [UInt8]? {
        try withObject(commit, type: GIT_OBJECT_COMMIT) { commitHandle throws(GitError) in
            var tree: OpaquePointer?
            try check(git_commit_tree(&tree, commitHandle), "git_commit_tree")
            defer { git_tree_free(tree) }
            var entry: OpaquePointer?
            let found = git_tree_entry_bypath(&entry, tree, path)
            if found == GIT_ENOTFOUND.rawValue { return nil }
            try check(found, "git_tree_entry_bypath")
            defer { git_tree_entry_free(entry) }
            guard git_tree_entry_type(entry) == GIT_OBJECT_BLOB else { return nil }
            return try withObject(ObjectID(git_tree_entry_id(entry).pointee), type: GIT_OBJECT_BLOB) { blob in
                let size = Int(git_blob_rawsize(blob))
                guard size > 0, let raw = git_blob_rawcontent(blob) else { return [] }
                return Array(UnsafeRawBufferPointer(start: raw, count: size))
            }
        }
    }

    /// Creates a commit whose tree is `parent`'s tree with the given files replaced (or added),
    /// without touching the work tree, the index file or any reference: an in-memory index is
    /// filled from the parent's tree (`git_index_new`, `git_index_read_tree`), the files are
    /// written as blobs and indexed (`git_blob_create_from_buffer`, `git_index_add`, keeping an existing file's mode), and
    /// the tree and commit are written to the object database (`git_index_write_tree_to`,
    /// `git_commit_create`).
    /// - Parameters:
    ///   - files: path (relative to the repository root, `/`-separated) → new contents.
    ///   - parent: the commit to build on.
    ///   - message: the commit message.
    ///   - author: author and committer.
    /// - Returns: the new commit's id.
    /// - Throws: ``GitError`` from the failing call.
    public func createCommit(replacing files: [String: [UInt8]], onto parent: ObjectID, message: String, author: Signature) throws(GitError) -> ObjectID {
        var index: OpaquePointer?
        try check(git_index_new(&index), "git_index_new")
        defer { git_index_free(index) }
        var parentHandle: OpaquePointer?
        var parentOID = parent.raw
        try check(git_commit_lookup(&parentHandle, handle, &parentOID), "git_commit_lookup")
        defer { git_commit_free(parentHandle) }
        var parentTree: OpaquePointer?
        try check(git_commit_tree(&parentTree, parentHandle), "git_commit_tree")
        defer { git_tree_free(parentTree) }
        try check(git_index_read_tree(index, parentTree), "git_index_read_tree")
        for (path, bytes) in files.sorted(by: { $0.key < $1.key }) {
            let mode = git_index_get_bypath(index, path, 0)?.pointee.mode ?? UInt32(GIT_FILEMODE_BLOB.rawValue)
            // The in-memory index has no repository, so the blob is written first, then indexed.
            var blob = git_oid()
            try check(bytes.withUnsafeBytes { git_blob_create_from_buffer(&blob, handle, $0.baseAddress, $0.count) }, "git_blob_create_from_buffer")
            let result: Int32 = path.withCString { cPath in
                var entry = git_index_entry()
                entry.path = cPath
                entry.mode = mode
                entry.id = blob
                return git_index_add(index, &entry)
            }
            try check(result, "git_index_add")
        }
        var treeOID = git_oid()
        try check(git_index_write_tree_to(&treeOID, index, handle), "git_index_write_tree_to")
        var tree: OpaquePointer?
        try check(git_tree_lookup(&tree, handle, &treeOID), "git_tree_lookup")
        defer { git_tree_free(tree) }
        var signature: UnsafeMutablePointer<git_signature>?
        try check(git_signature_new(&signature, author.name, author.email, git_time_t(author.time), Int32(author.offsetMinutes)), "git_signature_new")
        defer { git_signature_free(signature) }
        var commitOID = git_oid()
        var parents: [OpaquePointer?] = [parentHandle]
        let result = parents.withUnsafeMutableBufferPointer { buffer in
            git_commit_create(&commitOID, handle, nil, signature, signature, "UTF-8", message, tree, 1, buffer.baseAddress)
        }
        try check(result, "git_commit_create")
        return ObjectID(commitOID)
    }

    /// A commit's tree, parents and message.
    /// - Throws: ``GitError`` (`isNotFound` when absent).
    public func content(of commit: ObjectID) throws(GitError) -> CommitContent {
        try withObject(commit, type: GIT_OBJECT_COMMIT) { handle in
            let count = git_commit_parentcount(handle)
            let parents = (0..<count).compactMap { git_commit_parent_id(handle, $0).map { ObjectID($0.pointee) } }
            return CommitContent(tree: ObjectID(git_commit_tree_id(handle)), parents: parents,
                                 message: git_commit_message(handle).map { String(cString: $0) } ?? "")
        }
    }
}
