import Foundation

/// Git repositories built on the fly with the `git` CLI.
public enum GitFixture {
    /// Writes `contents` to `root/relative`, creating parent directories.
    public static func write(_ root: String, _ relative: String, _ contents: String, executable: Bool = false) throws {
        let path = root + "/" + relative
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        if executable {
            try ExecutableFile.write(contents, to: path)
        } else {
            try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
        }
    }

    /// `git init` in `path`, with commits dated deterministically.
    public static func initRepository(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try Shell.check(["git", "init", "-q", "-b", "main", path])
    }

    /// Commits everything in the work tree; returns the new commit id.
    @discardableResult
    public static func commitAll(_ path: String, message: String, date: Int, stageAll: Bool = true) throws -> String {
        if stageAll { try Shell.check(["git", "add", "-A"], in: path) }
        let stamp = "@\(date) +0000"
        try Shell.check(["git", "commit", "-q", "--allow-empty", "-m", message], in: path, environment: ["GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp])
        return try Shell.check(["git", "rev-parse", "HEAD"], in: path)
    }

    /// The tree every NAR test uses: nested directories, executables, symlinks (one dangling),
    /// empty files, sizes around the 8-byte padding, names whose byte-wise order differs from
    /// git's tree order and from a locale's collation, export-ignore rules at two levels, and a
    /// submodule entry.
    public static func makeRichRepository(_ path: String) throws -> String {
        try initRepository(path)
        try write(path, "a/b/c/deep.txt", "deep\n")
        try write(path, "bin/run.sh", "#!/bin/sh\necho hi\n", executable: true)
        try write(path, "bin/plain.sh", "#!/bin/sh\n")
        try write(path, "empty", "")
        try write(path, "empty-exec", "", executable: true)
        try write(path, "seven.b", "1234567")
        try write(path, "eight.b", "12345678")
        try write(path, "nine.b", "123456789")
        // git sorts the directory "foo" as "foo/", after "foo-bar" and "foo.txt"; NAR sorts "foo" first.
        try write(path, "foo/inner", "inner\n")
        try write(path, "foo-bar", "dash\n")
        try write(path, "foo.txt", "dot\n")
        // Byte-wise: "B" < "Z.txt" < "_x" < "a" < "ä" (0xc3…) < "é"; a locale would put them otherwise.
        for name in ["B", "Z.txt", "_x", "a0", "ä", "é", "Ä.txt", "z"] { try write(path, "names/\(name)", name) }
        try write(path, ".gitattributes", "secret.txt export-ignore\nlogs export-ignore\n*.tmp export-ignore\ngenerated/ export-ignore\n/a/b/c/ignored-* export-ignore\n")
        try write(path, "secret.txt", "do not ship\n")
        try write(path, "generated/out.c", "int x;\n")
        try write(path, "a/b/c/ignored-1", "x")
        try write(path, "nested/generated/deep.c", "int y;\n")
        try write(path, "logs/run.log", "log\n")
        try write(path, "build.tmp", "tmp\n")
        try write(path, "nested/build.tmp", "tmp\n")
        try write(path, "sub/.gitattributes", "local.txt export-ignore\n")
        try write(path, "sub/local.txt", "local\n")
        try write(path, "sub/keep.txt", "keep\n")
        try FileManager.default.createSymbolicLink(atPath: path + "/link", withDestinationPath: "a/b/c/deep.txt")
        try FileManager.default.createSymbolicLink(atPath: path + "/a/dangling", withDestinationPath: "../nowhere")
        try FileManager.default.createSymbolicLink(atPath: path + "/dirlink", withDestinationPath: "foo")
        try Shell.check(["git", "add", "-A"], in: path)
        // A submodule entry (gitlink) without a .gitmodules checkout, as git records it.
        try Shell.check(["git", "update-index", "--add", "--cacheinfo", "160000,1111111111111111111111111111111111111111,vendor/mod"], in: path)
        let commit = try commitAll(path, message: "rich tree", date: 1_700_000_000, stageAll: false)
        let entries = try Shell.check(["git", "ls-tree", "-r", commit, "vendor"], in: path)
        guard entries.hasPrefix("160000 commit ") else { throw Shell.Failure(command: "git ls-tree (gitlink missing)", result: .init(status: 1, stdout: Data(entries.utf8), stderr: "")) }
        return commit
    }

    /// Extracts `git archive` of `commit` into a new directory `destination` (the oracle: GitHub
    /// builds its tarballs the same way).
    public static func archive(repository: String, commit: String, into destination: String) throws {
        try FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: true)
        try Shell.sh("git -C '\(repository)' archive --format=tar \(commit) | tar -x -C '\(destination)'")
    }

    /// `nix-hash --type sha256 --base32 PATH`: Nix's NAR hash of a path.
    public static func nixHash(_ path: String) throws -> String {
        try Shell.check(["nix-hash", "--type", "sha256", "--base32", path])
    }
}
