internal import CGit2
import Foundation
import Hashes
import NAR

/// The NAR serialisation of a commit's tree, read straight from the object database: what Nix
/// would hash after unpacking GitHub's tarball of that commit (flake `narHash`, `fetchTarball`'s
/// `sha256`), computed without a checkout.
///
/// How git entries become NAR nodes (facts: git's `tree.c` / libgit2 `git_filemode_t`; the
/// NAR grammar in ``NARWriter``):
/// - tree (040000) → directory, entries re-sorted byte-wise (git sorts a subtree as if its name
///   ended in `/`, NAR sorts plain names);
/// - blob 100644 → regular file; 100755 → executable file (libgit2 normalises the legacy
///   100664 to 100644, as git does);
/// - 120000 → symlink whose target is the blob's content;
/// - 160000 (a submodule "gitlink") → an **empty directory**: GitHub's tarball and
///   `git archive` contain an empty directory there and never the submodule's files, and Nix
///   (`fetchTarball`, `github:` inputs, and its git fetcher without `submodules = true`) hashes
///   exactly that.
///
/// `.gitattributes` `export-ignore` (gitattributes(5), "Creating an archive"): GitHub builds its
/// tarballs with `git archive`, which leaves out every path (file or directory) whose
/// `export-ignore` attribute is set, as read from the `.gitattributes` files *of the archived
/// commit* (and `$GIT_DIR/info/attributes`). The same paths are left out here, asking libgit2
/// (`git_attr_get_ext` with `GIT_ATTR_CHECK_INCLUDE_COMMIT | GIT_ATTR_CHECK_NO_SYSTEM`). Lookups
/// are skipped below directories where no `.gitattributes` on the way mentions `export-ignore`.
/// `export-subst` (keyword expansion in the tarball) is not reproduced: a tree that asks for it
/// is refused with ``TreeArchiveError/exportSubstUnsupported(path:)`` rather than hashed wrongly.
public struct TreeArchive {
    /// The repository the objects are read from.
    public let repository: Repository
    /// The commit whose tree is serialised (and whose `.gitattributes` apply).
    public let commit: ObjectID
    /// Whether `export-ignore` paths are left out (true: as in GitHub's tarball).
    public var honourExportIgnore: Bool

    /// Prepares to serialise `commit`'s tree.
    public init(repository: Repository, commit: ObjectID, honourExportIgnore: Bool = true) {
        self.repository = repository
        self.commit = commit
        self.honourExportIgnore = honourExportIgnore
    }

    /// The SHA-256 NAR hash of the tree, streamed (never more than one blob in memory).
    /// - Returns: the digest (print it with ``Digest/sri`` or ``Digest/nixBase32``) and the
    ///   archive's size in bytes (Nix's `narSize`).
    /// - Throws: ``GitError``, ``NARError`` or ``TreeArchiveError``.
    public func narHash() throws -> (digest: Digest, narSize: Int) {
        var writer = NARWriter(sink: NARSHA256Sink())
        try write(into: &writer)
        let size = writer.sink.byteCount
        return (writer.sink.finalize(), size)
    }

    /// Serialises the tree into `writer`, whose magic header is already written.
    /// - Throws: ``GitError``, ``NARError`` or ``TreeArchiveError``.
    public func write<Sink: NARSink>(into writer: inout NARWriter<Sink>) throws {
        let info = try repository.commit(commit)
        var walker = Walker(repository: repository, commit: commit, writer: writer)
        walker.honour = honourExportIgnore
        try walker.directory(info.tree, path: [], inheritedAttributes: honourExportIgnore && Self.infoAttributesMentionExport(repository))
        writer = walker.writer
    }

    private static func infoAttributesMentionExport(_ repository: Repository) -> Bool {
        let path = repository.gitDirectory + "info/attributes"
        guard let data = FileManager.default.contents(atPath: path) else { return false }
        return String(decoding: data, as: UTF8.self).contains("export-ignore")
    }

    private struct Walker<Sink: NARSink> {
        let repository: Repository
        let commit: ObjectID
        var writer: NARWriter<Sink>
        /// Whether `export-ignore` is honoured at all.
        var honour = false

        init(repository: Repository, commit: ObjectID, writer: NARWriter<Sink>) {
            self.repository = repository
            self.commit = commit
            self.writer = writer
        }

        mutating func directory(_ treeID: ObjectID, path: [UInt8], inheritedAttributes: Bool) throws {
            var entries = try repository.withObject(treeID, type: GIT_OBJECT_TREE) { tree throws(GitError) -> [Entry] in
                // Copy the entries out so that no borrowed pointer outlives this closure.
                let count = git_tree_entrycount(tree)
                var entries: [Entry] = []
                entries.reserveCapacity(count)
                for index in 0..<count {
                    let entry = git_tree_entry_byindex(tree, index)!
                    let name = Array(UnsafeBufferPointer(start: UnsafeRawPointer(git_tree_entry_name(entry)).assumingMemoryBound(to: UInt8.self), count: strlen(git_tree_entry_name(entry))))
                    entries.append(Entry(name: name, mode: git_tree_entry_filemode(entry).rawValue, id: ObjectID(git_tree_entry_id(entry))))
                }
                return entries
            }
            entries.sort { $0.name.lexicographicallyPrecedes($1.name) }

            var attributes = inheritedAttributes
            if let dotfile = entries.first(where: { $0.name == Array(".gitattributes".utf8) }), dotfile.mode == GIT_FILEMODE_BLOB.rawValue || dotfile.mode == GIT_FILEMODE_BLOB_EXECUTABLE.rawValue {
                let text = !honour ? "" : try repository.withObject(dotfile.id, type: GIT_OBJECT_BLOB) { blob in
                    String(decoding: UnsafeRawBufferPointer(start: git_blob_rawcontent(blob), count: Int(git_blob_rawsize(blob))), as: UTF8.self)
                }
                if text.contains("export-subst") {
                    throw TreeArchiveError.exportSubstUnsupported(path: String(decoding: path + Array(".gitattributes".utf8), as: UTF8.self))
                }
                if text.contains("export-ignore") { attributes = true }
            }

            writer.beginDirectory()
            for entry in entries {
                let entryPath = path + entry.name
                if attributes, try isExportIgnored(entryPath) { continue }
                try writer.beginEntry(name: entry.name)
                switch entry.mode {
                case GIT_FILEMODE_TREE.rawValue:
                    try directory(entry.id, path: entryPath + [0x2f], inheritedAttributes: attributes)
                case GIT_FILEMODE_BLOB.rawValue, GIT_FILEMODE_BLOB_EXECUTABLE.rawValue:
                    let executable = entry.mode == GIT_FILEMODE_BLOB_EXECUTABLE.rawValue
                    try repository.withObject(entry.id, type: GIT_OBJECT_BLOB) { blob throws(GitError) in
                        let bytes = UnsafeRawBufferPointer(start: git_blob_rawcontent(blob), count: Int(git_blob_rawsize(blob)))
                        writer.regular(executable: executable, contents: bytes)
                    }
                case GIT_FILEMODE_LINK.rawValue:
                    let target = try repository.withObject(entry.id, type: GIT_OBJECT_BLOB) { blob in
                        Array(UnsafeRawBufferPointer(start: git_blob_rawcontent(blob), count: Int(git_blob_rawsize(blob))))
                    }
                    writer.symlink(target: target)
                case GIT_FILEMODE_COMMIT.rawValue:
                    // A submodule: an empty directory, as in GitHub's tarball (see the type's documentation).
                    writer.beginDirectory()
                    writer.endDirectory()
                default:
                    throw TreeArchiveError.unknownMode(path: String(decoding: entryPath, as: UTF8.self), mode: entry.mode)
                }
                writer.endEntry()
            }
            writer.endDirectory()
        }

        private func isExportIgnored(_ path: [UInt8]) throws(GitError) -> Bool {
            var options = git_attr_options()
            options.version = UInt32(GIT_ATTR_OPTIONS_VERSION)
            options.flags = UInt32(GIT_ATTR_CHECK_INDEX_ONLY | GIT_ATTR_CHECK_NO_SYSTEM | GIT_ATTR_CHECK_INCLUDE_COMMIT)
            var oid = commit.raw
            var value: UnsafePointer<CChar>?
            let pathString = String(decoding: path, as: UTF8.self)
            try withUnsafeMutablePointer(to: &oid) { pointer throws(GitError) in
                options.commit_id = pointer
                try check(git_attr_get_ext(&value, repository.handle, &options, pathString, "export-ignore"), "git_attr_get_ext")
            }
            return git_attr_value(value) == GIT_ATTR_VALUE_TRUE
        }
    }

    private struct Entry {
        var name: [UInt8]
        var mode: UInt32
        var id: ObjectID
    }
}

/// A tree that cannot be turned into the archive GitHub would serve.
public enum TreeArchiveError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A `.gitattributes` asks for `export-subst`, whose keyword expansion is not reproduced.
    case exportSubstUnsupported(path: String)
    /// A tree entry with a mode git does not write.
    case unknownMode(path: String, mode: UInt32)

    public var description: String {
        switch self {
        case .exportSubstUnsupported(let path):
            "\(path) uses 'export-subst', which changes file contents in GitHub's tarball; computing that hash from git objects is not supported"
        case .unknownMode(let path, let mode):
            "tree entry '\(path)' has unknown mode \(String(mode, radix: 8))"
        }
    }
}
