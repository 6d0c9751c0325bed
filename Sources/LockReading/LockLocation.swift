/// Where a spec's lock lives.
public enum LockLocation {
    /// `specs/main.yaml` → `specs/main.lock` (any other name: `<name>.lock`).
    public static func defaultPath(forSpec spec: String) -> String {
        for suffix in [".yaml", ".yml"] where spec.hasSuffix(suffix) { return String(spec.dropLast(suffix.count)) + ".lock" }
        return spec + ".lock"
    }

    /// `specs/main.lock` → `specs/main.closure.txt`.
    public static func closurePath(forLock lock: String) -> String {
        (lock.hasSuffix(".lock") ? String(lock.dropLast(5)) : lock) + ".closure.txt"
    }

    /// `specs/main.lock` → `main.closure.txt`: ``closurePath(forLock:)`` relative to the lock's
    /// directory, as a lock records it.
    public static func closureFileName(forLock lock: String) -> String {
        let path = closurePath(forLock: lock)
        return path.utf8.lastIndex(of: UInt8(ascii: "/")).map { String(path[path.utf8.index(after: $0)...]) } ?? path
    }

    /// The path of a file the lock at `lockPath` references as `relativePath` (relative to the
    /// lock's directory), as the user would write it: `specs/main.lock` + `main.closure.txt` →
    /// `specs/main.closure.txt`; a lock without a directory part → `relativePath` itself.
    public static func referencedFile(_ relativePath: String, lockPath: String) -> String {
        guard let slash = lockPath.utf8.lastIndex(of: UInt8(ascii: "/")) else { return relativePath }
        let directory = lockPath[..<slash]
        return directory.isEmpty ? "/" + relativePath : directory + "/" + relativePath
    }
}
